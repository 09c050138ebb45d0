#include "io/idx.h"

#include "io/file_bytes.h"

#include <cstdio>
#include <limits>

namespace linact::host {
namespace {

// Far above any MNIST-family file (Fashion-MNIST's training images are 47 MB); a gzip bomb or
// a nonsense file stops here instead of exhausting memory.
constexpr size_t kMaxIdxBytes = size_t{1} << 30;

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void append_be32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", v);
  return buf;
}

void check_header_present(size_t size, size_t header_bytes, const std::string& source,
                          const char* kind) {
  if (size < header_bytes) {
    throw IoError(source + ": holds " + std::to_string(size) + " bytes, fewer than the " +
                  std::to_string(header_bytes) + "-byte header of an IDX " + kind +
                  " file (truncated or empty?)");
  }
}

void check_magic(uint32_t magic, uint32_t expected, const std::string& source, const char* kind) {
  if (magic == expected) return;
  throw IoError(source + ": magic number is " + std::to_string(magic) + " (" + hex32(magic) +
                "), expected " + std::to_string(expected) + " (" + hex32(expected) +
                ") for an IDX " + kind + " file; wrong file, or not an IDX file");
}

// A file of no images or labels is a valid IDX file, but nothing here can train on or score it,
// and taken for a training set it would fail far from its cause.
void check_not_empty(uint32_t count, const std::string& source, const char* what) {
  if (count > 0) return;
  throw IoError(source + ": holds no " + what +
                " (its header gives a count of 0); give a file with at least one");
}

void check_payload_size(uint64_t expected, size_t actual, const std::string& source,
                        const std::string& what, size_t header_bytes) {
  if (expected == actual) return;
  const char* hint = actual < expected ? "truncated?" : "trailing bytes?";
  throw IoError(source + ": header says " + what + " = " + std::to_string(expected) +
                " bytes, but " + std::to_string(actual) + " bytes follow the " +
                std::to_string(header_bytes) + "-byte header (" + hint + ")");
}

}  // namespace

IdxImages parse_idx_images(const uint8_t* data, size_t size, const std::string& source) {
  check_header_present(size, kIdxImagesHeaderBytes, source, "images");
  check_magic(read_be32(data), kIdxImagesMagic, source, "images");

  const uint32_t count = read_be32(data + 4);
  check_not_empty(count, source, "images");
  const uint32_t rows = read_be32(data + 8);
  const uint32_t cols = read_be32(data + 12);
  // Beyond 65535 the product with the count could overflow 64 bits; no real image is that wide.
  constexpr uint32_t kMaxSide = 65535;
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide) {
    throw IoError(source + ": header gives an image size of " + std::to_string(rows) + "x" +
                  std::to_string(cols) + "; each side must be between 1 and " +
                  std::to_string(kMaxSide));
  }

  const uint64_t expected = uint64_t{count} * rows * cols;
  const size_t actual = size - kIdxImagesHeaderBytes;
  check_payload_size(
      expected, actual, source,
      std::to_string(count) + " images of " + std::to_string(rows) + "x" + std::to_string(cols),
      kIdxImagesHeaderBytes);

  IdxImages images;
  images.count = count;
  images.rows = static_cast<int>(rows);
  images.cols = static_cast<int>(cols);
  images.pixels.assign(data + kIdxImagesHeaderBytes, data + size);
  return images;
}

IdxLabels parse_idx_labels(const uint8_t* data, size_t size, const std::string& source) {
  check_header_present(size, kIdxLabelsHeaderBytes, source, "labels");
  check_magic(read_be32(data), kIdxLabelsMagic, source, "labels");

  const uint32_t count = read_be32(data + 4);
  check_not_empty(count, source, "labels");
  check_payload_size(count, size - kIdxLabelsHeaderBytes, source,
                     std::to_string(count) + " labels of 1 byte", kIdxLabelsHeaderBytes);

  IdxLabels labels;
  labels.count = count;
  labels.labels.assign(data + kIdxLabelsHeaderBytes, data + size);
  return labels;
}

IdxImages load_idx_images(const std::string& path) {
  const std::vector<uint8_t> bytes = read_decompressed(path, kMaxIdxBytes);
  return parse_idx_images(bytes.data(), bytes.size(), path);
}

IdxLabels load_idx_labels(const std::string& path) {
  const std::vector<uint8_t> bytes = read_decompressed(path, kMaxIdxBytes);
  return parse_idx_labels(bytes.data(), bytes.size(), path);
}

void write_idx_images(const std::string& path, const IdxImages& images) {
  const uint64_t pixels_per_image = uint64_t(images.rows) * uint64_t(images.cols);
  if (images.rows <= 0 || images.cols <= 0 || images.count < 1 ||
      images.count > std::numeric_limits<uint32_t>::max() ||
      images.pixels.size() != uint64_t(images.count) * pixels_per_image) {
    throw IoError(path + ": cannot write " + std::to_string(images.count) + " images of " +
                  std::to_string(images.rows) + "x" + std::to_string(images.cols) + " from " +
                  std::to_string(images.pixels.size()) +
                  " pixels; give at least one image, positive sides and count * rows * cols "
                  "pixels");
  }

  std::vector<uint8_t> bytes;
  bytes.reserve(kIdxImagesHeaderBytes + images.pixels.size());
  append_be32(bytes, kIdxImagesMagic);
  append_be32(bytes, static_cast<uint32_t>(images.count));
  append_be32(bytes, static_cast<uint32_t>(images.rows));
  append_be32(bytes, static_cast<uint32_t>(images.cols));
  bytes.insert(bytes.end(), images.pixels.begin(), images.pixels.end());
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace linact::host
