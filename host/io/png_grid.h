// Sample grids: many small grayscale images tiled into one PNG.
#ifndef LINACT_HOST_IO_PNG_GRID_H_
#define LINACT_HOST_IO_PNG_GRID_H_

#include <string>

namespace linact::host {

// Pixels between and around the tiles, and their gray level: mid-gray, so tile edges stay visible
// against Fashion-MNIST's black backgrounds.
constexpr int kPngGridBorder = 2;
constexpr unsigned char kPngGridBorderLevel = 128;

// Writes `count` images of rows x cols floats in [-1, 1] (image after image, row-major) as an
// 8-bit grayscale PNG, grid_cols tiles per grid row, atomically. Values map to 0..255 as
// unit_to_pixel does. Throws IoError for a non-positive size or a failed write.
void write_png_grid(const std::string& path, const float* images, int count, int rows, int cols,
                    int grid_cols);

}  // namespace linact::host

#endif  // LINACT_HOST_IO_PNG_GRID_H_
