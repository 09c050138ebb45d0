// The split reduction of the Linear kernels (LaunchPlan in kernels/linear_kernels.h): layers
// whose output tiles are too few to fill the GPU split k (forward), n (dx) or m (dw, db) across
// blocks, keep partials in the handle's workspace and add them in a fixed order. Checks the plans
// chosen for the GAN's layers, the results against the reference, bitwise repeatability,
// accumulation, and linactSetWorkspace (a buffer too small for a split gives the unsplit path).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "linear_kernels.h"
#include "linear_test_support.h"

namespace linact::test {
namespace {

using kernels::LaunchPlan;
using kernels::LaunchResources;
using kernels::TileChoice;

constexpr int64_t kH200 = 132;

// A plan's inputs as a handle with its own workspace gives them; the plan never dereferences the
// workspace pointer.
LaunchResources full_workspace(int64_t multiprocessors) {
  static float dummy[4];
  return {multiprocessors, dummy, kernels::split_workspace_bytes(multiprocessors)};
}

int64_t device_multiprocessors() {
  int device = 0;
  int count = 0;
  EXPECT_EQ(cudaGetDevice(&device), cudaSuccess);
  EXPECT_EQ(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device), cudaSuccess);
  return count;
}

// Split plans cover the reduction with non-empty ranges of whole steps, never launch more blocks
// than multiprocessors, and fit their partials in the workspace.
void expect_consistent(const LaunchPlan& plan, int64_t reduction, int64_t partial_floats,
                       const LaunchResources& res, const char* what) {
  const int64_t steps = (reduction + 63) / 64;  // the 32 x 32 tile's step, the one that splits
  if (plan.splits == 1) return;
  EXPECT_EQ(plan.tile, TileChoice::kSmall) << what;
  EXPECT_LE(plan.blocks(), res.multiprocessors) << what;
  EXPECT_GE(plan.split_steps, kernels::kMinSplitSteps) << what;
  EXPECT_GE(plan.splits * plan.split_steps, steps) << what;
  EXPECT_LT((plan.splits - 1) * plan.split_steps, steps) << what;
  EXPECT_LE(static_cast<size_t>(plan.splits * partial_floats) * sizeof(float), res.workspace_bytes)
      << what;
}

TEST(SplitPlan, GanLayersFillAnH200) {
  const int64_t widths[][2] = {{100, 128}, {128, 256}, {256, 512}, {512, 784},
                               {784, 512}, {512, 256}, {256, 128}, {128, 1}};
  const LaunchResources res = full_workspace(kH200);
  for (int64_t batch : {64, 256, 4096}) {
    for (const auto& layer : widths) {
      const int64_t k = layer[0];
      const int64_t n = layer[1];
      const std::string name =
          "batch " + std::to_string(batch) + ", " + std::to_string(k) + " -> " + std::to_string(n);
      const LaunchPlan fwd = kernels::plan_linear_forward(batch, n, k, res);
      const LaunchPlan dx = kernels::plan_linear_backward_data(batch, n, k, res);
      const LaunchPlan dw = kernels::plan_linear_backward_weight(batch, n, k, true, true, res);
      expect_consistent(fwd, k, batch * n, res, ("forward, " + name).c_str());
      expect_consistent(dx, n, batch * k, res, ("dx, " + name).c_str());
      expect_consistent(dw, batch, n * k + n, res, ("dw, " + name).c_str());
    }
  }
  // The shapes the review counted: 32 forward blocks, 50 dx blocks, 4 and 16 dw blocks.
  const LaunchPlan fwd = kernels::plan_linear_forward(64, 512, 784, res);
  EXPECT_EQ(fwd.tiles, 32);
  EXPECT_EQ(fwd.splits, 4);
  EXPECT_EQ(fwd.split_steps, 4);
  const LaunchPlan dx = kernels::plan_linear_backward_data(64, 512, 784, res);
  EXPECT_EQ(dx.tiles, 50);
  EXPECT_EQ(dx.splits, 2);
  const LaunchPlan dw_narrow = kernels::plan_linear_backward_weight(4096, 1, 128, true, true, res);
  EXPECT_EQ(dw_narrow.tiles, 4);
  EXPECT_EQ(dw_narrow.splits, 32);
  const LaunchPlan dw_first = kernels::plan_linear_backward_weight(4096, 128, 100, true, true, res);
  EXPECT_EQ(dw_first.tiles, 16);
  EXPECT_EQ(dw_first.splits, 8);
  // Two 64-deep steps are too short to split.
  EXPECT_EQ(kernels::plan_linear_forward(64, 128, 100, res).splits, 1);
}

TEST(SplitPlan, WorkspaceBoundsTheSplit) {
  const int64_t m = 64, n = 512, k = 784;
  static float dummy[4];
  const size_t partial_bytes = static_cast<size_t>(m * n) * sizeof(float);
  EXPECT_EQ(kernels::plan_linear_forward(m, n, k, {kH200, nullptr, 0}).splits, 1);
  EXPECT_EQ(kernels::plan_linear_forward(m, n, k, {kH200, dummy, partial_bytes}).splits, 1);
  EXPECT_EQ(kernels::plan_linear_forward(m, n, k, {kH200, dummy, 2 * partial_bytes}).splits, 2);
  EXPECT_EQ(kernels::plan_linear_forward(m, n, k, {kH200, dummy, 3 * partial_bytes}).splits, 3);
  // Large layers never split, whatever the workspace.
  const LaunchPlan big = kernels::plan_linear_forward(4096, 784, 512, full_workspace(kH200));
  EXPECT_EQ(big.splits, 1);
  EXPECT_GE(big.tiles, kH200);
}

// The forward on the device; y and z poisoned beforehand.
struct Forward {
  Strided y, z;
};

Forward run_forward(linactHandle_t h, const LayerData& d) {
  const Problem& p = d.p;
  Forward r{Strided(p.m, p.n, p.ldy(), p.offset, poison()), Strided(p.m, p.n, p.n, 0, poison())};
  DeviceCopy x(d.x), w(d.w), bias(d.bias), y(r.y), z(r.z);
  const linactLinearDesc_t desc = p.desc();
  EXPECT_EQ(linactLinearForward(h, &desc, x.ptr(), w.ptr(), p.bias ? bias.ptr() : nullptr, y.ptr(),
                                d.saves_z() ? z.ptr() : nullptr),
            LINACT_STATUS_SUCCESS)
      << linactGetLastError(h);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  r.y.data = y.buffer.download();
  r.z.data = z.buffer.download();
  return r;
}

::testing::AssertionResult bitwise_equal(const std::vector<float>& a, const std::vector<float>& b,
                                         const char* what) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i]
                                           << " on one run and " << b[i] << " on another";
    }
  }
  return ::testing::AssertionSuccess();
}

