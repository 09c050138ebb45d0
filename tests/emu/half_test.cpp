// fp16 and bf16 conversions: round to nearest even at ties, overflow to infinity, subnormals,
// NaN, against values worked out from the formats' definitions.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <gtest/gtest.h>

namespace {

uint16_t half_bits(float f) {
  return __half_as_ushort(__float2half(f));
}
uint16_t bf16_bits(float f) {
  return __bfloat16_as_ushort(__float2bfloat16(f));
}

TEST(Half, RoundsToNearestEvenAtTies) {
  EXPECT_EQ(half_bits(1.0f), 0x3c00);
  EXPECT_EQ(half_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie, even stays
  EXPECT_EQ(half_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie, odd rounds up
  EXPECT_EQ(half_bits(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
  EXPECT_EQ(half_bits(-2.5f), 0xc100);
}

TEST(Half, OverflowsToInfinityFrom65520) {
  EXPECT_EQ(half_bits(65504.0f), 0x7bff);
  EXPECT_EQ(half_bits(65519.0f), 0x7bff);
  EXPECT_EQ(half_bits(65520.0f), 0x7c00);
  EXPECT_EQ(half_bits(-1e9f), 0xfc00);
  EXPECT_EQ(half_bits(std::numeric_limits<float>::infinity()), 0x7c00);
}

TEST(Half, SubnormalsRoundToMultiplesOfTwoToTheMinus24) {
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -25)), 0x0000);     // tie with zero, even
  EXPECT_EQ(half_bits(std::ldexp(3.0f, -25)), 0x0002);     // tie between 1 and 2, even
  EXPECT_EQ(half_bits(std::ldexp(1023.0f, -24)), 0x03ff);  // largest subnormal
  EXPECT_EQ(half_bits(std::ldexp(2047.0f, -25)), 0x0400);  // rounds up to the smallest normal
  EXPECT_EQ(half_bits(-std::ldexp(1.0f, -24)), 0x8001);
}

TEST(Half, NanBecomesTheCanonicalNan) {
  EXPECT_EQ(half_bits(std::nanf("")), 0x7fff);
  EXPECT_TRUE(std::isnan(__half2float(__ushort_as_half(0xffff))));
}

TEST(Half, EveryFiniteHalfSurvivesARoundTripThroughFloat) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    if ((h & 0x7c00) == 0x7c00) continue;  // infinities and NaN
    ASSERT_EQ(half_bits(__half2float(__ushort_as_half(h))), h) << "bits 0x" << std::hex << bits;
  }
}

TEST(Bf16, RoundsToNearestEvenAndKeepsTheFloatExponentRange) {
  EXPECT_EQ(bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(bf16_bits(1.0f + std::ldexp(1.0f, -8)), 0x3f80);      // tie, even stays
  EXPECT_EQ(bf16_bits(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(bf16_bits(1e38f), 0x7e96);          // 1e38f is 0x7e967699: the low half rounds down
  EXPECT_EQ(bf16_bits(3.4028235e38f), 0x7f80);  // FLT_MAX rounds to infinity
  EXPECT_EQ(bf16_bits(std::nanf("")), 0x7fff);
  EXPECT_EQ(__bfloat162float(__ushort_as_bfloat16(0x4049)), 3.140625f);
}

TEST(PairsAndArithmetic, WorkThroughFloat) {
  const __half2 h = __floats2half2_rn(1.5f, -2.0f);
  EXPECT_EQ(__low2float(h), 1.5f);
  EXPECT_EQ(__high2float(h), -2.0f);
  const __nv_bfloat162 b = __floats2bfloat162_rn(0.5f, 4.0f);
  const float2 f = __bfloat1622float2(b);
  EXPECT_EQ(f.x, 0.5f);
  EXPECT_EQ(f.y, 4.0f);
  EXPECT_EQ(__half2float(__hadd(__float2half(1.0f), __float2half(2.0f))), 3.0f);
  EXPECT_EQ(__bfloat162float(__hmul(__float2bfloat16(3.0f), __float2bfloat16(-2.0f))), -6.0f);
}

}  // namespace
