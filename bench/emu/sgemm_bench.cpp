// Emulated run time of the sample tiled SGEMM: one launch per iteration, all blocks on the
// worker pool, timed from the host.
#include <vector>

#include <benchmark/benchmark.h>

#include "sgemm_kernels.cuh"

namespace {

void BM_EmulatedTiledSgemm(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const size_t count = static_cast<size_t>(size) * size;
  std::vector<float> host(count, 1.0f);
  float *a = nullptr, *b = nullptr, *c = nullptr;
  if (cudaMalloc(&a, count * sizeof(float)) != cudaSuccess ||
      cudaMalloc(&b, count * sizeof(float)) != cudaSuccess ||
      cudaMalloc(&c, count * sizeof(float)) != cudaSuccess) {
    state.SkipWithError("cudaMalloc failed");
    return;
  }
  cudaMemcpy(a, host.data(), count * sizeof(float), cudaMemcpyHostToDevice);
  cudaMemcpy(b, host.data(), count * sizeof(float), cudaMemcpyHostToDevice);
  for (auto _ : state) {
    LINACT_LAUNCH(emu_sample::sgemm_grid(size, size), emu_sample::kThreads, 0, nullptr,
                  emu_sample::sgemm_tiled)
    (size, size, size, a, b, c);
  }
  if (cudaGetLastError() != cudaSuccess) state.SkipWithError("launch failed");
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * size * size * size, benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
}

BENCHMARK(BM_EmulatedTiledSgemm)->Arg(256)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
