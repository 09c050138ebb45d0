#include "io/idx.h"

#include <gtest/gtest.h>

#include <cstring>

#include "io/fashion_mnist.h"
#include "test_files.h"

namespace linact::host {
namespace {

using testing::contains;
using testing::io_error_of;
using testing::TempDir;

const std::string kRealTrainImages =
    std::string(kDefaultFashionMnistDir) + "/train-images-idx3-ubyte.gz";

IdxImages parse_images(const std::vector<uint8_t>& b) {
  return parse_idx_images(b.data(), b.size(), "mem.idx");
}

// `count` images of 28x28 whose pixels the caller provides.
IdxImages shape_28x28(int64_t count) {
  IdxImages images;
  images.count = count;
  images.rows = 28;
  images.cols = 28;
  return images;
}

TEST(ParseIdxImages, ReadsTheHeaderBigEndian) {
  const auto b = testing::idx_images_bytes(3, 4, 5);
  const IdxImages images = parse_images(b);
  EXPECT_EQ(images.count, 3);
  EXPECT_EQ(images.rows, 4);
  EXPECT_EQ(images.cols, 5);
  ASSERT_EQ(images.pixels.size(), 60u);
  for (size_t i = 0; i < 60; ++i) {
    ASSERT_EQ(images.pixels[i], uint8_t(i * 7)) << "pixel " << i;
  }
}

// The real file's first word read in the host's little-endian order is 50855936; the reader must
// see 2051 and the true sizes.
TEST(LoadIdxImages, RealFashionMnistHeaderIs2051With60000ImagesOf28x28) {
  if (!std::filesystem::exists(kRealTrainImages)) {
    GTEST_SKIP() << kRealTrainImages << " absent; install dataset-fashion-mnist";
  }
  const std::vector<uint8_t> raw = read_decompressed(kRealTrainImages, size_t{1} << 30);
  uint32_t little_endian_magic;
  std::memcpy(&little_endian_magic, raw.data(), 4);
  ASSERT_EQ(little_endian_magic, 50855936u) << "test premise: a little-endian host";

  const IdxImages images = load_idx_images(kRealTrainImages);
  EXPECT_EQ(images.count, 60000);
  EXPECT_EQ(images.rows, 28);
  EXPECT_EQ(images.cols, 28);
  EXPECT_EQ(images.pixels.size(), 60000u * 28 * 28);
}

TEST(ParseIdxImages, RefusesAByteSwappedMagicShowingBothValues) {
  auto b = testing::idx_images_bytes(1, 2, 2);
  std::swap(b[0], b[3]);
  std::swap(b[1], b[2]);
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg, "mem.idx: magic number is 50855936 (0x03080000), expected 2051"))
      << msg;
}

TEST(ParseIdxImages, RefusesALabelsFile) {
  const auto b = testing::idx_labels_bytes(16);
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg, "magic number is 2049")) << msg;
}

TEST(ParseIdxImages, RefusesMissingPixelsNamingBothSizes) {
  auto b = testing::idx_images_bytes(0, 28, 28);
  b[4] = 0x00;  // count 60000 = 0x0000EA60
  b[5] = 0x00;
  b[6] = 0xEA;
  b[7] = 0x60;
  b.resize(16 + 1000);
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg,
                       "mem.idx: header says 60000 images of 28x28 = 47040000 bytes, but "
                       "1000 bytes follow the 16-byte header (truncated?)"))
      << msg;
}

TEST(ParseIdxImages, RefusesTrailingBytes) {
  auto b = testing::idx_images_bytes(2, 3, 3);
  b.push_back(0);
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg, "19 bytes follow")) << msg;
  EXPECT_TRUE(contains(msg, "trailing bytes?")) << msg;
}

TEST(ParseIdxImages, RefusesEveryShortHeader) {
  const auto b = testing::idx_images_bytes(0, 28, 28);
  for (size_t len = 0; len < kIdxImagesHeaderBytes; ++len) {
    const std::vector<uint8_t> cut(b.begin(), b.begin() + len);
    const std::string msg = io_error_of([&] { parse_images(cut); });
    EXPECT_TRUE(contains(msg, "fewer than the 16-byte header")) << "length " << len << ": " << msg;
  }
}

TEST(ParseIdxImages, RefusesAZeroSide) {
  const auto b = testing::idx_images_bytes(5, 0, 28);
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg, "image size of 0x28")) << msg;
}

TEST(ParseIdxImages, RefusesAHugeCountWithoutAllocating) {
  auto b = testing::idx_images_bytes(0, 65535, 65535);
  b[4] = b[5] = b[6] = b[7] = 0xFF;
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg, "4294967295 images of 65535x65535")) << msg;
}

