// The GAN training step as linact-gan takes it: the runner's CUDA backend (host/cuda), which
// copies the host batch and noise into pinned buffers, replays its captured graph of the whole
// step and waits for the losses on the host. The other gan_step cases keep their data on the
// device and never wait, so the gap between gan_step/linact/graph and gan_step/runner/graph is
// what the runner pays for being fed from host memory and reading its losses every step.
//
// Built into linact_bench_gan_step_gpu when the runner is configured (LINACT_BUILD_RUNNER), and
// registered after the other cases, so a run short of time drops these first. Names read
// gan_step/runner/graph/batch:<B>; the batches and iteration counts are gan_step.h's.
// The runner's own initialization and random host data feed it, so its losses (counters loss_d,
// the discriminator's real plus fake, and loss_g) are not the other cases'. The step is
// synchronous, so a host clock times it.
#include <benchmark/benchmark.h>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "backend.h"
#include "bench_main.h"
#include "cuda/cuda_backend.h"
#include "gan_step.h"
#include "model.h"
#include "rng.h"

namespace linact_bench {
namespace {

// Distinct host batches cycled through, so consecutive steps see different images.
constexpr int kBatchSets = 4;

void run_runner_step(benchmark::State& state, int64_t batch) {
  namespace host = linact::host;
  if (budget_spent()) {
    state.SkipWithError("LINACT_BENCH_BUDGET_S spent before this case started; not run");
    return;
  }
  host::GanConfig config;  // the runner's default GAN
  config.batch_size = batch;
  host::Rng rng(config.seed);
  std::unique_ptr<host::cuda::CudaBackend> backend;
  std::vector<float> real(static_cast<size_t>(kBatchSets * batch * host::kImagePixels));
  std::vector<float> noise(static_cast<size_t>(kBatchSets * batch * config.noise_dim()));
  for (float& v : real)
    v = rng.uniform(-1.0f, 1.0f);
  rng.fill_normal(noise.data(), static_cast<int64_t>(noise.size()));
  auto feed = [&](int i) {
    const int set = i % kBatchSets;
    return backend->train_step(real.data() + set * batch * host::kImagePixels,
                               noise.data() + set * batch * config.noise_dim(), batch);
  };

  host::StepStats last;
  try {
    backend = std::make_unique<host::cuda::CudaBackend>(config, host::initial_state(config, rng));
    // The first step captures the graph; the rest warm the caches and clocks.
    for (int i = 0; i < kStepWarmup; ++i)
      feed(i);
    int i = kStepWarmup;
    for (auto _ : state) {
      const auto t0 = std::chrono::steady_clock::now();
      last = feed(i++);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
      state.SetIterationTime(took.count());
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["loss_d"] = last.d_loss;
  state.counters["loss_g"] = last.g_loss;
}

}  // namespace

void register_runner_cases() {
  for (int64_t batch : kStepBatches) {
    const std::string name = "gan_step/runner/graph/batch:" + std::to_string(batch);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [=](benchmark::State& st) { run_runner_step(st, batch); })
        ->UseManualTime()
        ->Iterations(kStepIterations)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace linact_bench
