#include "io/fashion_mnist.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "io/idx.h"
#include "test_files.h"

namespace linact::host {
namespace {

using testing::contains;
using testing::io_error_of;
using testing::TempDir;

bool real_data_present() {
  return std::filesystem::exists(std::string(kDefaultFashionMnistDir) +
                                 "/t10k-labels-idx1-ubyte.gz");
}

// A split in `dir` with the given files' contents, gzip-compressed as Debian ships them.
void write_split(const TempDir& dir, const std::string& split, const std::vector<uint8_t>& images,
                 const std::vector<uint8_t>& labels) {
  testing::write_bytes(dir.file(split + "-images-idx3-ubyte.gz"), testing::gzip(images));
  testing::write_bytes(dir.file(split + "-labels-idx1-ubyte.gz"), testing::gzip(labels));
}

TEST(LoadFashionMnist, RealTestSplitHas10000ImagesInUnitRangeAndTenClasses) {
  if (!real_data_present()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const FashionMnist data = load_fashion_mnist(kDefaultFashionMnistDir, "t10k");
  EXPECT_EQ(data.count, 10000);
  EXPECT_EQ(data.rows, 28);
  EXPECT_EQ(data.cols, 28);
  ASSERT_EQ(data.images.size(), 10000u * 784);
  ASSERT_EQ(data.labels.size(), 10000u);
  const auto [lo, hi] = std::minmax_element(data.images.begin(), data.images.end());
  EXPECT_EQ(*lo, -1.0f);
  EXPECT_EQ(*hi, 1.0f);
  for (int c = 0; c < kFashionMnistClasses; ++c) {
    EXPECT_EQ(std::count(data.labels.begin(), data.labels.end(), c), 1000) << "class " << c;
  }
}

TEST(LoadFashionMnist, RealTrainSplitHas60000Images) {
  if (!real_data_present()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const FashionMnist data = load_fashion_mnist(kDefaultFashionMnistDir, "train");
  EXPECT_EQ(data.count, 60000);
  EXPECT_EQ(data.images.size(), 60000u * 784);
}

TEST(LoadFashionMnist, MapsPixelsToUnitRange) {
  TempDir dir;
  auto images = testing::idx_images_bytes(1, 28, 28);
  images[16] = 0;
  images[17] = 255;
  images[18] = 51;
  write_split(dir, "train", images, testing::idx_labels_bytes(1));

  const FashionMnist data = load_fashion_mnist(dir.path().string(), "train");
  EXPECT_EQ(data.images[0], -1.0f);
  EXPECT_EQ(data.images[1], 1.0f);
  EXPECT_FLOAT_EQ(data.images[2], -0.6f);
}

TEST(LoadFashionMnist, RefusesImageAndLabelCountsThatDisagree) {
  TempDir dir;
  write_split(dir, "t10k", testing::idx_images_bytes(3, 28, 28), testing::idx_labels_bytes(4));
  const std::string msg = io_error_of([&] { load_fashion_mnist(dir.path().string(), "t10k"); });
  EXPECT_TRUE(contains(msg, "t10k-images-idx3-ubyte.gz holds 3 images but")) << msg;
  EXPECT_TRUE(contains(msg, "t10k-labels-idx1-ubyte.gz holds 4 labels")) << msg;
}

TEST(LoadFashionMnist, RefusesImagesThatAreNot28x28) {
  TempDir dir;
  write_split(dir, "train", testing::idx_images_bytes(2, 32, 32), testing::idx_labels_bytes(2));
  const std::string msg = io_error_of([&] { load_fashion_mnist(dir.path().string(), "train"); });
  EXPECT_TRUE(contains(msg, "images are 32x32")) << msg;
}

TEST(LoadFashionMnist, RefusesALabelOutsideTheTenClasses) {
  TempDir dir;
  auto labels = testing::idx_labels_bytes(3);
  labels[8 + 2] = 10;
  write_split(dir, "train", testing::idx_images_bytes(3, 28, 28), labels);
  const std::string msg = io_error_of([&] { load_fashion_mnist(dir.path().string(), "train"); });
  EXPECT_TRUE(contains(msg, "label 2 is 10")) << msg;
}

TEST(LoadFashionMnist, RefusesAnUnknownSplitNamingTheChoices) {
  const std::string msg = io_error_of([&] { load_fashion_mnist(kDefaultFashionMnistDir, "test"); });
  EXPECT_TRUE(contains(msg, "split 'test' is unknown; use \"train\" or \"t10k\"")) << msg;
}

TEST(LoadFashionMnist, MissingFolderErrorNamesTheFile) {
  TempDir dir;
  const std::string missing = dir.file("nowhere");
  const std::string msg = io_error_of([&] { load_fashion_mnist(missing, "train"); });
  EXPECT_TRUE(contains(msg, missing + "/train-images-idx3-ubyte.gz: cannot open")) << msg;
}

}  // namespace
}  // namespace linact::host
