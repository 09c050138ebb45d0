// The CUDA backend's code path (graph capture and replay, linact's Linear, loss and Adam) against
// the CPU backend: same seed, same data, same steps. The file builds twice: on the emulator
// (host_cuda_cuda_backend_test) and against the nvcc flavour (host_cuda_cuda_backend_test_gpu,
// run where a GPU is present).
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
// measured on the emulator: 5.6e-7 for the small GAN (D's exp_avg_sq; the others 1.4e-7 to
// 2.3e-7) and 1.1e-6 for the default one (D's exp_avg_sq; the others 3.0e-7 to 8.8e-7). The
// step's losses were equal to the last bit in both. 1e-5 leaves room for other GPUs and BLAS
// builds.
constexpr double kMomentRelTol = 1e-5;

// Small widths and batch 8: the emulator runs every thread of every kernel on the CPU.
GanConfig small_config() {
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

TEST(CudaBackend, LossesAgreeWithCpuBackendOnSameSeedAndData) {
  const GanConfig config = small_config();
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

TEST(CudaBackend, StateRoundTripsAndReplayIsDeterministic) {
  const GanConfig config = small_config();
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
// rounding, where the losses alone might hide it. The step's losses come from the same
// gradients' forward passes and are compared too.
void expect_one_step_agrees(const GanConfig& config) {
  const int64_t batch = config.batch_size;
  const auto real = testing::synthetic_images(batch);
  Rng rng(config.seed);
  const GanState initial = initial_state(config, rng);
  std::vector<float> noise(static_cast<size_t>(batch * config.noise_dim()));
  rng.fill_normal(noise.data(), static_cast<int64_t>(noise.size()));
  cpu::CpuBackend cpu_backend(config, initial);
  cuda::CudaBackend cuda_backend(config, initial);
  const StepStats want_stats = cpu_backend.train_step(real.data(), noise.data(), batch);
  const StepStats got_stats = cuda_backend.train_step(real.data(), noise.data(), batch);
  const GanState want = cpu_backend.state();
  const GanState got = cuda_backend.state();

  for (auto [name, g, w] : {std::tuple{"d_loss", got_stats.d_loss, want_stats.d_loss},
                            {"g_loss", got_stats.g_loss, want_stats.g_loss},
                            {"d_real", got_stats.d_real, want_stats.d_real},
                            {"d_fake", got_stats.d_fake, want_stats.d_fake}}) {
    const double tol = kLossRelTol * std::fabs(w);
    EXPECT_NEAR(g, w, tol) << name << ": cuda " << g << " cpu " << w << " tolerance " << tol;
  }
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

TEST(CudaBackend, AdamMomentsAfterOneStepAgreeWithCpuBackend) {
  expect_one_step_agrees(small_config());
}

// The runner's default GAN at its default batch of 128: the kernels' large-layer tile shapes
// and split reductions, which the small widths above never reach.
TEST(CudaBackend, DefaultGanOneStepAgreesWithCpuBackend) {
  expect_one_step_agrees(GanConfig{});
}

// Two backends from the same state, fed the same batches, end bitwise equal: the kernels'
// reduction order depends on the shape and the device alone.
TEST(CudaBackend, DefaultGanTrainsDeterministically) {
  const GanConfig config;
  const auto images = testing::synthetic_images(2 * config.batch_size + 5);
  Rng rng(config.seed);
  const GanState initial = initial_state(config, rng);
  cuda::CudaBackend a(config, initial), b(config, initial);
  const Losses first = run(a, config, rng, images);
  const Losses second = run(b, config, rng, images);
  ASSERT_EQ(first.steps.size(), 6u);
  ASSERT_EQ(second.steps.size(), 6u);
  for (size_t i = 0; i < first.steps.size(); ++i) {
    EXPECT_EQ(first.steps[i].d_loss, second.steps[i].d_loss) << "step " << i;
    EXPECT_EQ(first.steps[i].g_loss, second.steps[i].g_loss) << "step " << i;
    EXPECT_TRUE(std::isfinite(first.steps[i].d_loss) && std::isfinite(first.steps[i].g_loss))
        << "step " << i << ": d_loss " << first.steps[i].d_loss << " g_loss "
        << first.steps[i].g_loss;
  }
  EXPECT_EQ(first.state.generator.params, second.state.generator.params);
  EXPECT_EQ(first.state.discriminator.params, second.state.discriminator.params);
  EXPECT_EQ(first.state.discriminator.exp_avg_sq, second.state.discriminator.exp_avg_sq);
  EXPECT_NE(first.state.generator.params, initial.generator.params);
}

}  // namespace
}  // namespace linact::host
