// Feeds arbitrary bytes to both IDX parsers. Besides the sanitizers' findings, a parse that
// succeeds must return exactly the data its header describes.
#include <cstdint>
#include <cstdlib>

#include "io/file_bytes.h"
#include "io/idx.h"

namespace {

using linact::host::IoError;

void check_images(const uint8_t* data, size_t size) {
  try {
    const auto images = linact::host::parse_idx_images(data, size, "fuzz");
    const uint64_t expected = uint64_t(images.count) * images.rows * images.cols;
    if (images.pixels.size() != expected || expected + 16 != size) std::abort();
  } catch (const IoError&) {
  }
}

void check_labels(const uint8_t* data, size_t size) {
  try {
    const auto labels = linact::host::parse_idx_labels(data, size, "fuzz");
    if (labels.labels.size() != uint64_t(labels.count) || labels.labels.size() + 8 != size) {
      std::abort();
    }
  } catch (const IoError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_images(data, size);
  check_labels(data, size);
  return 0;
}
