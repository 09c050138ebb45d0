#include "io/checkpoint.h"

#include "io/file_bytes.h"

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>

namespace linact::host {
namespace {

constexpr char kTensorsTag[4] = {'T', 'E', 'N', 'S'};
constexpr char kScalarsTag[4] = {'S', 'C', 'A', 'L'};
constexpr char kTextsTag[4] = {'T', 'E', 'X', 'T'};

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", v);
  return buf;
}

// zlib's crc32 takes a uInt length, so long buffers go in slices.
uint32_t crc32_of(const uint8_t* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  constexpr size_t kSlice = size_t{1} << 30;
  while (size > 0) {
    const size_t n = size < kSlice ? size : kSlice;
    crc = crc32(crc, data, static_cast<uInt>(n));
    data += n;
    size -= n;
  }
  return static_cast<uint32_t>(crc);
}

// Little-endian encoder; the format fixes the byte order whatever the host's.
class Writer {
 public:
  void u32(uint32_t v) { uint(v, 4); }
  void u64(uint64_t v) { uint(v, 8); }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    u32(bits);
  }
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  void name(const std::string& s) {
    if (s.empty() || s.size() > kCheckpointMaxNameBytes) {
      throw IoError("checkpoint entry name '" + s.substr(0, 64) + "' has " +
                    std::to_string(s.size()) + " bytes; names must have 1 to " +
                    std::to_string(kCheckpointMaxNameBytes));
    }
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  void uint(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> bytes_;
};

// Bounds-checked little-endian decoder; every fault names the offset and the field.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  uint32_t u32(const char* field) { return static_cast<uint32_t>(uint(4, field)); }
  uint64_t u64(const char* field) { return uint(8, field); }
  float f32(const char* field) {
    const uint32_t bits = u32(field);
    float v;
    std::memcpy(&v, &bits, sizeof(v));
    return v;
  }
  const uint8_t* take(uint64_t n, const char* field) {
    if (n > size_ - pos_) {
      fail(std::string(field) + " needs " + std::to_string(n) + " bytes but only " +
           std::to_string(size_ - pos_) + " remain");
    }
    const uint8_t* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  std::string name(const char* field) {
    const uint32_t n = u32(field);
    if (n == 0 || n > kCheckpointMaxNameBytes) {
      fail(std::string(field) + " length is " + std::to_string(n) + ", outside 1.." +
           std::to_string(kCheckpointMaxNameBytes));
    }
    const uint8_t* p = take(n, field);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  void tag(const char (&expected)[4]) {
    const uint8_t* p = take(4, "section tag");
    if (std::memcmp(p, expected, 4) != 0) {
      fail("expected section '" + std::string(expected, 4) + "', found '" +
           std::string(reinterpret_cast<const char*>(p), 4) + "'");
    }
  }
  size_t remaining() const { return size_ - pos_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(source_ + ": checkpoint payload is malformed at byte " + std::to_string(pos_) +
                  ": " + what);
  }

 private:
  uint64_t uint(int n, const char* field) {
    const uint8_t* p = take(static_cast<uint64_t>(n), field);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t{p[i]} << (8 * i);
    return v;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& source_;
};

void write_payload(Writer& w, const Checkpoint& c) {
  w.raw(kTensorsTag, 4);
  w.u32(static_cast<uint32_t>(c.tensors.size()));
  for (const auto& [name, values] : c.tensors) {
    w.name(name);
    w.u64(values.size());
    for (float v : values)
      w.f32(v);
  }

  w.raw(kScalarsTag, 4);
  w.u32(static_cast<uint32_t>(c.scalars.size()));
  for (const auto& [name, value] : c.scalars) {
    w.name(name);
    w.u64(static_cast<uint64_t>(value));
  }

  w.raw(kTextsTag, 4);
  w.u32(static_cast<uint32_t>(c.texts.size()));
  for (const auto& [name, text] : c.texts) {
    w.name(name);
    w.u64(text.size());
    w.raw(text.data(), text.size());
  }
}

// Names are stored in increasing byte order, as std::map keeps them; requiring that order on
// read rejects duplicates and gives every checkpoint exactly one encoding.
void check_order(const Reader& r, const std::string* previous, const std::string& name) {
  if (previous == nullptr || *previous < name) return;
  r.fail("entry '" + name + "' is a duplicate or out of order after '" + *previous + "'");
}

template <typename Map, typename ReadValue>
void read_section(Reader& r, const char (&tag)[4], Map& out, ReadValue read_value) {
  r.tag(tag);
  const uint32_t count = r.u32("entry count");
  const std::string* previous = nullptr;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = r.name("entry name");
    check_order(r, previous, name);
    auto it = out.emplace_hint(out.end(), std::move(name), read_value(r));
    previous = &it->first;
  }
}

std::vector<float> read_tensor(Reader& r) {
  const uint64_t count = r.u64("tensor element count");
  if (count > r.remaining() / 4) {
    r.fail("tensor of " + std::to_string(count) + " floats is larger than the " +
           std::to_string(r.remaining()) + " bytes that remain");
  }
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values)
    v = r.f32("tensor element");
  return values;
}

int64_t read_scalar(Reader& r) {
  return static_cast<int64_t>(r.u64("scalar value"));
}

std::string read_text(Reader& r) {
  const uint64_t n = r.u64("text length");
  const uint8_t* p = r.take(n, "text");
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

struct Header {
  uint32_t version;
  uint32_t reserved;
  uint64_t payload_bytes;
  uint32_t payload_crc;
};

Header read_header(const uint8_t* data, size_t size, const std::string& source) {
  if (size < kCheckpointHeaderBytes) {
    throw IoError(source + ": holds " + std::to_string(size) + " bytes, fewer than the " +
                  std::to_string(kCheckpointHeaderBytes) +
                  "-byte checkpoint header (truncated or empty?)");
  }
  if (std::memcmp(data, kCheckpointMagic, sizeof(kCheckpointMagic)) != 0) {
    throw IoError(source + ": does not start with \"LINACTCK\"; not a linact checkpoint");
  }
  Reader r(data + sizeof(kCheckpointMagic), kCheckpointHeaderBytes - sizeof(kCheckpointMagic),
           source);
  Header h;
  h.version = r.u32("version");
  h.reserved = r.u32("reserved");
  h.payload_bytes = r.u64("payload size");
  h.payload_crc = r.u32("payload CRC32");
  return h;
}

void check_header(const Header& h, size_t file_size, const std::string& source) {
  if (h.version != kCheckpointVersion) {
    throw IoError(source + ": checkpoint format version " + std::to_string(h.version) +
                  " is not supported; this build reads version " +
                  std::to_string(kCheckpointVersion) +
                  " only (written by another linact version, or corrupted)");
  }
  if (h.reserved != 0) {
    throw IoError(source + ": checkpoint header's reserved field is " + hex32(h.reserved) +
                  ", must be 0 (corrupted?)");
  }
  const size_t actual = file_size - kCheckpointHeaderBytes;
  if (h.payload_bytes != actual) {
    const char* hint = actual < h.payload_bytes ? "truncated?" : "trailing bytes?";
    throw IoError(source + ": checkpoint header says " + std::to_string(h.payload_bytes) +
                  " bytes of payload, but the file holds " + std::to_string(actual) + " (" + hint +
                  ")");
  }
}

}  // namespace

std::vector<uint8_t> serialize_checkpoint(const Checkpoint& checkpoint) {
  Writer payload;
  write_payload(payload, checkpoint);
  const std::vector<uint8_t>& p = payload.bytes();

  Writer file;
  file.raw(kCheckpointMagic, sizeof(kCheckpointMagic));
  file.u32(kCheckpointVersion);
  file.u32(0);
  file.u64(p.size());
  file.u32(crc32_of(p.data(), p.size()));
  file.raw(p.data(), p.size());
  return std::move(file.bytes());
}

Checkpoint parse_checkpoint_payload(const uint8_t* data, size_t size, const std::string& source) {
  Reader r(data, size, source);
  Checkpoint c;
  read_section(r, kTensorsTag, c.tensors, read_tensor);
  read_section(r, kScalarsTag, c.scalars, read_scalar);
  read_section(r, kTextsTag, c.texts, read_text);
  if (r.remaining() != 0) {
    r.fail(std::to_string(r.remaining()) + " bytes follow the last section");
  }
  return c;
}

Checkpoint parse_checkpoint(const uint8_t* data, size_t size, const std::string& source) {
  const Header h = read_header(data, size, source);
  check_header(h, size, source);

  const uint8_t* payload = data + kCheckpointHeaderBytes;
  const size_t payload_size = size - kCheckpointHeaderBytes;
  const uint32_t crc = crc32_of(payload, payload_size);
  if (crc != h.payload_crc) {
    throw IoError(source + ": checkpoint is corrupted: payload CRC32 is " + hex32(crc) +
                  " but the header records " + hex32(h.payload_crc));
  }
  return parse_checkpoint_payload(payload, payload_size, source);
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::vector<uint8_t> bytes;
  try {
    bytes = serialize_checkpoint(checkpoint);
  } catch (const IoError& e) {
    throw IoError(path + ": " + e.what());
  }
  write_file_atomically(path, bytes.data(), bytes.size());
}

Checkpoint load_checkpoint(const std::string& path) {
  // The file and its tensors are held at once, about twice the file's size: a file too large for
  // that is named rather than ending the program with std::bad_alloc.
  try {
    const std::vector<uint8_t> bytes = read_file(path);
    return parse_checkpoint(bytes.data(), bytes.size(), path);
  } catch (const std::bad_alloc&) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    throw IoError(path + ": too large to load into memory (" +
                  (error ? std::string("size unknown") : std::to_string(size) + " bytes") +
                  ", held about twice while it is read)");
  }
}

const std::vector<float>& checkpoint_tensor(const Checkpoint& checkpoint, const std::string& name,
                                            size_t expected_size, const std::string& source) {
  const auto it = checkpoint.tensors.find(name);
  if (it == checkpoint.tensors.end()) {
    throw IoError(source + ": checkpoint has no tensor '" + name + "'");
  }
  if (it->second.size() != expected_size) {
    throw IoError(source + ": checkpoint tensor '" + name + "' has " +
                  std::to_string(it->second.size()) + " elements, the model needs " +
                  std::to_string(expected_size) + " (saved with other layer widths?)");
  }
  return it->second;
}

int64_t checkpoint_scalar(const Checkpoint& checkpoint, const std::string& name,
                          const std::string& source) {
  const auto it = checkpoint.scalars.find(name);
  if (it == checkpoint.scalars.end()) {
    throw IoError(source + ": checkpoint has no scalar '" + name + "'");
  }
  return it->second;
}

const std::string& checkpoint_text(const Checkpoint& checkpoint, const std::string& name,
                                   const std::string& source) {
  const auto it = checkpoint.texts.find(name);
  if (it == checkpoint.texts.end()) {
    throw IoError(source + ": checkpoint has no text '" + name + "'");
  }
  return it->second;
}

}  // namespace linact::host
