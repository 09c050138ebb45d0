// One GAN training step (G forward, D step on real and fake rows, G step) of the default model
// on the CPU backend, at the batch sizes and thread counts of the PyTorch comparison.
#include <benchmark/benchmark.h>

#include <vector>

#include "cpu/cpu_backend.h"
#include "rng.h"

namespace linact::host {
namespace {

void train_step(benchmark::State& state) {
  const int64_t batch = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  cpu::set_cpu_threads(threads);

  GanConfig config;
  config.batch_size = batch;
  Rng rng(config.seed);
  cpu::CpuBackend backend(config, initial_state(config, rng));
  std::vector<float> real(batch * kImagePixels), noise(batch * config.noise_dim());
  for (auto& v : real)
    v = rng.uniform(-1.0f, 1.0f);
  rng.fill_normal(noise.data(), static_cast<int64_t>(noise.size()));

  for (auto _ : state) {
    const StepStats s = backend.train_step(real.data(), noise.data(), batch);
    benchmark::DoNotOptimize(s);
  }
  state.counters["images/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(train_step)
    ->ArgNames({"batch", "threads"})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace linact::host

BENCHMARK_MAIN();