Problem make(int64_t m, int64_t n, int64_t k, Activation act, float alpha) {
  Problem p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.act = act;
  p.alpha = alpha;
  return p;
}

// Split shapes: a GAN layer with 16-byte loads, and odd strides at an offset (scalar loads and
// partial tails in every split range).
Problem gan_784_512() {
  return make(64, 512, 784, Activation::kGelu, 0.0f);
}
Problem odd_layout(int64_t m, int64_t n, int64_t k) {
  Problem p = make(m, n, k, Activation::kLeakyRelu, -0.3f);
  p.pad_x = 3;
  p.pad_w = 1;
  p.pad_y = 5;
  p.offset = 1;
  return p;
}

class SplitReduction : public HandleTest {
 protected:
  int64_t multiprocessors_ = device_multiprocessors();
  LaunchResources own() const { return full_workspace(multiprocessors_); }
};

TEST_F(SplitReduction, ForwardMatchesReferenceAndRepeatsBitwise) {
  for (const Problem& p : {gan_784_512(), odd_layout(37, 45, 300)}) {
    SCOPED_TRACE(p.name());
    ASSERT_GT(kernels::plan_linear_forward(p.m, p.n, p.k, own()).splits, 1);
    const LayerData d(p, 11);
    const Forward first = run_forward(handle_, d);
    EXPECT_TRUE(matches(first.y, d.y, p.k, "y"));
    if (d.saves_z()) EXPECT_TRUE(matches(first.z, d.z, p.k, "z"));
    for (int run = 1; run < 3; ++run) {
      const Forward again = run_forward(handle_, d);
      EXPECT_TRUE(bitwise_equal(again.y.data, first.y.data, "y"));
      EXPECT_TRUE(bitwise_equal(again.z.data, first.z.data, "z"));
    }
  }
}

