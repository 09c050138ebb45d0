// IDX files of unsigned bytes (the MNIST family's format): 28x28 images and their labels.
//
// Layout, all integers big-endian 32-bit:
//   images  magic 2051 (0x00000803), count, rows, cols, then count * rows * cols pixel bytes
//   labels  magic 2049 (0x00000801), count, then count label bytes
// The readers accept the files gzip-compressed or plain and refuse anything that does not match
// its header exactly (no partial load, no ignored trailing bytes) and files of a count of 0.
#ifndef LINACT_HOST_IO_IDX_H_
#define LINACT_HOST_IO_IDX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace linact::host {

constexpr uint32_t kIdxImagesMagic = 0x00000803;  // 2051
constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // 2049
constexpr size_t kIdxImagesHeaderBytes = 16;
constexpr size_t kIdxLabelsHeaderBytes = 8;

struct IdxImages {
  int64_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image after image, row-major
};

struct IdxLabels {
  int64_t count = 0;
  std::vector<uint8_t> labels;
};

// Parse an uncompressed IDX file held in memory; `source` names it in error messages.
IdxImages parse_idx_images(const uint8_t* data, size_t size, const std::string& source);
IdxLabels parse_idx_labels(const uint8_t* data, size_t size, const std::string& source);

// Read an IDX file, gzip-compressed or plain. Throws IoError naming the file and the fault.
IdxImages load_idx_images(const std::string& path);
IdxLabels load_idx_labels(const std::string& path);

// Write images as an uncompressed IDX file, atomically.
void write_idx_images(const std::string& path, const IdxImages& images);

}  // namespace linact::host

#endif  // LINACT_HOST_IO_IDX_H_
