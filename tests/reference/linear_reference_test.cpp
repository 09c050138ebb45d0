// Tests of the CPU reference itself: it is the oracle of every kernel test, so it is checked
// against hand-computed results and against finite differences.
#include "linear_reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "common/compare.h"

namespace linact::ref {
namespace {

// One float rounding of a decimal literal.
constexpr double kDecimalRel = 1.2e-7;

struct SmallIntegerCase {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> w = {1, 0, -1, 0.5f, 0.5f, 0.5f, 2, -1, 0, 0, 0, 1, -1, -1, -1};
  std::vector<float> b = {0.1f, -0.2f, 0, 1, 0.5f};
  LinearShape shape = packed_shape(2, 3, 5);
};

TEST(LinearReference, SmallIntegerForwardGivesHandComputedZ) {
  SmallIntegerCase c;
  std::vector<float> y(10), z(10);
  linear_forward(c.shape, Activation::kIdentity, 0.0f, c.x.data(), c.w.data(), c.b.data(), y.data(),
                 z.data());
  const std::vector<float> expected = {-1.9f, 2.8f, 0, 4, -5.5f, -1.9f, 7.3f, 3, 7, -14.5f};
  EXPECT_TRUE(test::all_close(z.data(), expected.data(), 10, kDecimalRel, 0, "z"));
  EXPECT_TRUE(test::all_close(y.data(), expected.data(), 10, kDecimalRel, 0, "y (identity)"));
}

TEST(LinearReference, SmallIntegerReluBackwardIsExact) {
  SmallIntegerCase c;
  std::vector<float> y(10), dy(10, 1.0f), dx(6), dw(15), db(5);
  linear_forward(c.shape, Activation::kRelu, 0.0f, c.x.data(), c.w.data(), c.b.data(), y.data(),
                 nullptr);
  linear_backward(c.shape, Activation::kRelu, 0.0f, c.x.data(), c.w.data(), y.data(), nullptr,
                  dy.data(), dx.data(), dw.data(), db.data(), false);
  const std::vector<float> dx_expected = {0.5f, 0.5f, 1.5f, 2.5f, -0.5f, 1.5f};
  const std::vector<float> dw_expected = {0, 0, 0, 5, 7, 9, 4, 5, 6, 5, 7, 9, 0, 0, 0};
  const std::vector<float> db_expected = {0, 2, 1, 2, 0};
  EXPECT_TRUE(test::bitwise_equal(dx.data(), dx_expected.data(), 6, "dx"));
  EXPECT_TRUE(test::bitwise_equal(dw.data(), dw_expected.data(), 15, "dW"));
  EXPECT_TRUE(test::bitwise_equal(db.data(), db_expected.data(), 5, "db"));
}

TEST(LinearReference, SmallIntegerLeakyReluBiasGradient) {
  SmallIntegerCase c;
  std::vector<float> y(10), dy(10, 1.0f), db(5);
  linear_forward(c.shape, Activation::kLeakyRelu, 0.2f, c.x.data(), c.w.data(), c.b.data(),
                 y.data(), nullptr);
  linear_backward(c.shape, Activation::kLeakyRelu, 0.2f, c.x.data(), c.w.data(), y.data(), nullptr,
                  dy.data(), nullptr, nullptr, db.data(), false);
  const std::vector<float> db_expected = {0.4f, 2, 1.2f, 2, 0.4f};
  EXPECT_TRUE(test::all_close(db.data(), db_expected.data(), 5, kDecimalRel, 0, "db"));
}

TEST(LinearReference, AccumulateAddsToWeightAndBiasGradients) {
  SmallIntegerCase c;
  std::vector<float> y(10), dy(10, 1.0f), dw(15, 1.0f), db(5, -1.0f);
  linear_forward(c.shape, Activation::kRelu, 0.0f, c.x.data(), c.w.data(), c.b.data(), y.data(),
                 nullptr);
  linear_backward(c.shape, Activation::kRelu, 0.0f, c.x.data(), c.w.data(), y.data(), nullptr,
                  dy.data(), nullptr, dw.data(), db.data(), true);
  const std::vector<float> dw_expected = {1, 1, 1, 6, 8, 10, 5, 6, 7, 6, 8, 10, 1, 1, 1};
  const std::vector<float> db_expected = {-1, 1, 0, 1, -1};
  EXPECT_TRUE(test::bitwise_equal(dw.data(), dw_expected.data(), 15, "dW"));
  EXPECT_TRUE(test::bitwise_equal(db.data(), db_expected.data(), 5, "db"));
}

TEST(LinearReference, EmptyBatchGivesZeroWeightAndBiasGradients) {
  const LinearShape shape = packed_shape(0, 3, 2);
  std::vector<float> w(6, 1.0f), dw(6, 7.0f), db(2, 7.0f);
  linear_backward(shape, Activation::kTanh, 0.0f, nullptr, w.data(), nullptr, nullptr, nullptr,
                  nullptr, dw.data(), db.data(), false);
  const std::vector<float> zeros(6, 0.0f);
  EXPECT_TRUE(test::bitwise_equal(dw.data(), zeros.data(), 6, "dW"));
  EXPECT_TRUE(test::bitwise_equal(db.data(), zeros.data(), 2, "db"));

  std::vector<float> y_untouched(4, 3.0f);
  linear_forward(shape, Activation::kTanh, 0.0f, nullptr, w.data(), nullptr, y_untouched.data(),
                 nullptr);
  const std::vector<float> threes(4, 3.0f);
  EXPECT_TRUE(test::bitwise_equal(y_untouched.data(), threes.data(), 4, "y"));
}

TEST(LinearReference, RejectsStrideShorterThanRow) {
  LinearShape shape = packed_shape(2, 3, 5);
  shape.ldx = 2;
  std::vector<float> buf(64, 0.0f);
  EXPECT_THROW(linear_forward(shape, Activation::kRelu, 0.0f, buf.data(), buf.data(), nullptr,
                              buf.data(), nullptr),
               std::invalid_argument);
}

// Finite differences of L = sum(r * act(x w^T + b)) in double, with row strides larger than
// the rows so stride handling is covered too.
class FiniteDifference : public ::testing::TestWithParam<Activation> {};

TEST_P(FiniteDifference, GradientsMatchCentralDifferences) {
  const Activation act = GetParam();
  const double alpha = 0.2;
  const int64_t m = 3, k = 4, n = 5;
  const LinearShape s{m, k, n, k + 2, k + 1, n + 3};
  const bool kinked = act == Activation::kRelu || act == Activation::kLeakyRelu;

  std::mt19937_64 rng(1234 + int(act));
  std::uniform_real_distribution<double> uniform(-1.5, 1.5);
  std::vector<double> x(size_t(m * s.ldx)), w(size_t(n * s.ldw)), b(static_cast<size_t>(n)),
      r(size_t(m * s.ldy)), y(size_t(m * s.ldy)), z(size_t(m * n));
  auto loss = [&]() {
    linear_forward(s, act, alpha, x.data(), w.data(), b.data(), y.data(), z.data());
    double l = 0.0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        l += r[i * s.ldy + j] * y[i * s.ldy + j];
    return l;
  };
  // Redraw until no pre-activation sits within 1e-2 of a kink, where differences straddle it.
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 100) << "could not draw inputs away from the kink";
    for (auto* v : {&x, &w, &b, &r})
      for (double& e : *v)
        e = uniform(rng);
    loss();
    bool near_kink = false;
    for (double e : z)
      near_kink |= kinked && std::fabs(e) < 1e-2;
    if (!near_kink) break;
  }

