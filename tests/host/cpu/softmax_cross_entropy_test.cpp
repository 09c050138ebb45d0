#include "cpu/softmax_cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace linact::host::cpu {
namespace {

TEST(CpuSoftmaxCrossEntropy, MatchesDoubleFormulaAndCountsCorrectRows) {
  const std::vector<float> z = {1.0f, 2.0f, 0.5f, -3.0f, 0.0f, 3.0f};
  const std::vector<uint8_t> labels = {1, 0};
  std::vector<float> dz(6);
  const SoftmaxResult r = softmax_cross_entropy(2, 3, z.data(), labels.data(), dz.data());
  double loss = 0;
  for (int row = 0; row < 2; ++row) {
    double sum = 0;
    for (int c = 0; c < 3; ++c)
      sum += std::exp(double(z[row * 3 + c]));
    loss += -std::log(std::exp(double(z[row * 3 + labels[row]])) / sum);
    for (int c = 0; c < 3; ++c) {
      const double ref = (std::exp(double(z[row * 3 + c])) / sum - (c == labels[row])) / 2.0;
      // One float rounding of a value below 0.5.
      EXPECT_NEAR(dz[row * 3 + c], ref, 1e-7) << "index " << row * 3 + c;
    }
  }
  EXPECT_NEAR(r.loss, loss / 2, 1e-6);
  EXPECT_EQ(r.correct, 1);
}

TEST(CpuSoftmaxCrossEntropy, HugeLogitsDoNotOverflow) {
  const std::vector<float> z = {1e30f, -1e30f, 3e38f};
  const uint8_t label = 2;
  std::vector<float> dz(3);
  const SoftmaxResult r = softmax_cross_entropy(1, 3, z.data(), &label, dz.data());
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_EQ(r.correct, 1);
  EXPECT_EQ(dz[2], 0.0f);
}

}  // namespace
}  // namespace linact::host::cpu