TEST(ParseIdxImages, RefusesAFileOfNoImagesNamingIt) {
  const auto b = testing::idx_images_bytes(0, 28, 28);
  const std::string msg = io_error_of([&] { parse_images(b); });
  EXPECT_TRUE(contains(msg, "mem.idx: holds no images")) << msg;
}

TEST(ParseIdxLabels, ReadsCountAndLabels) {
  const auto b = testing::idx_labels_bytes(25);
  const IdxLabels labels = parse_idx_labels(b.data(), b.size(), "mem");
  EXPECT_EQ(labels.count, 25);
  ASSERT_EQ(labels.labels.size(), 25u);
  EXPECT_EQ(labels.labels[13], 3);
}

TEST(ParseIdxLabels, RefusesAMissingLabel) {
  auto b = testing::idx_labels_bytes(25);
  b.pop_back();
  const std::string msg = io_error_of([&] { parse_idx_labels(b.data(), b.size(), "lab"); });
  EXPECT_TRUE(contains(msg, "lab: header says 25 labels of 1 byte = 25 bytes, but 24")) << msg;
}

TEST(ParseIdxLabels, RefusesAFileOfNoLabelsNamingIt) {
  const auto b = testing::idx_labels_bytes(0);
  const std::string msg = io_error_of([&] { parse_idx_labels(b.data(), b.size(), "lab"); });
  EXPECT_TRUE(contains(msg, "lab: holds no labels")) << msg;
}

TEST(LoadIdxImages, RefusesEveryTruncationOfAGzipFile) {
  TempDir dir;
  const auto gz = testing::gzip(testing::idx_images_bytes(4, 28, 28));
  const std::string path = dir.file("cut-images-idx3-ubyte.gz");
  for (size_t len = 0; len < gz.size(); ++len) {
    testing::write_bytes(path, std::vector<uint8_t>(gz.begin(), gz.begin() + len));
    const std::string msg = io_error_of([&] { load_idx_images(path); });
    ASSERT_TRUE(contains(msg, path)) << "cut at " << len << " of " << gz.size() << ": " << msg;
  }
}

TEST(LoadIdxImages, ReadsPlainAndGzipFilesAlike) {
  TempDir dir;
  const auto b = testing::idx_images_bytes(3, 28, 28);
  testing::write_bytes(dir.file("plain"), b);
  testing::write_bytes(dir.file("packed.gz"), testing::gzip(b));
  EXPECT_EQ(load_idx_images(dir.file("plain")).pixels,
            load_idx_images(dir.file("packed.gz")).pixels);
}

TEST(LoadIdxLabels, MissingFileErrorNamesThePath) {
  TempDir dir;
  const std::string msg = io_error_of([&] { load_idx_labels(dir.file("none.gz")); });
  EXPECT_TRUE(contains(msg, dir.file("none.gz") + ": cannot open")) << msg;
}

TEST(WriteIdxImages, WritesAFileTheReaderReadsBack) {
  TempDir dir;
  IdxImages images = shape_28x28(2);
  for (int i = 0; i < 2 * 28 * 28; ++i)
    images.pixels.push_back(uint8_t(255 - i % 256));
  write_idx_images(dir.file("out.idx"), images);

  const IdxImages back = load_idx_images(dir.file("out.idx"));
  EXPECT_EQ(back.count, 2);
  EXPECT_EQ(back.rows, 28);
  EXPECT_EQ(back.cols, 28);
  EXPECT_EQ(back.pixels, images.pixels);
  EXPECT_EQ(testing::read_bytes(dir.file("out.idx")).size(), 16u + 2 * 28 * 28);
}

TEST(WriteIdxImages, RefusesAPixelCountThatDisagreesWithTheShape) {
  TempDir dir;
  IdxImages images = shape_28x28(2);
  images.pixels.resize(100);
  const std::string msg = io_error_of([&] { write_idx_images(dir.file("o.idx"), images); });
  EXPECT_TRUE(contains(msg, "2 images of 28x28 from 100 pixels")) << msg;
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.idx")));
}

// The reader refuses a file of no images, so the writer does not make one.
TEST(WriteIdxImages, RefusesNoImages) {
  TempDir dir;
  const IdxImages images = shape_28x28(0);
  const std::string msg = io_error_of([&] { write_idx_images(dir.file("o.idx"), images); });
  EXPECT_TRUE(contains(msg, "cannot write 0 images")) << msg;
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.idx")));
}

}  // namespace
}  // namespace linact::host
