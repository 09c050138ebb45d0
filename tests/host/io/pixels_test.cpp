#include "io/pixels.h"

#include <gtest/gtest.h>

#include <limits>

namespace linact::host {
namespace {

TEST(Pixels, EveryLevelSurvivesTheRoundTrip) {
  for (int p = 0; p < 256; ++p) {
    const float v = pixel_to_unit(static_cast<uint8_t>(p));
    ASSERT_EQ(unit_to_pixel(v), p) << "level " << p << " maps to " << v;
  }
}

TEST(Pixels, EndsMapToMinusOneAndPlusOneExactly) {
  EXPECT_EQ(pixel_to_unit(0), -1.0f);
  EXPECT_EQ(pixel_to_unit(255), 1.0f);
}

TEST(Pixels, OutOfRangeValuesClampAndNanIsBlack) {
  EXPECT_EQ(unit_to_pixel(-3.0f), 0);
  EXPECT_EQ(unit_to_pixel(7.0f), 255);
  EXPECT_EQ(unit_to_pixel(std::numeric_limits<float>::infinity()), 255);
  EXPECT_EQ(unit_to_pixel(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(unit_to_pixel(0.0f), 128);  // 127.5 rounds half away from zero
}

TEST(Pixels, UnitToPixelsConvertsEveryValue) {
  const float values[4] = {-1.0f, 1.0f, -0.6f, 2.0f};
  const std::vector<uint8_t> expected = {0, 255, 51, 255};
  EXPECT_EQ(unit_to_pixels(values, 4), expected);
}

}  // namespace
}  // namespace linact::host
