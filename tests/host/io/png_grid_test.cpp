#include "io/png_grid.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>

#include "io/pixels.h"
#include "test_files.h"

namespace linact::host {
namespace {

using testing::contains;
using testing::io_error_of;
using testing::TempDir;

struct Gray {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
  int at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

// Decodes with libpng's own reader, independent of the writer's code path.
Gray read_png(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << path << ": " << image.message;
    return {};
  }
  EXPECT_EQ(image.format & PNG_FORMAT_FLAG_COLOR, 0u) << "expected a grayscale PNG";
  image.format = PNG_FORMAT_GRAY;
  Gray g{static_cast<int>(image.width), static_cast<int>(image.height), {}};
  g.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, g.pixels.data(), 0, nullptr)) {
    ADD_FAILURE() << path << ": " << image.message;
  }
  return g;
}

// Image i, pixel j holds a distinct value in [-1, 1].
std::vector<float> ramp_images(int count, int rows, int cols) {
  std::vector<float> v(static_cast<size_t>(count) * rows * cols);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = -1.0f + 2.0f * float((i * 37) % 256) / 255.0f;
  return v;
}

TEST(WritePngGrid, TilesImagesBetweenTwoPixelBorders) {
  TempDir dir;
  const int count = 5, rows = 3, cols = 4, grid_cols = 2;
  const auto images = ramp_images(count, rows, cols);
  write_png_grid(dir.file("g.png"), images.data(), count, rows, cols, grid_cols);

  const Gray g = read_png(dir.file("g.png"));
  ASSERT_EQ(g.width, 2 * (cols + 2) + 2);
  ASSERT_EQ(g.height, 3 * (rows + 2) + 2);
  for (int i = 0; i < count; ++i) {
    const int x0 = 2 + (i % grid_cols) * (cols + 2);
    const int y0 = 2 + (i / grid_cols) * (rows + 2);
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < cols; ++x) {
        const float v = images[static_cast<size_t>(i) * rows * cols + y * cols + x];
        ASSERT_EQ(g.at(x0 + x, y0 + y), unit_to_pixel(v))
            << "image " << i << " pixel (" << x << ", " << y << ") value " << v;
      }
    }
  }
  // Outer frame, the gap between tiles, and the empty sixth cell are all border.
  for (int x = 0; x < g.width; ++x) {
    ASSERT_EQ(g.at(x, 0), kPngGridBorderLevel) << "top row x " << x;
    ASSERT_EQ(g.at(x, 1), kPngGridBorderLevel) << "top row x " << x;
  }
  for (int y = 0; y < g.height; ++y) {
    ASSERT_EQ(g.at(2 + cols, y), kPngGridBorderLevel) << "middle gap y " << y;
    ASSERT_EQ(g.at(3 + cols, y), kPngGridBorderLevel) << "middle gap y " << y;
  }
  EXPECT_EQ(g.at(g.width - 3, g.height - 3), kPngGridBorderLevel) << "empty last cell";
}

TEST(WritePngGrid, MapsMinusOneToBlackAndOneToWhite) {
  TempDir dir;
  const float images[2] = {-1.0f, 1.0f};
  write_png_grid(dir.file("bw.png"), images, 1, 1, 2, 8);
  const Gray g = read_png(dir.file("bw.png"));
  ASSERT_EQ(g.width, 2 + 2 + 2);
  ASSERT_EQ(g.height, 1 + 2 + 2);
  EXPECT_EQ(g.at(2, 2), 0);
  EXPECT_EQ(g.at(3, 2), 255);
}

TEST(WritePngGrid, RefusesNonPositiveSizesNamingTheArgument) {
  TempDir dir;
  const float images[4] = {};
  const std::string path = dir.file("bad.png");
  std::string msg = io_error_of([&] { write_png_grid(path, images, 0, 2, 2, 8); });
  EXPECT_TRUE(contains(msg, path + ": cannot write a PNG grid: count is 0")) << msg;
  msg = io_error_of([&] { write_png_grid(path, images, 1, 2, -2, 8); });
  EXPECT_TRUE(contains(msg, "image size is 2x-2")) << msg;
  msg = io_error_of([&] { write_png_grid(path, images, 1, 2, 2, 0); });
  EXPECT_TRUE(contains(msg, "grid_cols is 0")) << msg;
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace linact::host
