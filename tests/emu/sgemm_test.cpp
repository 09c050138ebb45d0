// The sample SGEMM kernels on the emulator: the tiled kernel matches a CPU product, the
// double-buffered kernel is right with its barrier and visibly wrong without it.
#include <cmath>
#include <random>
#include <vector>

#include "emu_test_util.h"
#include "sgemm_kernels.cuh"

namespace {

// Small integers keep every product and sum exact in fp32, so the comparison is exact.
std::vector<float> small_integers(size_t count, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(-3, 3);
  std::vector<float> v(count);
  for (float& x : v)
    x = static_cast<float>(dist(gen));
  return v;
}

std::vector<float> cpu_product(int m, int n, int k, const std::vector<float>& a,
                               const std::vector<float>& b) {
  std::vector<float> c(static_cast<size_t>(m) * n, 0.0f);
  for (int i = 0; i < m; ++i) {
    for (int p = 0; p < k; ++p) {
      for (int j = 0; j < n; ++j)
        c[i * n + j] += a[i * k + p] * b[p * n + j];
    }
  }
  return c;
}

struct Problem {
  int m, n, k;
};

class SgemmTiled : public testing::TestWithParam<Problem> {};

TEST_P(SgemmTiled, MatchesCpuProductExactly) {
  const auto [m, n, k] = GetParam();
  const auto a = small_integers(static_cast<size_t>(m) * k, 1);
  const auto b = small_integers(static_cast<size_t>(k) * n, 2);
  DeviceBuffer<float> da(a.size()), db(b.size()), dc(static_cast<size_t>(m) * n);
  da.upload(a);
  db.upload(b);
  LINACT_LAUNCH(emu_sample::sgemm_grid(m, n), emu_sample::kThreads, 0, nullptr,
                emu_sample::sgemm_tiled)
  (m, n, k, da.get(), db.get(), dc.get());
  EMU_CHECK(cudaGetLastError());
  EXPECT_TRUE(all_close(dc.download(), cpu_product(m, n, k, a, b), 0.0f));
}

INSTANTIATE_TEST_SUITE_P(Shapes, SgemmTiled,
                         testing::Values(Problem{64, 64, 16}, Problem{128, 192, 64},
                                         Problem{100, 70, 33}, Problem{256, 256, 256}));

TEST(SgemmDoubleBuffered, WithBarrierMatchesCpuProductUnderBothPolicies) {
  const int m = 128, n = 128, k = 96;
  const auto a = small_integers(static_cast<size_t>(m) * k, 3);
  const auto b = small_integers(static_cast<size_t>(k) * n, 4);
  const auto want = cpu_product(m, n, k, a, b);
  DeviceBuffer<float> da(a.size()), db(b.size()), dc(static_cast<size_t>(m) * n);
  da.upload(a);
  db.upload(b);
  for (const char* policy : {"lockstep", "warp-reverse"}) {
    ScopedPolicy scoped(policy);
    LINACT_LAUNCH(emu_sample::sgemm_grid(m, n), emu_sample::kThreads,
                  emu_sample::kDoubleBufferedSmemBytes, nullptr,
                  emu_sample::sgemm_double_buffered<false>)
    (m, n, k, da.get(), db.get(), dc.get());
    EMU_CHECK(cudaGetLastError());
    EXPECT_TRUE(all_close(dc.download(), want, 0.0f)) << "policy " << policy;
  }
}

// The planted bug: without the loop barrier, warp-reverse runs the last warp through every
// step before the others load their part of the next stage, so it multiplies NaN bytes.
TEST(SgemmDoubleBuffered, MissingBarrierGivesNanUnderWarpReverse) {
  const int m = 64, n = 64, k = 64;
  const auto a = small_integers(static_cast<size_t>(m) * k, 5);
  const auto b = small_integers(static_cast<size_t>(k) * n, 6);
  DeviceBuffer<float> da(a.size()), db(b.size()), dc(static_cast<size_t>(m) * n);
  da.upload(a);
  db.upload(b);
  ScopedPolicy scoped("warp-reverse");
  LINACT_LAUNCH(emu_sample::sgemm_grid(m, n), emu_sample::kThreads,
                emu_sample::kDoubleBufferedSmemBytes, nullptr,
                emu_sample::sgemm_double_buffered<true>)
  (m, n, k, da.get(), db.get(), dc.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = dc.download();
  size_t nan_count = 0;
  for (float x : got)
    nan_count += std::isnan(x);
  EXPECT_GT(nan_count, got.size() / 2) << "the missing barrier went unnoticed";
}

}  // namespace
