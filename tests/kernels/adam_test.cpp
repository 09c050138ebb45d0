// linactAdamStep (kernels/adam.cu, kernels/training_api.cpp): PyTorch's numbers, agreement with
// a double reference over many elements, the step read from device memory, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

class StepBuffer {
 public:
  StepBuffer() { cudaMalloc(reinterpret_cast<void**>(&ptr_), sizeof(int64_t)); }
  ~StepBuffer() { cudaFree(ptr_); }
  void set(int64_t t) { cudaMemcpy(ptr_, &t, sizeof(t), cudaMemcpyHostToDevice); }
  const int64_t* get() const { return ptr_; }

 private:
  int64_t* ptr_ = nullptr;
};

using AdamStep = HandleTest;

TEST_F(AdamStep, ThreeStepsMatchTorchOptimAdam) {
  // torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-3), p0 = 1, these gradients.
  const linactAdamParams_t params{0.1f, 0.9f, 0.999f, 1e-3f};
  const float grads[3] = {1e-3f, 1e-3f, -2e-3f};
  const float expected[3] = {0.95f, 0.90f, 0.90443188f};
  DeviceBuffer p(1), g(1), m(1), v(1);
  StepBuffer step;
  p.upload({1.0f});
  m.upload({0.0f});
  v.upload({0.0f});
  for (int t = 1; t <= 3; ++t) {
    g.upload({grads[t - 1]});
    step.set(t);
    ASSERT_EQ(linactAdamStep(handle_, &params, 1, p.get(), g.get(), m.get(), v.get(), step.get()),
              LINACT_STATUS_SUCCESS)
        << linactGetLastError(handle_);
    // Two float ulps of 0.9: a handful of single roundings in the update.
    EXPECT_NEAR(p.download()[0], expected[t - 1], 2e-7) << "after step " << t;
  }
}

TEST_F(AdamStep, ManyElementsMatchDoubleReferenceAtStepFive) {
  const int64_t count = 300000;  // more than one grid's stride
  const linactAdamParams_t params{2e-4f, 0.5f, 0.999f, 1e-8f};
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1e-2f);
  std::vector<float> p(count), g(count), m(count), v(count);
  for (int64_t i = 0; i < count; ++i) {
    p[i] = dist(rng) * 10;
    g[i] = dist(rng);
    m[i] = dist(rng) * 0.5f;
    v[i] = std::fabs(dist(rng)) * 1e-2f;
  }
  DeviceBuffer dp(count), dg(count), dm(count), dv(count);
  dp.upload(p);
  dg.upload(g);
  dm.upload(m);
  dv.upload(v);
  StepBuffer step;
  step.set(5);
  ASSERT_EQ(
      linactAdamStep(handle_, &params, count, dp.get(), dg.get(), dm.get(), dv.get(), step.get()),
      LINACT_STATUS_SUCCESS);
  const auto gp = dp.download();
  // The betas as the kernel holds them: 0.999f is 0.99900001287..., and 1 - 0.999f is exact.
  const double b1 = double(params.beta1), b2 = double(params.beta2);
  const double step_size = double(params.lr) / (1.0 - std::pow(b1, 5));
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(b2, 5));
  for (int64_t i = 0; i < count; ++i) {
    const double mm = b1 * m[i] + (1.0 - b1) * g[i];
    const double vv = b2 * v[i] + (1.0 - b2) * double(g[i]) * g[i];
    const double ref = p[i] - step_size * mm / (std::sqrt(vv) / bias2_sqrt + 1e-8);
    // The update is at most step_size * m / (sqrt(v)/b2) in size; float evaluation of it is good
    // to a few ulps, plus one rounding of p.
    const double tol = 1e-6 * std::fabs(ref - p[i]) + 2.0 * std::fabs(ref) * 0x1.0p-24;
    ASSERT_NEAR(gp[i], ref, tol) << "index " << i << " tolerance " << tol;
  }
}

TEST_F(AdamStep, RejectsBadArgumentsNamingThem) {
  DeviceBuffer p(2), g(2), m(2), v(2);
  p.upload({1.0f, 2.0f});
  StepBuffer step;
  step.set(1);
  linactAdamParams_t params{1e-3f, 0.9f, 0.999f, 1e-8f};
  auto call = [&](const linactAdamParams_t* pp, int64_t count, float* param) {
    return linactAdamStep(handle_, pp, count, param, g.get(), m.get(), v.get(), step.get());
  };
  EXPECT_EQ(call(nullptr, 2, p.get()), LINACT_STATUS_INVALID_VALUE);
  EXPECT_EQ(call(&params, 0, p.get()), LINACT_STATUS_INVALID_VALUE);
  EXPECT_NE(std::string(linactGetLastError(handle_)).find("count is 0"), std::string::npos);
  EXPECT_EQ(call(&params, 2, nullptr), LINACT_STATUS_INVALID_VALUE);
  EXPECT_NE(std::string(linactGetLastError(handle_)).find("param is NULL"), std::string::npos);
  linactAdamParams_t bad = params;
  bad.beta1 = 1.0f;
  EXPECT_EQ(call(&bad, 2, p.get()), LINACT_STATUS_INVALID_VALUE);
  EXPECT_NE(std::string(linactGetLastError(handle_)).find("beta1"), std::string::npos);
  bad = params;
  bad.lr = -1.0f;
  EXPECT_EQ(call(&bad, 2, p.get()), LINACT_STATUS_INVALID_VALUE);
  EXPECT_EQ(p.download(), (std::vector<float>{1.0f, 2.0f}));
}

}  // namespace
}  // namespace linact::test
