// Main function, budget and timing loop of the GPU benchmark executables.
#include "bench_main.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "support.h"

namespace linact_bench {
namespace {

using Clock = std::chrono::steady_clock;
const Clock::time_point kProcessStart = Clock::now();

// Long enough to cover the host's enqueueing of the slowest timed sequence (a dozen launches).
constexpr double kQueueAheadMicroseconds = 60.0;

double budget_seconds() {
  static const double budget = [] {
    const char* v = std::getenv("LINACT_BENCH_BUDGET_S");
    return v != nullptr ? std::atof(v) : 0.0;
  }();
  return budget;
}

bool has_flag(int argc, char** argv, const char* prefix) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
  }
  return false;
}

void add_device_context() {
  int device = 0;
  cudaDeviceProp prop{};
  int driver = 0;
  int runtime = 0;
  LINACT_BENCH_CUDA_CHECK(cudaGetDevice(&device));
  LINACT_BENCH_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  LINACT_BENCH_CUDA_CHECK(cudaDriverGetVersion(&driver));
  LINACT_BENCH_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  benchmark::AddCustomContext("gpu_name", prop.name);
  benchmark::AddCustomContext("gpu_sm", std::to_string(prop.major * 10 + prop.minor));
  benchmark::AddCustomContext("gpu_multiprocessors", std::to_string(prop.multiProcessorCount));
  benchmark::AddCustomContext("gpu_l2_bytes", std::to_string(prop.l2CacheSize));
  benchmark::AddCustomContext("cuda_driver_version", std::to_string(driver));
  benchmark::AddCustomContext("cuda_runtime_version", std::to_string(runtime));
  benchmark::AddCustomContext("comparator_math", comparators_use_tf32() ? "tf32" : "fp32");
  benchmark::AddCustomContext("timing",
                              "CUDA events per iteration (gan_step/runner: a host clock around "
                              "its synchronous step); layer inputs rotated over sets spanning 4x "
                              "the L2 size");
}

}  // namespace

bool budget_spent() {
  const double budget = budget_seconds();
  if (budget <= 0.0) return false;
  return std::chrono::duration<double>(Clock::now() - kProcessStart).count() > budget;
}

bool gpu_present(const char* program) {
  int devices = 0;
  const cudaError_t err = cudaGetDeviceCount(&devices);
  if (err == cudaSuccess && devices > 0) return true;
  std::fprintf(stderr, "%s: no CUDA GPU found (%s); it needs one.\n", program,
               err != cudaSuccess ? cudaGetErrorString(err) : "0 devices");
  return false;
}

int iterations_for(double seconds) {
  constexpr double kTarget = 2e-3;
  const double n = std::ceil(kTarget / std::max(seconds, 1e-7));
  return static_cast<int>(std::clamp(n, 3.0, 50.0));
}

void time_on_gpu(benchmark::State& state, int warmup, bool queue_ahead,
                 const std::function<void(int)>& run) {
  if (budget_spent()) {
    state.SkipWithError("LINACT_BENCH_BUDGET_S spent before this case started; not run");
    return;
  }
  try {
    const cudaStream_t stream = handles().stream;
    EventTimer timer;
    for (int i = 0; i < warmup; ++i)
      run(i);
    LINACT_BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));

    int i = warmup;
    for (auto _ : state) {
      if (queue_ahead) launch_delay(kQueueAheadMicroseconds, stream);
      timer.start(stream);
      run(i++);
      timer.stop(stream);
      state.SetIterationTime(timer.seconds());
    }
    LINACT_BENCH_CUDA_CHECK(cudaGetLastError());
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

int bench_main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  static char reps[] = "--benchmark_repetitions=5";
  static char aggregates[] = "--benchmark_report_aggregates_only=true";
  args.insert(args.begin() + 1, {reps, aggregates});
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

  if (!has_flag(argc, argv, "--benchmark_list_tests")) {
    if (!gpu_present(argv[0])) return 2;
    try {
      add_device_context();
      handles();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
      return 1;
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace linact_bench