TEST_F(SplitReduction, InputGradientMatchesReferenceAndRepeatsBitwise) {
  for (const Problem& p : {gan_784_512(), odd_layout(37, 300, 45)}) {
    SCOPED_TRACE(p.name());
    ASSERT_GT(kernels::plan_linear_backward_data(p.m, p.n, p.k, own()).splits, 1);
    const LayerData d(p, 12);
    Gradients first = Gradients::poisoned(p, true, false, false);
    Gradients want = first;
    ASSERT_EQ(run_backward(handle_, d, first, false), LINACT_STATUS_SUCCESS)
        << linactGetLastError(handle_);
    reference_backward(d, want, false);
    EXPECT_TRUE(matches(first.dx, want.dx, p.n, "dx"));
    for (int run = 1; run < 3; ++run) {
      Gradients again = Gradients::poisoned(p, true, false, false);
      ASSERT_EQ(run_backward(handle_, d, again, false), LINACT_STATUS_SUCCESS);
      EXPECT_TRUE(bitwise_equal(again.dx.data, first.dx.data, "dx"));
    }
  }
}

// dw and db of the discriminator's last layer at batch 2048, and an odd layout; overwriting and
// accumulating; with dw, and db alone.
TEST_F(SplitReduction, WeightGradientMatchesReferenceAndRepeatsBitwise) {
  Problem last = make(2048, 1, 128, Activation::kSigmoid, 0.0f);
  for (const Problem& p : {last, odd_layout(300, 45, 37)}) {
    for (bool with_dw : {true, false}) {
      for (bool accumulate : {false, true}) {
        SCOPED_TRACE(p.name() + (with_dw ? "" : ", db only") + (accumulate ? ", accumulate" : ""));
        ASSERT_GT(kernels::plan_linear_backward_weight(p.m, p.n, p.k, with_dw, true, own()).splits,
                  1);
        const LayerData d(p, 13);
        Gradients start = Gradients::poisoned(p, false, with_dw, true);
        if (accumulate) {
          std::mt19937 rng(7);
          if (with_dw) fill_uniform(start.dw, rng);
          fill_uniform(start.db, rng);
        }
        Gradients first = start;
        Gradients want = start;
        ASSERT_EQ(run_backward(handle_, d, first, accumulate), LINACT_STATUS_SUCCESS)
            << linactGetLastError(handle_);
        reference_backward(d, want, accumulate);
        if (with_dw) EXPECT_TRUE(matches(first.dw, want.dw, p.m, "dw"));
        EXPECT_TRUE(matches(first.db, want.db, p.m, "db"));
        if (!with_dw) EXPECT_TRUE(outside_untouched(first.dw.data, Strided(), "dw (not asked)"));
        for (int run = 1; run < 3; ++run) {
          Gradients again = start;
          ASSERT_EQ(run_backward(handle_, d, again, accumulate), LINACT_STATUS_SUCCESS);
          EXPECT_TRUE(bitwise_equal(again.dw.data, first.dw.data, "dw"));
          EXPECT_TRUE(bitwise_equal(again.db.data, first.db.data, "db"));
        }
      }
    }
  }
}

// A caller's workspace: `bytes` of it in use, followed by a guard the calls must leave alone.
struct UserWorkspace {
  static constexpr size_t kGuardFloats = 64;
  size_t floats;
  DeviceBuffer buffer;
  explicit UserWorkspace(size_t bytes)
      : floats(bytes / sizeof(float)), buffer(floats + kGuardFloats) {
    buffer.upload(std::vector<float>(floats + kGuardFloats, poison()));
  }
  size_t bytes() const { return floats * sizeof(float); }
};

