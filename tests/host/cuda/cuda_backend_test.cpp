// The CUDA backend's code path (graph capture and replay, linact's Linear, loss and Adam) run on
// the emulator against the CPU backend: same seed, same data, same steps.
#include "cuda/cuda_backend.h"

#include <gtest/gtest.h>

#include <cmath>

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
  GanConfig config = testing::tiny_config(8);
  config.generator.widths = {8, 16, kImagePixels};
  config.discriminator.widths = {kImagePixels, 16, 8, 1};
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
  GanConfig config = testing::tiny_config(8);
  config.generator.widths = {8, 16, kImagePixels};
  config.discriminator.widths = {kImagePixels, 16, 8, 1};
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

}  // namespace
}  // namespace linact::host
