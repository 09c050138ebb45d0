// The fused forward (kernels/linear_forward.cu) against the double-precision reference: y and
// the saved pre-activation z, with the memory around every output left untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

struct ForwardResult {
  linactStatus_t status;
  Strided y, z;
};

// The forward on the device, outputs (y and aux) poisoned beforehand.
ForwardResult run_forward(linactHandle_t h, const LayerData& d) {
  const Problem& p = d.p;
  ForwardResult r{LINACT_STATUS_SUCCESS, Strided(p.m, p.n, p.ldy(), p.offset, poison()),
                  Strided(p.m, p.n, p.n, p.offset, poison())};
  DeviceCopy x(d.x), w(d.w), bias(d.bias), y(r.y), z(r.z);
  const linactLinearDesc_t desc = p.desc();
  // aux is passed (poisoned) even where the activation saves nothing, so a stray write shows.
  r.status = linactLinearForward(h, &desc, x.ptr(), w.ptr(), p.bias ? bias.ptr() : nullptr, y.ptr(),
                                 z.ptr());
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  r.y.data = y.buffer.download();
  r.z.data = z.buffer.download();
  return r;
}

void expect_forward_matches(linactHandle_t h, const Problem& p) {
  const LayerData d(p, 1234);
  const ForwardResult r = run_forward(h, d);
  ASSERT_EQ(r.status, LINACT_STATUS_SUCCESS) << linactGetLastError(h);
  EXPECT_TRUE(matches(r.y, d.y, p.k, "y"));
  if (d.saves_z()) {
    EXPECT_TRUE(matches(r.z, d.z, p.k, "z"));
  } else {
    EXPECT_TRUE(outside_untouched(r.z.data, Strided(), "aux (not used by this activation)"));
  }
}

class LinearForwardGrid : public HandleTestWithParam<Problem> {};
TEST_P(LinearForwardGrid, MatchesReference) {
  expect_forward_matches(handle_, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Shapes, LinearForwardGrid, ::testing::ValuesIn(grid_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(GanLayers, LinearForwardGrid, ::testing::ValuesIn(gan_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(TileConfigs, LinearForwardGrid, ::testing::ValuesIn(tile_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(Layouts, LinearForwardGrid, ::testing::ValuesIn(layout_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(VectorTiles, LinearForwardGrid,
                         ::testing::ValuesIn(vector_problems(Product::kForward)), problem_name);

class LinearForward : public HandleTest {};

// x, w and y starting 1 float past a 16-byte boundary take the scalar load path; the sums are
// the same, so y must be bitwise the same.
TEST_F(LinearForward, OffsetPointersGiveBitwiseIdenticalResults) {
  for (int64_t offset : {1, 2, 3}) {
    Problem aligned;
    aligned.m = 67;
    aligned.n = 72;
    aligned.k = 100;
    aligned.act = Activation::kGelu;
    Problem shifted = aligned;
    shifted.offset = offset;
    const ForwardResult a = run_forward(handle_, LayerData(aligned, 7));
    const ForwardResult b = run_forward(handle_, LayerData(shifted, 7));
    ASSERT_EQ(a.status, LINACT_STATUS_SUCCESS);
    ASSERT_EQ(b.status, LINACT_STATUS_SUCCESS);
    const std::vector<float> ya = a.y.packed(), yb = b.y.packed();
    EXPECT_TRUE(bitwise_equal(yb.data(), ya.data(), ya.size(), "y at an offset")) << offset;
    const std::vector<float> za = a.z.packed(), zb = b.z.packed();
    EXPECT_TRUE(bitwise_equal(zb.data(), za.data(), za.size(), "z at an offset")) << offset;
  }
}

// One NaN in x poisons its whole row of y, whatever the activation, and no other row.
TEST_F(LinearForward, NaNInOneInputReachesItsRowForEveryActivation) {
  for (int a = 0; a < kNumActivations; ++a) {
    Problem p;
    p.m = 5;
    p.n = 7;
    p.k = 9;
    p.act = static_cast<Activation>(a);
    p.alpha = alpha_for(p.act);
    LayerData d(p, 99);
    d.x.at(2, 4) = std::nanf("");
    const ForwardResult r = run_forward(handle_, d);
    ASSERT_EQ(r.status, LINACT_STATUS_SUCCESS);
    for (int64_t i = 0; i < p.m; ++i) {
      for (int64_t j = 0; j < p.n; ++j) {
        EXPECT_EQ(std::isnan(r.y.at(i, j)), i == 2)
            << activation_name(p.act) << " y[" << i << "][" << j << "] = " << r.y.at(i, j);
      }
    }
  }
}

// in_features = 0: the sums are empty and y = act(bias).
TEST_F(LinearForward, EmptyReductionGivesActivationOfBias) {
  Problem p;
  p.m = 3;
  p.n = 5;
  p.k = 0;
  p.act = Activation::kSigmoid;
  const LayerData d(p, 5);
  const ForwardResult r = run_forward(handle_, d);
  ASSERT_EQ(r.status, LINACT_STATUS_SUCCESS) << linactGetLastError(handle_);
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t j = 0; j < p.n; ++j) {
      EXPECT_EQ(r.y.at(i, j), Sigmoid::forward(d.bias.at(0, j), 0.0f)) << i << ", " << j;
    }
  }
}

// batch = 0 or out_features = 0: nothing to compute and nothing written.
TEST_F(LinearForward, EmptyOutputWritesNothing) {
  for (const auto mn : {std::pair<int64_t, int64_t>{0, 4}, {4, 0}}) {
    Problem p;
    p.m = mn.first;
    p.n = mn.second;
    p.k = 6;
    p.act = Activation::kSilu;
    const ForwardResult r = run_forward(handle_, LayerData(p, 3));
    ASSERT_EQ(r.status, LINACT_STATUS_SUCCESS) << linactGetLastError(handle_);
    for (float v : r.y.data)
      EXPECT_TRUE(is_poison(v));
    for (float v : r.z.data)
      EXPECT_TRUE(is_poison(v));
  }
}

}  // namespace
}  // namespace linact::test