TEST_F(SplitReduction, UserWorkspaceOfFullSizeGivesTheSameBits) {
  const Problem p = gan_784_512();
  const LayerData d(p, 14);
  const Forward own_result = run_forward(handle_, d);

  size_t bytes = 0;
  ASSERT_EQ(linactGetWorkspaceSize(handle_, &bytes), LINACT_STATUS_SUCCESS);
  EXPECT_EQ(bytes, kernels::split_workspace_bytes(multiprocessors_));
  UserWorkspace ws(bytes);
  ASSERT_EQ(linactSetWorkspace(handle_, ws.buffer.get(), ws.bytes()), LINACT_STATUS_SUCCESS)
      << linactGetLastError(handle_);
  const Forward user_result = run_forward(handle_, d);
  EXPECT_TRUE(bitwise_equal(user_result.y.data, own_result.y.data, "y"));
  EXPECT_TRUE(bitwise_equal(user_result.z.data, own_result.z.data, "z"));
  const std::vector<float> after = ws.buffer.download();
  EXPECT_FALSE(is_poison(after[0])) << "the split did not use the caller's workspace";
  for (size_t i = ws.floats; i < after.size(); ++i)
    ASSERT_TRUE(is_poison(after[i])) << "workspace guard element " << i - ws.floats << " written";

  // Back to the handle's own workspace.
  ASSERT_EQ(linactSetWorkspace(handle_, nullptr, 0), LINACT_STATUS_SUCCESS);
  EXPECT_TRUE(bitwise_equal(run_forward(handle_, d).y.data, own_result.y.data, "y"));
}

// Room for one partial tile set is no room for a split: the unsplit path runs and leaves the
// buffer alone. Room for two gives a two-way split within the buffer.
TEST_F(SplitReduction, SmallUserWorkspaceSplitsLessOrNotAtAll) {
  const Problem p = gan_784_512();
  const LayerData d(p, 15);
  const size_t partial_bytes = static_cast<size_t>(p.m * p.n) * sizeof(float);
  for (size_t partials : {0, 1, 2}) {
    SCOPED_TRACE(std::to_string(partials) + " partials' room");
    UserWorkspace ws(partials * partial_bytes + sizeof(float));
    LaunchResources res{multiprocessors_, ws.buffer.get(), ws.bytes()};
    const int64_t splits = kernels::plan_linear_forward(p.m, p.n, p.k, res).splits;
    EXPECT_EQ(splits, partials < 2 ? 1 : 2);
    ASSERT_EQ(linactSetWorkspace(handle_, ws.buffer.get(), ws.bytes()), LINACT_STATUS_SUCCESS);
    const Forward r = run_forward(handle_, d);
    EXPECT_TRUE(matches(r.y, d.y, p.k, "y"));
    EXPECT_TRUE(matches(r.z, d.z, p.k, "z"));
    const std::vector<float> after = ws.buffer.download();
    const size_t used = static_cast<size_t>(splits > 1 ? splits : 0) * partial_bytes / 4;
    for (size_t i = used; i < after.size(); ++i)
      ASSERT_TRUE(is_poison(after[i])) << "workspace element " << i << " written";
  }
}

TEST_F(SplitReduction, SetWorkspaceRejectsBadArguments) {
  EXPECT_EQ(linactSetWorkspace(nullptr, nullptr, 0), LINACT_STATUS_INVALID_VALUE);
  EXPECT_EQ(linactSetWorkspace(handle_, nullptr, 1024), LINACT_STATUS_INVALID_VALUE);
  EXPECT_NE(std::string(linactGetLastError(handle_)).find("workspace is NULL with bytes 1024"),
            std::string::npos)
      << linactGetLastError(handle_);
  DeviceBuffer buffer(64);
  EXPECT_EQ(linactSetWorkspace(handle_, buffer.get() + 1, 128), LINACT_STATUS_INVALID_VALUE);
  EXPECT_NE(std::string(linactGetLastError(handle_)).find("not 16-byte aligned"), std::string::npos)
      << linactGetLastError(handle_);
  size_t bytes = 0;
  EXPECT_EQ(linactGetWorkspaceSize(nullptr, &bytes), LINACT_STATUS_INVALID_VALUE);
  EXPECT_EQ(linactGetWorkspaceSize(handle_, nullptr), LINACT_STATUS_INVALID_VALUE);
}

}  // namespace
}  // namespace linact::test