  std::vector<double> dx(x.size()), dw(w.size()), db(b.size());
  loss();
  linear_backward(s, act, alpha, x.data(), w.data(), y.data(), z.data(), r.data(), dx.data(),
                  dw.data(), db.data(), false);

  const double h = 1e-6;
  auto check = [&](std::vector<double>& param, const std::vector<double>& grad, int64_t rows,
                   int64_t cols, int64_t ld, const char* name) {
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        double& p = param[size_t(i * ld + j)];
        const double saved = p;
        p = saved + h;
        const double up = loss();
        p = saved - h;
        const double down = loss();
        p = saved;
        const double numeric = (up - down) / (2 * h);
        const double analytic = grad[size_t(i * ld + j)];
        EXPECT_NEAR(analytic, numeric, 1e-6 + 1e-6 * std::fabs(numeric))
            << name << "[" << i << "][" << j << "] for " << activation_name(act);
      }
    }
  };
  check(x, dx, m, k, s.ldx, "dx");
  check(w, dw, n, k, s.ldw, "dW");
  check(b, db, 1, n, n, "db");
}

INSTANTIATE_TEST_SUITE_P(EveryActivation, FiniteDifference,
                         ::testing::Values(Activation::kIdentity, Activation::kRelu,
                                           Activation::kLeakyRelu, Activation::kSigmoid,
                                           Activation::kTanh, Activation::kGelu,
                                           Activation::kGeluTanh, Activation::kSilu),
                         [](const auto& info) { return std::string(activation_name(info.param)); });

TEST(LinearReference, NegativeSlopeLeakyReluReadsPreactivation) {
  // With alpha < 0 a negative z gives a positive y, so the gradient must come from z.
  const LinearShape s = packed_shape(1, 1, 1);
  const float x = 1.0f, w = -2.0f, dy = 1.0f;
  float y = 0, z = 0, db = 0;
  linear_forward(s, Activation::kLeakyRelu, -0.5f, &x, &w, nullptr, &y, &z);
  EXPECT_EQ(y, 1.0f);
  linear_backward(s, Activation::kLeakyRelu, -0.5f, &x, &w, &y, &z, &dy, nullptr, nullptr, &db,
                  false);
  EXPECT_EQ(db, -0.5f);
  EXPECT_THROW(linear_backward(s, Activation::kLeakyRelu, -0.5f, &x, &w, &y, nullptr, &dy, nullptr,
                               nullptr, &db, false),
               std::invalid_argument);
}

}  // namespace
}  // namespace linact::ref
