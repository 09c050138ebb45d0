#include "io/fashion_mnist.h"

#include "io/file_bytes.h"
#include "io/idx.h"
#include "io/pixels.h"

namespace linact::host {
namespace {

void check_split(const std::string& split) {
  if (split == "train" || split == "t10k") return;
  throw IoError("Fashion-MNIST split '" + split + "' is unknown; use \"train\" or \"t10k\"");
}

void check_shape(const IdxImages& images, const std::string& path) {
  if (images.rows == kFashionMnistSide && images.cols == kFashionMnistSide) return;
  throw IoError(path + ": images are " + std::to_string(images.rows) + "x" +
                std::to_string(images.cols) + ", Fashion-MNIST's are 28x28; wrong file?");
}

void check_counts_agree(const IdxImages& images, const IdxLabels& labels,
                        const std::string& images_path, const std::string& labels_path) {
  if (images.count == labels.count) return;
  throw IoError(images_path + " holds " + std::to_string(images.count) + " images but " +
                labels_path + " holds " + std::to_string(labels.count) +
                " labels; the two files must come from the same split");
}

void check_label_range(const IdxLabels& labels, const std::string& path) {
  for (int64_t i = 0; i < labels.count; ++i) {
    if (labels.labels[i] < kFashionMnistClasses) continue;
    throw IoError(path + ": label " + std::to_string(i) + " is " +
                  std::to_string(labels.labels[i]) + ", outside the 10 classes 0..9");
  }
}

std::vector<float> to_unit_range(const std::vector<uint8_t>& pixels) {
  std::vector<float> out(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i)
    out[i] = pixel_to_unit(pixels[i]);
  return out;
}

}  // namespace

FashionMnist load_fashion_mnist(const std::string& dir, const std::string& split) {
  check_split(split);
  const std::string images_path = dir + "/" + split + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + split + "-labels-idx1-ubyte.gz";

  const IdxImages images = load_idx_images(images_path);
  const IdxLabels labels = load_idx_labels(labels_path);
  check_shape(images, images_path);
  check_counts_agree(images, labels, images_path, labels_path);
  check_label_range(labels, labels_path);

  FashionMnist data;
  data.count = images.count;
  data.rows = images.rows;
  data.cols = images.cols;
  data.images = to_unit_range(images.pixels);
  data.labels = labels.labels;
  return data;
}

}  // namespace linact::host
