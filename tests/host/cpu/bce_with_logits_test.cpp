#include "cpu/bce_with_logits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace linact::host::cpu {
namespace {

TEST(CpuBceWithLogits, ConfidentlyRejectedFakeKeepsFullGradient) {
  // Eight logits of -50 against target 1: sigmoid(-50) is 2e-22, so the gradient is -1/8 in the
  // fused form; sigmoid-then-log would lose it.
  std::vector<float> z(8, -50.0f), dz(8);
  const BceResult r = bce_with_logits(8, z.data(), 1.0f, dz.data());
  for (int i = 0; i < 8; ++i)
    EXPECT_FLOAT_EQ(dz[i], -0.125f) << "index " << i;
  EXPECT_FLOAT_EQ(r.loss, 50.0f);
  EXPECT_LT(r.mean_prob, 1e-20f);
}

TEST(CpuBceWithLogits, MatchesDoubleFormulaForBothTargets) {
  const std::vector<float> z = {-30.0f, -3.5f, -0.25f, 0.0f, 0.7f, 4.0f, 90.0f};
  const int64_t n = static_cast<int64_t>(z.size());
  for (float t : {0.0f, 1.0f}) {
    std::vector<float> dz(z.size());
    const BceResult r = bce_with_logits(n, z.data(), t, dz.data());
    double loss = 0, prob = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double p = 1.0 / (1.0 + std::exp(-double(z[i])));
      loss += (t == 1.0f ? -std::log(p) : -std::log1p(-p));
      prob += p;
      // sigmoid(z) - t in float: near 1, sigmoid's absolute error (rounding 1 + exp(-|z|) to
      // 2^-24, then the division's 2^-25) survives the subtraction; 1e-6 relative for the rest.
      const double ref = (p - t) / n;
      const double tol = 0x1.0p-23 / n + 1e-6 * std::fabs(ref);
      EXPECT_NEAR(dz[i], ref, tol) << "index " << i << " target " << t << " tolerance " << tol;
    }
    EXPECT_NEAR(r.loss, loss / n, 1e-6 * loss / n) << "target " << t;
    EXPECT_NEAR(r.mean_prob, prob / n, 1e-6) << "target " << t;
  }
}

TEST(CpuBceWithLogits, EmptyInputGivesZeroLossAndWritesNothing) {
  float dz = 42.0f;
  const BceResult r = bce_with_logits(0, nullptr, 1.0f, &dz);
  EXPECT_EQ(r.loss, 0.0f);
  EXPECT_EQ(dz, 42.0f);
}

}  // namespace
}  // namespace linact::host::cpu
