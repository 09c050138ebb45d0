// Exact semantics of include/linact/activation.h in fp32 (and agreement with the double version).
#include "linact/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/compare.h"

namespace linact {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kDenormMin = 1.4e-45f;

// The expected values are 7-significant-digit decimals: half a unit in their last place
// (5e-8 relative) plus one float ulp of the computed value (6e-8) bounds a correct result.
constexpr double kSevenDigitsRel = 1.2e-7;

template <typename Fn>
std::vector<float> forward_all(const std::vector<float>& z, float alpha = 0.0f) {
  std::vector<float> y;
  for (float v : z)
    y.push_back(Fn::forward(v, alpha));
  return y;
}

// dz for upstream gradient dy, reading y or z as the functor's kSaved says.
template <typename Fn>
std::vector<float> grad_all(const std::vector<float>& z, float alpha, float dy = 1.0f) {
  std::vector<float> g;
  for (float v : z) {
    const float saved = Fn::kSaved == Saved::kOutput ? Fn::forward(v, alpha) : v;
    g.push_back(Fn::backward(dy, saved, alpha));
  }
  return g;
}

#define EXPECT_CLOSE(actual, expected, rel) \
  EXPECT_TRUE(                              \
      test::all_close((actual).data(), (expected).data(), (expected).size(), rel, 0, #actual))
// Exact equality; any NaN matches any NaN (the sign and payload of a NaN are not specified).
#define EXPECT_EXACT(actual, expected) EXPECT_CLOSE(actual, expected, 0.0)

const std::vector<float> kSpecials = {kNaN, kInf, -kInf, 2.0f, -3.0f};

TEST(Activation, ReluOfSpecials) {
  const std::vector<float> expected = {kNaN, kInf, 0.0f, 2.0f, 0.0f};
  EXPECT_EXACT(forward_all<Relu>(kSpecials), expected);
  EXPECT_EQ(std::signbit(Relu::forward(-0.0f, 0.0f)), false) << "relu(-0) must be +0";
}

TEST(Activation, LeakyReluOfSpecials) {
  const std::vector<float> expected = {kNaN, kInf, -kInf, 2.0f, -0.6f};
  EXPECT_EXACT(forward_all<LeakyRelu>(kSpecials, 0.2f), expected);
}

TEST(Activation, SigmoidOfSpecials) {
  const std::vector<float> expected = {kNaN, 1.0f, 0.0f, 0.8807971f, 0.04742587f};
  EXPECT_CLOSE(forward_all<Sigmoid>(kSpecials), expected, kSevenDigitsRel);
}

TEST(Activation, TanhOfSpecials) {
  const std::vector<float> expected = {kNaN, 1.0f, -1.0f, 0.9640276f, -0.9950548f};
  EXPECT_CLOSE(forward_all<Tanh>(kSpecials), expected, kSevenDigitsRel);
}

const std::vector<float> kKinks = {-1.0f, -0.0f, 0.0f, kDenormMin, -kDenormMin, 1.0f};

TEST(Activation, ReluDerivativeAtKinksAndDenormals) {
  const std::vector<float> expected = {0, 0, 0, 1, 0, 1};
  EXPECT_EXACT(grad_all<Relu>(kKinks, 0.0f), expected);
}

TEST(Activation, LeakyReluDerivativeAtKinksAndDenormals) {
  const std::vector<float> expected = {0.2f, 0.2f, 0.2f, 1, 0.2f, 1};
  EXPECT_EXACT(grad_all<LeakyRelu>(kKinks, 0.2f), expected);
}

TEST(Activation, DenormalsAreNotFlushed) {
  EXPECT_EQ(Relu::forward(kDenormMin, 0.0f), kDenormMin);
  EXPECT_EQ(Identity::forward(kDenormMin, 0.0f), kDenormMin);
  EXPECT_EQ(LeakyRelu::forward(-kDenormMin * 8, 0.5f), -kDenormMin * 4);
}

TEST(Activation, SigmoidNeverOverflows) {
  const std::vector<float> z = {-1662.7f, 3212.5f, 91.39f, 88.0f, 89.0f, 0.0f, -0.5f};
  const std::vector<float> expected = {0.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.5f, 0.37754068f};
  const auto y = forward_all<Sigmoid>(z);
  EXPECT_CLOSE(y, expected, kSevenDigitsRel);
  for (float v : y)
    EXPECT_FALSE(std::isnan(v));
}

TEST(Activation, TanhSaturatesExactly) {
  const std::vector<float> z = {-1e4f, -100.0f, -1.0f, 0.0f, 1.0f, 100.0f, 1e4f};
  const std::vector<float> expected = {-1.0f, -1.0f, -0.7615942f, 0.0f, 0.7615942f, 1.0f, 1.0f};
  EXPECT_CLOSE(forward_all<Tanh>(z), expected, kSevenDigitsRel);
  for (int x = 44; x <= 90; ++x)
    EXPECT_EQ(Tanh::forward(float(x), 0.0f), 1.0f) << "x = " << x;
}

// Every derivative at +inf, -inf and NaN: limits where they exist, NaN where the input is NaN,
// except the documented PyTorch selections (ReLU and LeakyReLU decide on the sign test).
TEST(Activation, DerivativesAtInfinitiesAndNaN) {
  const std::vector<float> z = {kInf, -kInf, kNaN};
  EXPECT_EXACT(grad_all<Identity>(z, 0.0f), (std::vector<float>{1, 1, 1}));
  EXPECT_EXACT(grad_all<Relu>(z, 0.0f), (std::vector<float>{1, 0, 1}));
  EXPECT_EXACT(grad_all<LeakyRelu>(z, 0.2f), (std::vector<float>{1, 0.2f, 0.2f}));
  EXPECT_EXACT(grad_all<Sigmoid>(z, 0.0f), (std::vector<float>{0, 0, kNaN}));
  EXPECT_EXACT(grad_all<Tanh>(z, 0.0f), (std::vector<float>{0, 0, kNaN}));
  EXPECT_EXACT(grad_all<Gelu>(z, 0.0f), (std::vector<float>{1, 0, kNaN}));
  EXPECT_EXACT(grad_all<GeluTanh>(z, 0.0f), (std::vector<float>{1, 0, kNaN}));
  EXPECT_EXACT(grad_all<Silu>(z, 0.0f), (std::vector<float>{1, 0, kNaN}));
}

TEST(Activation, NaNUpstreamGradient) {
  // A NaN dy propagates everywhere except where ReLU selects an exact zero.
  EXPECT_EQ(Relu::backward(kNaN, -1.0f, 0.0f), 0.0f);
  EXPECT_TRUE(std::isnan(Relu::backward(kNaN, 1.0f, 0.0f)));
  EXPECT_TRUE(std::isnan(LeakyRelu::backward(kNaN, -1.0f, 0.2f)));
  EXPECT_TRUE(std::isnan(Sigmoid::backward(kNaN, 0.5f, 0.0f)));
  EXPECT_TRUE(std::isnan(Gelu::backward(kNaN, 0.5f, 0.0f)));
}

TEST(Activation, ForwardAtInfinitiesAndNaN) {
  const std::vector<float> z = {kInf, -kInf, kNaN};
  EXPECT_EXACT(forward_all<Gelu>(z), (std::vector<float>{kInf, 0, kNaN}));
  EXPECT_EXACT(forward_all<GeluTanh>(z), (std::vector<float>{kInf, 0, kNaN}));
  EXPECT_EXACT(forward_all<Silu>(z), (std::vector<float>{kInf, 0, kNaN}));
  EXPECT_EXACT(forward_all<Identity>(z), z);
}

TEST(Activation, GeluFormsAtLargeMagnitude) {
  // Far right both forms are the identity; far left they reach 0 without NaN. The exact form
  // keeps the tiny negative tail (z Phi(z)) until Phi underflows.
  for (float v : {10.0f, 30.0f, 1e4f, 1e30f}) {
    EXPECT_EQ(Gelu::forward(v, 0.0f), v) << "z = " << v;
    EXPECT_EQ(GeluTanh::forward(v, 0.0f), v) << "z = " << v;
    EXPECT_EQ(Gelu::backward(1.0f, v, 0.0f), 1.0f) << "z = " << v;
    EXPECT_EQ(GeluTanh::backward(1.0f, v, 0.0f), 1.0f) << "z = " << v;
  }
  const double tail = -10.0 * 0.5 * std::erfc(10.0 / std::sqrt(2.0));
  EXPECT_NEAR(Gelu::forward(-10.0f, 0.0f), tail, 1e-6 * std::fabs(tail));
  for (float v : {-30.0f, -1e4f, -1e30f}) {
    EXPECT_EQ(Gelu::forward(v, 0.0f), 0.0f) << "z = " << v;
    EXPECT_EQ(GeluTanh::forward(v, 0.0f), 0.0f) << "z = " << v;
    EXPECT_EQ(Gelu::backward(1.0f, v, 0.0f), 0.0f) << "z = " << v;
    EXPECT_EQ(GeluTanh::backward(1.0f, v, 0.0f), 0.0f) << "z = " << v;
  }
}

// fp32 against the same functions in double over a sweep. Each float function is accurate to a
// few ulps; the derivative formulas combine several of them and cross zero (GELU' near
// z = -0.75), so the bound is relative 1e-5 with an absolute floor of 1e-6.
template <typename Fn>
void expect_float_matches_double(const char* name, float alpha) {
  for (int i = -2000; i <= 2000; ++i) {
    const float z = float(i) * 0.005f;
    const float y = Fn::forward(z, alpha);
    const double y64 = Fn::forward(double(z), double(alpha));
    ASSERT_NEAR(y, y64, 1e-6 + 1e-5 * std::fabs(y64)) << name << " forward at z = " << z;
    const float saved = Fn::kSaved == Saved::kOutput ? y : z;
    const double saved64 = Fn::kSaved == Saved::kOutput ? y64 : double(z);
    const float g = Fn::backward(0.75f, saved, alpha);
    const double g64 = Fn::backward(0.75, saved64, double(alpha));
    ASSERT_NEAR(g, g64, 1e-6 + 1e-5 * std::fabs(g64)) << name << " backward at z = " << z;
  }
}

TEST(Activation, FloatAgreesWithDouble) {
  expect_float_matches_double<Identity>("identity", 0.0f);
  expect_float_matches_double<Relu>("relu", 0.0f);
  expect_float_matches_double<LeakyRelu>("leaky_relu", 0.2f);
  expect_float_matches_double<Sigmoid>("sigmoid", 0.0f);
  expect_float_matches_double<Tanh>("tanh", 0.0f);
  expect_float_matches_double<Gelu>("gelu", 0.0f);
  expect_float_matches_double<GeluTanh>("gelu_tanh", 0.0f);
  expect_float_matches_double<Silu>("silu", 0.0f);
}

TEST(Activation, SavedTensorPerActivation) {
  EXPECT_FALSE(saves_preactivation(Activation::kRelu, 0.0f));
  EXPECT_FALSE(saves_preactivation(Activation::kLeakyRelu, 0.2f));
  EXPECT_FALSE(saves_preactivation(Activation::kLeakyRelu, 0.0f));
  EXPECT_TRUE(saves_preactivation(Activation::kLeakyRelu, -0.1f));
  EXPECT_FALSE(saves_preactivation(Activation::kSigmoid, 0.0f));
  EXPECT_FALSE(saves_preactivation(Activation::kTanh, 0.0f));
  EXPECT_FALSE(saves_preactivation(Activation::kIdentity, 0.0f));
  EXPECT_TRUE(saves_preactivation(Activation::kGelu, 0.0f));
  EXPECT_TRUE(saves_preactivation(Activation::kGeluTanh, 0.0f));
  EXPECT_TRUE(saves_preactivation(Activation::kSilu, 0.0f));
}

TEST(Activation, DispatchReachesEveryActivation) {
  for (int a = 0; a < kNumActivations; ++a) {
    const Activation act = Activation(a);
    const Activation seen = dispatch_activation(act, [](auto tag) { return tag.value; });
    EXPECT_EQ(seen, act) << activation_name(act);
  }
  EXPECT_FALSE(is_valid_activation(-1));
  EXPECT_FALSE(is_valid_activation(kNumActivations));
}

}  // namespace
}  // namespace linact
