#include "cpu/adam.h"

#include <gtest/gtest.h>

#include <cmath>

namespace linact::host::cpu {
namespace {

TEST(CpuAdam, ThreeStepsMatchTorchOptimAdam) {
  // torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-3) with p0 = 1 and these gradients
  // gives 0.95, 0.90, 0.90443188.
  const AdamParams params{0.1f, 0.9f, 0.999f, 1e-3f};
  const float grads[3] = {1e-3f, 1e-3f, -2e-3f};
  const float expected[3] = {0.95f, 0.90f, 0.90443188f};
  float p = 1.0f, m = 0.0f, v = 0.0f;
  for (int t = 1; t <= 3; ++t) {
    adam_step(params, t, 1, &p, &grads[t - 1], &m, &v);
    // Two float ulps of 0.9: a handful of single roundings in the update.
    EXPECT_NEAR(p, expected[t - 1], 2e-7) << "after step " << t;
  }
}

TEST(CpuAdam, FirstStepMovesEveryParameterByLearningRateAgainstGradientSign) {
  // With t = 1, m_hat = g and sqrt(v_hat) = |g|: the step is lr * g / (|g| + eps).
  const AdamParams params{0.01f, 0.5f, 0.999f, 1e-8f};
  float p[4] = {0.0f, 1.0f, -1.0f, 2.0f};
  const float g[4] = {0.5f, -2.0f, 1e-3f, -1e-4f};
  float m[4] = {}, v[4] = {};
  adam_step(params, 1, 4, p, g, m, v);
  const float start[4] = {0.0f, 1.0f, -1.0f, 2.0f};
  for (int i = 0; i < 4; ++i) {
    const double ref = start[i] - 0.01 * g[i] / (std::fabs(g[i]) + 1e-8);
    EXPECT_NEAR(p[i], ref, 1e-6) << "index " << i;
  }
}

}  // namespace
}  // namespace linact::host::cpu
