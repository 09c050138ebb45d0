// The parameter gradients dw = (dy * act')^T x and db = column sums of dy * act'
// (kernels/linear_backward_weight.cu): against the reference, exactly on integer data, bitwise
// reproducible, and with accumulation and an empty batch.
#include <gtest/gtest.h>

#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

void expect_dw_db_match(linactHandle_t h, const Problem& p, bool accumulate) {
  const LayerData d(p, 2468);
  Gradients got = Gradients::poisoned(p, false, true, true);
  if (accumulate) {
    std::mt19937 rng(5);
    fill_uniform(got.dw, rng);
    fill_uniform(got.db, rng);
  }
  Gradients want = got;
  ASSERT_EQ(run_backward(h, d, got, accumulate), LINACT_STATUS_SUCCESS) << linactGetLastError(h);
  reference_backward(d, want, accumulate);
  EXPECT_TRUE(matches(got.dw, want.dw, p.m, "dw"));
  EXPECT_TRUE(matches(got.db, want.db, p.m, "db"));
  EXPECT_TRUE(outside_untouched(got.dx.data, Strided(), "dx (not requested)"));
}

class LinearBackwardWeightGrid : public HandleTestWithParam<Problem> {};
TEST_P(LinearBackwardWeightGrid, MatchesReference) {
  expect_dw_db_match(handle_, GetParam(), false);
}
INSTANTIATE_TEST_SUITE_P(Shapes, LinearBackwardWeightGrid, ::testing::ValuesIn(grid_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(GanLayers, LinearBackwardWeightGrid, ::testing::ValuesIn(gan_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(TileConfigs, LinearBackwardWeightGrid,
                         ::testing::ValuesIn(tile_problems()), problem_name);
INSTANTIATE_TEST_SUITE_P(Layouts, LinearBackwardWeightGrid, ::testing::ValuesIn(layout_problems()),
                         problem_name);
INSTANTIATE_TEST_SUITE_P(VectorTiles, LinearBackwardWeightGrid,
                         ::testing::ValuesIn(vector_problems(Product::kBackwardWeight)),
                         problem_name);

class LinearBackwardWeightAccumulate : public HandleTestWithParam<Problem> {};
TEST_P(LinearBackwardWeightAccumulate, AddsToExistingGradients) {
  expect_dw_db_match(handle_, GetParam(), true);
}
INSTANTIATE_TEST_SUITE_P(Layouts, LinearBackwardWeightAccumulate,
                         ::testing::ValuesIn(layout_problems()), problem_name);
INSTANTIATE_TEST_SUITE_P(VectorTiles, LinearBackwardWeightAccumulate,
                         ::testing::ValuesIn(vector_problems(Product::kBackwardWeight)),
                         problem_name);

class LinearBackwardWeight : public HandleTest {};

// dy of shape (batch, n) whose row i repeats [i + 1, -(i + 1), 0.5] along n, identity
// activation: db = [B(B+1)/2, -B(B+1)/2, B/2, ...]. Every partial sum is an integer or half
// integer below 2^24, so fp32 must give it exactly; with and without dw.
TEST_F(LinearBackwardWeight, BiasGradientIsExact) {
  for (int64_t n : {3, 1, 513, 784}) {
    for (int64_t batch : {1, 31, 33, 96, 127, 129, 257, 1000}) {
      for (bool with_dw : {false, true}) {
        Problem p;
        p.m = batch;
        p.n = n;
        p.k = with_dw ? 2 : 0;
        LayerData d(p, 1);
        for (int64_t i = 0; i < batch; ++i) {
          const float pattern[3] = {static_cast<float>(i + 1), -static_cast<float>(i + 1), 0.5f};
          for (int64_t j = 0; j < n; ++j)
            d.dy.at(i, j) = pattern[j % 3];
        }
        Gradients g = Gradients::poisoned(p, false, with_dw, true);
        ASSERT_EQ(run_backward(handle_, d, g, false), LINACT_STATUS_SUCCESS)
            << linactGetLastError(handle_);
        const double tri = static_cast<double>(batch) * (batch + 1) / 2;
        const double expected[3] = {tri, -tri, batch / 2.0};
        for (int64_t j = 0; j < n; ++j) {
          ASSERT_EQ(g.db.at(0, j), static_cast<float>(expected[j % 3]))
              << "batch " << batch << ", n " << n << ", column " << j
              << (with_dw ? ", with dw" : ", db only");
        }
        EXPECT_TRUE(outside_untouched(g.db.data, g.db, "db"));
      }
    }
  }
}

TEST_F(LinearBackwardWeight, RepeatedCallsAreBitwiseEqual) {
  // 257 x 100 x 128: dw has too few tiles for the large configurations, so the reduction over
  // the batch is split among eight thread groups and combined in their fixed order.
  Problem p;
  p.m = 257;
  p.n = 100;
  p.k = 128;
  p.act = Activation::kGeluTanh;
  const LayerData d(p, 12);
  Gradients first = Gradients::poisoned(p, false, true, true);
  ASSERT_EQ(run_backward(handle_, d, first, false), LINACT_STATUS_SUCCESS);
  const std::vector<float> dw0 = first.dw.packed(), db0 = first.db.packed();
  for (int run = 1; run < 10; ++run) {
    Gradients again = Gradients::poisoned(p, false, true, true);
    ASSERT_EQ(run_backward(handle_, d, again, false), LINACT_STATUS_SUCCESS);
    const std::vector<float> dw = again.dw.packed(), db = again.db.packed();
    EXPECT_TRUE(bitwise_equal(dw.data(), dw0.data(), dw.size(), "dw")) << "run " << run;
    EXPECT_TRUE(bitwise_equal(db.data(), db0.data(), db.size(), "db")) << "run " << run;
  }
}

// x and dy off 16-byte alignment take the scalar paths and give the same bits.
TEST_F(LinearBackwardWeight, OffsetPointersGiveBitwiseIdenticalResults) {
  Problem aligned;
  aligned.m = 70;
  aligned.n = 36;
  aligned.k = 52;
  aligned.act = Activation::kSigmoid;
  for (int64_t offset : {1, 2, 3}) {
    Problem shifted = aligned;
    shifted.offset = offset;
    Gradients a = Gradients::poisoned(aligned, false, true, true);
    Gradients b = Gradients::poisoned(shifted, false, true, true);
    ASSERT_EQ(run_backward(handle_, LayerData(aligned, 9), a, false), LINACT_STATUS_SUCCESS);
    ASSERT_EQ(run_backward(handle_, LayerData(shifted, 9), b, false), LINACT_STATUS_SUCCESS);
    const std::vector<float> wa = a.dw.packed(), wb = b.dw.packed();
    const std::vector<float> ba = a.db.packed(), bb = b.db.packed();
    EXPECT_TRUE(bitwise_equal(wb.data(), wa.data(), wa.size(), "dw at an offset")) << offset;
    EXPECT_TRUE(bitwise_equal(bb.data(), ba.data(), ba.size(), "db at an offset")) << offset;
  }
}

// batch = 0: the sums are empty, so dw and db become zero; accumulating leaves them as they are.
TEST_F(LinearBackwardWeight, EmptyBatchZeroesOrLeavesGradients) {
  Problem p;
  p.m = 0;
  p.n = 5;
  p.k = 7;
  p.pad_w = 2;
  const LayerData d(p, 2);
  Gradients zeroed = Gradients::poisoned(p, true, true, true);
  ASSERT_EQ(run_backward(handle_, d, zeroed, false), LINACT_STATUS_SUCCESS)
      << linactGetLastError(handle_);
  for (float v : zeroed.dw.packed())
    EXPECT_EQ(v, 0.0f);
  for (float v : zeroed.db.packed())
    EXPECT_EQ(v, 0.0f);
  EXPECT_TRUE(outside_untouched(zeroed.dw.data, zeroed.dw, "dw"));
  EXPECT_TRUE(outside_untouched(zeroed.db.data, zeroed.db, "db"));

  Gradients kept = Gradients::poisoned(p, true, true, true);
  std::mt19937 rng(3);
  fill_uniform(kept.dw, rng);
  fill_uniform(kept.db, rng);
  const Gradients before = kept;
  ASSERT_EQ(run_backward(handle_, d, kept, true), LINACT_STATUS_SUCCESS);
  EXPECT_TRUE(bitwise_equal(kept.dw.data.data(), before.dw.data.data(), kept.dw.data.size(), "dw"));
  EXPECT_TRUE(bitwise_equal(kept.db.data.data(), before.db.data.data(), kept.db.data.size(), "db"));
}

}  // namespace
}  // namespace linact::test
