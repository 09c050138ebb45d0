// The CUDA backend's code path (graph capture and replay, linact's Linear, loss and Adam) run on
// the emulator against the CPU backend: same seed, same data, same steps.
#include "cuda/cuda_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "cpu/cpu_backend.h"
#include "test_support.h"
#include "trainer.h"

namespace linact::host {
namespace {

// The two backends sum in different orders (OpenBLAS's blocking against the kernels' tiles), so
// values may differ by float rounding: measured on the emulator, one value of the 24 differs, by
// one ulp (1.2e-7 relative). Adam turns a gradient's sign into a step of lr whatever its size,
// so where a gradient is near zero a rounding difference can flip a step and grow over the
// steps; 1e-4 relative leaves room for that on other GPUs and BLAS builds. A real bug (a wrong
// gradient, a missed layer, a stale weight) moves the losses by 1e-2 or more.
constexpr double kLossRelTol = 1e-4;
// After one step the largest gap between the backends' Adam moments, over the largest moment,
// measured 5.6e-7 on the emulator (D's exp_avg_sq; the others 1.4e-7 to 2.3e-7); 1e-5 leaves
// room for other GPUs and BLAS builds.
constexpr double kMomentRelTol = 1e-5;

// Small widths and batch 8: the emulator runs every thread of every kernel on the CPU.
GanConfig emulator_config() {
  GanConfig config = testing::tiny_config(8);
  config.generator.widths = {8, 16, kImagePixels};
  config.discriminator.widths = {kImagePixels, 16, 8, 1};
  return config;
}

struct Losses {
  std::vector<StepStats> steps;
  GanState state;
};

Losses run(Backend& backend, const GanConfig& config, Rng rng, const std::vector<float>& images) {
  Trainer trainer(config, backend, rng);
  Losses out;
  const auto count = static_cast<int64_t>(images.size() / kImagePixels);
  for (int e = 0; e < 2; ++e) {
    trainer.run_epoch(images.data(), count, [&](int64_t, int64_t, const StepStats& s, int64_t) {
      out.steps.push_back(s);
    });
  }
  out.state = backend.state();
  return out;
}

TEST(CudaBackendOnEmulator, LossesAgreeWithCpuBackendOnSameSeedAndData) {
  const GanConfig config = emulator_config();
  const auto images = testing::synthetic_images(20);  // 3 steps per epoch, the last of 4 rows

  Rng rng(config.seed);
  const GanState initial = initial_state(config, rng);
  cpu::CpuBackend cpu_backend(config, initial);
  cuda::CudaBackend cuda_backend(config, initial);
  const Losses want = run(cpu_backend, config, rng, images);
  const Losses got = run(cuda_backend, config, rng, images);

  ASSERT_EQ(got.steps.size(), 6u);
  ASSERT_EQ(want.steps.size(), 6u);
  for (size_t i = 0; i < got.steps.size(); ++i) {
    for (auto [name, g, w] : {std::tuple{"d_loss", got.steps[i].d_loss, want.steps[i].d_loss},
                              {"g_loss", got.steps[i].g_loss, want.steps[i].g_loss},
                              {"d_real", got.steps[i].d_real, want.steps[i].d_real},
                              {"d_fake", got.steps[i].d_fake, want.steps[i].d_fake}}) {
      const double tol = kLossRelTol * std::fabs(w);
      EXPECT_NEAR(g, w, tol) << name << " step " << i << " cuda " << g << " cpu " << w
                             << " tolerance " << tol;
    }
  }
  EXPECT_EQ(got.state.generator.step, 6);
  EXPECT_EQ(got.state.discriminator.step, 6);
}

TEST(CudaBackendOnEmulator, StateRoundTripsAndReplayIsDeterministic) {
  const GanConfig config = emulator_config();
  const auto images = testing::synthetic_images(20);
  Rng rng(config.seed);
  const GanState initial = initial_state(config, rng);
  cuda::CudaBackend a(config, initial), b(config, initial);
  EXPECT_EQ(a.state().generator.params, initial.generator.params);
  const Losses first = run(a, config, rng, images);
  const Losses second = run(b, config, rng, images);
  for (size_t i = 0; i < first.steps.size(); ++i) {
    EXPECT_EQ(first.steps[i].d_loss, second.steps[i].d_loss) << "step " << i;
    EXPECT_EQ(first.steps[i].g_loss, second.steps[i].g_loss) << "step " << i;
  }
  EXPECT_EQ(first.state.generator.params, second.state.generator.params);

  std::vector<float> z(3 * config.noise_dim()), out(3 * kImagePixels);
  Rng(1).fill_normal(z.data(), static_cast<int64_t>(z.size()));
  a.generate(z.data(), 3, out.data());
  for (float v : out)
    ASSERT_TRUE(v >= -1.0f && v <= 1.0f) << v;
}

// The largest |got - want| over the largest |want|, or -1 when the sizes differ.
double relative_gap(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return -1.0;
  double gap = 0.0, scale = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    gap = std::max(gap, std::fabs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
  }
  return gap / scale;
}

// The Adam moments after one step are linear in the step's gradients, so they carry the float
// rounding of the two backends and nothing larger. The CPU backend's steps are tested to update
// their own network only (cpu_backend_test); the CUDA backend captures both updates in one
// graph, and an update that reached the wrong network (a gradient applied to the generator in
// the discriminator's step, a moment written twice) would move its moments by far more than
// rounding, where the losses alone might hide it.
TEST(CudaBackendOnEmulator, AdamMomentsAfterOneStepAgreeWithCpuBackend) {
  const GanConfig config = emulator_config();
  const auto real = testing::synthetic_images(8);
  Rng rng(config.seed);
  const GanState initial = initial_state(config, rng);
  std::vector<float> noise(8 * config.noise_dim());
  rng.fill_normal(noise.data(), static_cast<int64_t>(noise.size()));
  cpu::CpuBackend cpu_backend(config, initial);
  cuda::CudaBackend cuda_backend(config, initial);
  cpu_backend.train_step(real.data(), noise.data(), 8);
  cuda_backend.train_step(real.data(), noise.data(), 8);
  const GanState want = cpu_backend.state();
  const GanState got = cuda_backend.state();

  for (auto [name, g, w] :
       {std::tuple{"D exp_avg", &got.discriminator.exp_avg, &want.discriminator.exp_avg},
        {"D exp_avg_sq", &got.discriminator.exp_avg_sq, &want.discriminator.exp_avg_sq},
        {"G exp_avg", &got.generator.exp_avg, &want.generator.exp_avg},
        {"G exp_avg_sq", &got.generator.exp_avg_sq, &want.generator.exp_avg_sq}}) {
    const double gap = relative_gap(*g, *w);
    EXPECT_GE(gap, 0.0) << name << ": " << g->size() << " values, the CPU backend has "
                        << w->size();
    EXPECT_LE(gap, kMomentRelTol) << name << ": largest gap over largest value";
  }
  EXPECT_EQ(got.generator.step, 1);
  EXPECT_EQ(got.discriminator.step, 1);
}

}  // namespace
}  // namespace linact::host
