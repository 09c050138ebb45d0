// The input gradient dx = (dy * act') w (kernels/linear_backward_data.cu) against the
// double-precision reference, with the memory around dx left untouched.
#include <gtest/gtest.h>

#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

void expect_dx_matches(linactHandle_t h, const Problem& p) {
  const LayerData d(p, 4321);
  Gradients got = Gradients::poisoned(p, true, false, false);
  Gradients want = got;
  ASSERT_EQ(run_backward(h, d, got, false), LINACT_STATUS_SUCCESS) << linactGetLastError(h);
  reference_backward(d, want, false);
  EXPECT_TRUE(matches(got.dx, want.dx, p.n, "dx"));
  EXPECT_TRUE(outside_untouched(got.dw.data, Strided(), "dw (not requested)"));
  EXPECT_TRUE(outside_untouched(got.db.data, Strided(), "db (not requested)"));
}

class LinearBackwardDataGrid : public HandleTestWithParam<Problem> {};
TEST_P(LinearBackwardDataGrid, MatchesReference) {
  expect_dx_matches(handle_, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Shapes, LinearBackwardDataGrid, ::testing::ValuesIn(grid_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(GanLayers, LinearBackwardDataGrid, ::testing::ValuesIn(gan_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(TileConfigs, LinearBackwardDataGrid, ::testing::ValuesIn(tile_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(Layouts, LinearBackwardDataGrid, ::testing::ValuesIn(layout_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(VectorTiles, LinearBackwardDataGrid,
                         ::testing::ValuesIn(vector_problems(Product::kBackwardData)),
                         problem_name);

class LinearBackwardData : public HandleTest {};

// dy, w and dx off 16-byte alignment take the scalar paths and give the same bits.
TEST_F(LinearBackwardData, OffsetPointersGiveBitwiseIdenticalResults) {
  Problem aligned;
  aligned.m = 45;
  aligned.n = 100;
  aligned.k = 72;
  aligned.act = Activation::kTanh;
  for (int64_t offset : {1, 2, 3}) {
    Problem shifted = aligned;
    shifted.offset = offset;
    Gradients a = Gradients::poisoned(aligned, true, false, false);
    Gradients b = Gradients::poisoned(shifted, true, false, false);
    ASSERT_EQ(run_backward(handle_, LayerData(aligned, 8), a, false), LINACT_STATUS_SUCCESS);
    ASSERT_EQ(run_backward(handle_, LayerData(shifted, 8), b, false), LINACT_STATUS_SUCCESS);
    const std::vector<float> da = a.dx.packed(), dbits = b.dx.packed();
    EXPECT_TRUE(bitwise_equal(dbits.data(), da.data(), da.size(), "dx at an offset")) << offset;
  }
}

// out_features = 0: dx = 0 w = 0, written in full.
TEST_F(LinearBackwardData, EmptyReductionGivesZero) {
  Problem p;
  p.m = 4;
  p.n = 0;
  p.k = 6;
  Gradients g = Gradients::poisoned(p, true, false, false);
  ASSERT_EQ(run_backward(handle_, LayerData(p, 1), g, false), LINACT_STATUS_SUCCESS)
      << linactGetLastError(handle_);
  for (float v : g.dx.packed())
    EXPECT_EQ(v, 0.0f);
  EXPECT_TRUE(outside_untouched(g.dx.data, g.dx, "dx"));
}

TEST_F(LinearBackwardData, RepeatedCallsAreBitwiseEqual) {
  Problem p;
  p.m = 129;
  p.n = 257;
  p.k = 100;
  p.act = Activation::kSilu;
  const LayerData d(p, 11);
  Gradients first = Gradients::poisoned(p, true, false, false);
  ASSERT_EQ(run_backward(handle_, d, first, false), LINACT_STATUS_SUCCESS);
  const std::vector<float> expected = first.dx.packed();
  for (int run = 1; run < 10; ++run) {
    Gradients again = Gradients::poisoned(p, true, false, false);
    ASSERT_EQ(run_backward(handle_, d, again, false), LINACT_STATUS_SUCCESS);
    const std::vector<float> got = again.dx.packed();
    EXPECT_TRUE(bitwise_equal(got.data(), expected.data(), got.size(), "dx")) << "run " << run;
  }
}

}  // namespace
}  // namespace linact::test
