// linactBceWithLogits (kernels/bce_with_logits.cu, kernels/training_api.cpp) against a double
// reference: values, the confidently-rejected case, determinism and every rejected input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

struct Outputs {
  float loss = 0.0f;
  float mean_prob = 0.0f;
  std::vector<float> dlogits;
};

Outputs run_bce(linactHandle_t h, const std::vector<float>& z, float target) {
  const size_t n = z.size();
  DeviceBuffer logits(n), dz(n), scalars(2);
  logits.upload(z);
  EXPECT_EQ(linactBceWithLogits(h, static_cast<int64_t>(n), logits.get(), target, scalars.get(),
                                scalars.get() + 1, dz.get()),
            LINACT_STATUS_SUCCESS)
      << linactGetLastError(h);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<float> s = scalars.download();
  return {s[0], s[1], dz.download()};
}

using BceWithLogits = HandleTest;

TEST_F(BceWithLogits, MatchesDoubleReferenceForBothTargetsAndManySizes) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-12.0f, 12.0f);
  for (int64_t n : {1, 7, 256, 257, 1000}) {
    std::vector<float> z(n);
    for (auto& v : z)
      v = dist(rng);
    for (float t : {0.0f, 1.0f}) {
      const Outputs out = run_bce(handle_, z, t);
      double loss = 0, prob = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double p = 1.0 / (1.0 + std::exp(-double(z[i])));
        loss += std::max(double(z[i]), 0.0) - z[i] * double(t) +
                std::log1p(std::exp(-std::fabs(double(z[i]))));
        prob += p;
        // sigmoid(z) - t in float: near 1, sigmoid's absolute error (rounding 1 + exp(-|z|) to
        // 2^-24, then the division's 2^-25) survives the subtraction; 1e-6 relative for the rest.
        const double ref = (p - t) / n;
        const double tol = 0x1.0p-23 / n + 1e-6 * std::fabs(ref);
        ASSERT_NEAR(out.dlogits[i], ref, tol)
            << "index " << i << " n " << n << " target " << t << " tolerance " << tol;
      }
      // Per-element float rounding of the loss terms (1e-6 relative), summed in double.
      EXPECT_NEAR(out.loss, loss / n, 1e-6 * (1.0 + loss / n)) << "n " << n << " target " << t;
      EXPECT_NEAR(out.mean_prob, prob / n, 1e-6) << "n " << n << " target " << t;
    }
  }
}

TEST_F(BceWithLogits, ConfidentlyRejectedFakeKeepsFullGradient) {
  const Outputs out = run_bce(handle_, std::vector<float>(8, -50.0f), 1.0f);
  for (int i = 0; i < 8; ++i)
    EXPECT_FLOAT_EQ(out.dlogits[i], -0.125f) << "index " << i;
  EXPECT_FLOAT_EQ(out.loss, 50.0f);
}

TEST_F(BceWithLogits, RepeatedCallsAreBitwiseIdentical) {
  std::vector<float> z(777);
  std::mt19937 rng(2);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (auto& v : z)
    v = dist(rng);
  const Outputs a = run_bce(handle_, z, 1.0f);
  const Outputs b = run_bce(handle_, z, 1.0f);
  EXPECT_EQ(std::memcmp(&a.loss, &b.loss, sizeof(float)), 0);
  EXPECT_EQ(a.dlogits, b.dlogits);
}

TEST_F(BceWithLogits, RejectsBadArgumentsNamingThemAndWritesNothing) {
  DeviceBuffer logits(4), out(4);
  out.upload({7.0f, 7.0f, 7.0f, 7.0f});
  struct Case {
    int64_t n;
    const float* logits;
    float target;
    float* loss;
    const char* named;
  } cases[] = {{0, logits.get(), 1.0f, out.get(), "n is 0"},
               {4, nullptr, 1.0f, out.get(), "logits is NULL"},
               {4, logits.get(), NAN, out.get(), "target is nan"},
               {4, logits.get(), 1.0f, nullptr, "all NULL"}};
  for (const Case& c : cases) {
    EXPECT_EQ(linactBceWithLogits(handle_, c.n, c.logits, c.target, c.loss, nullptr, nullptr),
              LINACT_STATUS_INVALID_VALUE);
    EXPECT_NE(std::string(linactGetLastError(handle_)).find(c.named), std::string::npos)
        << linactGetLastError(handle_);
  }
  EXPECT_EQ(out.download(), (std::vector<float>{7.0f, 7.0f, 7.0f, 7.0f}));
  EXPECT_EQ(linactBceWithLogits(nullptr, 4, logits.get(), 1.0f, out.get(), nullptr, nullptr),
            LINACT_STATUS_INVALID_VALUE);
}

}  // namespace
}  // namespace linact::test
