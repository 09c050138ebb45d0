// The one mapping between 8-bit pixels and the [-1, 1] floats the GAN works in.
#ifndef LINACT_HOST_IO_PIXELS_H_
#define LINACT_HOST_IO_PIXELS_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace linact::host {

// 0 -> -1, 255 -> +1, the range of the generator's Tanh output.
inline float pixel_to_unit(uint8_t p) {
  return static_cast<float>(p) / 127.5f - 1.0f;
}

// Inverse of pixel_to_unit, rounded to the nearest level; out-of-range values clamp and NaN
// becomes 0, so a diverged generator still yields a viewable image.
inline uint8_t unit_to_pixel(float v) {
  if (!(v > -1.0f)) return 0;
  if (v >= 1.0f) return 255;
  return static_cast<uint8_t>(std::lround((v + 1.0f) * 127.5f));
}

// unit_to_pixel over n values, e.g. generated images on their way into an IDX file.
inline std::vector<uint8_t> unit_to_pixels(const float* values, size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i)
    out[i] = unit_to_pixel(values[i]);
  return out;
}

}  // namespace linact::host

#endif  // LINACT_HOST_IO_PIXELS_H_
