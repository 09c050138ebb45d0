// The CPU backend's Linear against a double-precision loop over the same activation functors.
#include "cpu/linear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "rng.h"

namespace linact::host::cpu {
namespace {

// fp32 sums of K products round each partial sum: the error is at most about K * 2^-24 times the
// sum of |terms|; 1e-5 relative to that sum leaves room for K <= 160 plus one rounding of the
// activation.
constexpr double kRelTol = 1e-5;

struct Problem {
  LinearShape shape;
  std::vector<float> x, w, b, dy;
};

Problem make_problem(int64_t batch, int64_t in, int64_t out, Activation act, float alpha) {
  Rng rng(batch * 1000 + in * 10 + out);
  Problem p{{batch, in, out, act, alpha}, {}, {}, {}, {}};
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n);
    for (auto& e : v)
      e = rng.uniform(-1.0f, 1.0f);
  };
  fill(p.x, batch * in);
  fill(p.w, out * in);
  fill(p.b, out);
  fill(p.dy, batch * out);
  return p;
}

template <typename Act>
void check_against_reference(const Problem& p) {
  const LinearShape& s = p.shape;
  const int64_t M = s.batch, K = s.in_features, N = s.out_features;
  std::vector<float> y(M * N), z(M * N), dy = p.dy, dx(M * K), dw(N * K), db(N);
  linear_forward(s, p.x.data(), p.w.data(), p.b.data(), y.data(), z.data());
  linear_backward(s, p.x.data(), p.w.data(), y.data(), z.data(), dy.data(), dx.data(), dw.data(),
                  db.data());

  // Reference in double: z, y and dz, with |terms| sums as error scales.
  std::vector<double> zr(M * N), dzr(M * N), zscale(M * N);
  for (int64_t r = 0; r < M; ++r) {
    for (int64_t c = 0; c < N; ++c) {
      double acc = p.b[c], scale = std::fabs(p.b[c]);
      for (int64_t k = 0; k < K; ++k) {
        acc += double(p.x[r * K + k]) * p.w[c * K + k];
        scale += std::fabs(double(p.x[r * K + k]) * p.w[c * K + k]);
      }
      zr[r * N + c] = acc;
      zscale[r * N + c] = scale;
      const double yr = Act::forward(acc, double(s.alpha));
      const double saved = saves_preactivation(s.activation, s.alpha) ? acc : yr;
      dzr[r * N + c] = Act::backward(double(p.dy[r * N + c]), saved, double(s.alpha));
      const double tol = kRelTol * (1.0 + scale);
      ASSERT_NEAR(y[r * N + c], yr, tol) << "y index " << r * N + c << " tolerance " << tol;
    }
  }
  for (int64_t r = 0; r < M; ++r) {
    for (int64_t k = 0; k < K; ++k) {
      double acc = 0, scale = 0;
      for (int64_t c = 0; c < N; ++c) {
        acc += dzr[r * N + c] * p.w[c * K + k];
        scale += std::fabs(dzr[r * N + c] * p.w[c * K + k]);
      }
      const double tol = kRelTol * (1.0 + scale);
      ASSERT_NEAR(dx[r * K + k], acc, tol) << "dx index " << r * K + k << " tolerance " << tol;
    }
  }
  for (int64_t c = 0; c < N; ++c) {
    double bsum = 0, bscale = 0;
    for (int64_t k = 0; k < K; ++k) {
      double acc = 0, scale = 0;
      for (int64_t r = 0; r < M; ++r) {
        acc += dzr[r * N + c] * p.x[r * K + k];
        scale += std::fabs(dzr[r * N + c] * p.x[r * K + k]);
      }
      const double tol = kRelTol * (1.0 + scale);
      ASSERT_NEAR(dw[c * K + k], acc, tol) << "dw index " << c * K + k << " tolerance " << tol;
    }
    for (int64_t r = 0; r < M; ++r) {
      bsum += dzr[r * N + c];
      bscale += std::fabs(dzr[r * N + c]);
    }
    const double tol = kRelTol * (1.0 + bscale);
    ASSERT_NEAR(db[c], bsum, tol) << "db index " << c << " tolerance " << tol;
  }
}

void check_activation(Activation act, float alpha) {
  for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                         {7, 13, 5},
                         {64, 100, 128},
                         {150, 33, 200}}) {
    SCOPED_TRACE(std::string(activation_name(act)) + " alpha " + std::to_string(alpha) + " m " +
                 std::to_string(m) + " k " + std::to_string(k) + " n " + std::to_string(n));
    const Problem p = make_problem(m, k, n, act, alpha);
    dispatch_activation(act, [&](auto a) { check_against_reference<ActivationT<a()>>(p); });
  }
}

TEST(CpuLinear, EveryActivationMatchesDoubleReferenceForwardAndBackward) {
  for (int a = 0; a < kNumActivations; ++a)
    check_activation(static_cast<Activation>(a), 0.2f);
}

TEST(CpuLinear, LeakyReluWithNegativeSlopeDifferentiatesFromPreactivation) {
  check_activation(Activation::kLeakyRelu, -0.5f);
}

TEST(CpuLinear, BiasGradientIsBitwiseTheSameForOneAndTwoThreads) {
#ifdef _OPENMP
  const Problem p = make_problem(256, 64, 300, Activation::kRelu, 0.0f);
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    std::vector<float> y(256 * 300), dy = p.dy, db(300);
    linear_forward(p.shape, p.x.data(), p.w.data(), p.b.data(), y.data(), nullptr);
    linear_backward(p.shape, p.x.data(), p.w.data(), y.data(), nullptr, dy.data(), nullptr, nullptr,
                    db.data());
    return db;
  };
  const auto one = run(1);
  const auto two = run(2);
  for (size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one[i], two[i]) << "db index " << i << " one thread " << one[i] << " two " << two[i];
  }
#else
  GTEST_SKIP() << "built without OpenMP";
#endif
}

}  // namespace
}  // namespace linact::host::cpu
