// Fashion-MNIST as the GAN trains on it: 28x28 images as floats in [-1, 1], labels 0..9.
#ifndef LINACT_HOST_IO_FASHION_MNIST_H_
#define LINACT_HOST_IO_FASHION_MNIST_H_

#include <cstdint>
#include <string>
#include <vector>

namespace linact::host {

// Where Debian's dataset-fashion-mnist package installs the four gzip IDX files.
constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";
constexpr int kFashionMnistSide = 28;
constexpr int kFashionMnistClasses = 10;

struct FashionMnist {
  int64_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<float> images;    // count * rows * cols, pixel p mapped to p / 127.5 - 1
  std::vector<uint8_t> labels;  // count, each in [0, 10)
};

// Loads <dir>/<split>-images-idx3-ubyte.gz and <dir>/<split>-labels-idx1-ubyte.gz, where split
// is "train" (60000 images) or "t10k" (10000). Throws IoError when a file is missing or damaged,
// when the two files disagree on the count, or when images are not 28x28 or labels not 0..9.
FashionMnist load_fashion_mnist(const std::string& dir, const std::string& split);

}  // namespace linact::host

#endif  // LINACT_HOST_IO_FASHION_MNIST_H_
