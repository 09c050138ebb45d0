// Scratch files for the host/io tests.
#ifndef LINACT_TESTS_HOST_IO_TEST_FILES_H_
#define LINACT_TESTS_HOST_IO_TEST_FILES_H_

#include <zlib.h>

#include "io/file_bytes.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace linact::host::testing {

// A fresh folder under $TMPDIR, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "linact-io-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A gzip stream of `bytes`, as gzip(1) would write it.
inline std::vector<uint8_t> gzip(const std::vector<uint8_t>& bytes) {
  z_stream s{};
  constexpr int kGzipWindow = 15 + 16;  // 16 selects the gzip wrapper
  if (deflateInit2(&s, 9, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::vector<uint8_t> out(deflateBound(&s, bytes.size()));
  s.next_in = const_cast<Bytef*>(bytes.data());
  s.avail_in = static_cast<uInt>(bytes.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

inline void append_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(v >> shift));
}

// An IDX images file of `count` images of rows x cols whose pixel i is (i * 7) mod 256.
inline std::vector<uint8_t> idx_images_bytes(uint32_t count, uint32_t rows, uint32_t cols) {
  std::vector<uint8_t> b;
  append_be32(b, 0x00000803);
  append_be32(b, count);
  append_be32(b, rows);
  append_be32(b, cols);
  for (uint64_t i = 0; i < uint64_t{count} * rows * cols; ++i)
    b.push_back(uint8_t(i * 7));
  return b;
}

// An IDX labels file whose label i is i mod 10.
inline std::vector<uint8_t> idx_labels_bytes(uint32_t count) {
  std::vector<uint8_t> b;
  append_be32(b, 0x00000801);
  append_be32(b, count);
  for (uint32_t i = 0; i < count; ++i)
    b.push_back(uint8_t(i % 10));
  return b;
}

// The message of the IoError that f throws, or "<no error>" when it returns normally.
template <typename F>
std::string io_error_of(F f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "<no error>";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace linact::host::testing

#endif  // LINACT_TESTS_HOST_IO_TEST_FILES_H_
