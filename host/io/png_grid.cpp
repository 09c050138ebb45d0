#include "io/png_grid.h"

#include "io/file_bytes.h"
#include "io/pixels.h"

#include <png.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace linact::host {
namespace {

// Largest side libpng's simplified API writes without complaint; also keeps the canvas small.
constexpr int64_t kMaxSide = 1 << 15;

struct Canvas {
  int width;
  int height;
  std::vector<uint8_t> gray;
};

void check_arguments(const std::string& path, const float* images, int count, int rows, int cols,
                     int grid_cols) {
  const auto fail = [&](const std::string& what) {
    throw IoError(path + ": cannot write a PNG grid: " + what);
  };
  if (images == nullptr) fail("images is null");
  if (count <= 0) fail("count is " + std::to_string(count) + "; pass at least one image");
  if (rows <= 0 || cols <= 0) {
    fail("image size is " + std::to_string(rows) + "x" + std::to_string(cols) +
         "; both sides must be positive");
  }
  if (grid_cols <= 0) fail("grid_cols is " + std::to_string(grid_cols) + "; must be positive");
}

Canvas blank_canvas(const std::string& path, int count, int rows, int cols, int grid_cols) {
  const int64_t tiles_across = grid_cols < count ? grid_cols : count;
  const int64_t tiles_down = (count + grid_cols - 1) / grid_cols;
  const int64_t width = tiles_across * (cols + kPngGridBorder) + kPngGridBorder;
  const int64_t height = tiles_down * (rows + kPngGridBorder) + kPngGridBorder;
  if (width > kMaxSide || height > kMaxSide) {
    throw IoError(path + ": a grid of " + std::to_string(count) + " images would be " +
                  std::to_string(width) + "x" + std::to_string(height) + " pixels; at most " +
                  std::to_string(kMaxSide) + " per side");
  }
  Canvas canvas{static_cast<int>(width), static_cast<int>(height), {}};
  canvas.gray.assign(static_cast<size_t>(width * height), kPngGridBorderLevel);
  return canvas;
}

void draw_tile(Canvas& canvas, const float* image, int index, int rows, int cols, int grid_cols) {
  const int x0 = kPngGridBorder + (index % grid_cols) * (cols + kPngGridBorder);
  const int y0 = kPngGridBorder + (index / grid_cols) * (rows + kPngGridBorder);
  for (int y = 0; y < rows; ++y) {
    uint8_t* out = canvas.gray.data() + static_cast<size_t>(y0 + y) * canvas.width + x0;
    for (int x = 0; x < cols; ++x)
      out[x] = unit_to_pixel(image[y * cols + x]);
  }
}

std::vector<uint8_t> encode_png(const std::string& path, const Canvas& canvas) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(canvas.width);
  image.height = static_cast<png_uint_32>(canvas.height);
  image.format = PNG_FORMAT_GRAY;

  // The first call sizes the buffer, the second fills it.
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, canvas.gray.data(), 0, nullptr)) {
    throw IoError(path + ": libpng cannot encode the grid: " + image.message);
  }
  std::vector<uint8_t> bytes(size);
  if (!png_image_write_to_memory(&image, bytes.data(), &size, 0, canvas.gray.data(), 0, nullptr)) {
    throw IoError(path + ": libpng cannot encode the grid: " + image.message);
  }
  bytes.resize(size);
  return bytes;
}

}  // namespace

void write_png_grid(const std::string& path, const float* images, int count, int rows, int cols,
                    int grid_cols) {
  check_arguments(path, images, count, rows, cols, grid_cols);
  Canvas canvas = blank_canvas(path, count, rows, cols, grid_cols);
  for (int i = 0; i < count; ++i) {
    draw_tile(canvas, images + static_cast<size_t>(i) * rows * cols, i, rows, cols, grid_cols);
  }
  const std::vector<uint8_t> bytes = encode_png(path, canvas);
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace linact::host
