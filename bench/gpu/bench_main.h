// The parts of a GPU benchmark executable that are not about one operation: the main function
// with linact's defaults, the time budget, and the timing loop.
#ifndef LINACT_BENCH_GPU_BENCH_MAIN_H_
#define LINACT_BENCH_GPU_BENCH_MAIN_H_

#include <benchmark/benchmark.h>

#include <functional>

namespace linact_bench {

// Runs the registered benchmarks. Defaults come first on the command line so the caller's
// flags override them: 5 repetitions, aggregates only (median, mean, stddev, cv).
// LINACT_BENCH_BUDGET_S in the environment caps the run: cases that start after that many
// seconds are skipped with a message, so a run cut short still writes its JSON.
int bench_main(int argc, char** argv);

bool budget_spent();

// False, with a message naming the program, when no CUDA GPU can be used.
bool gpu_present(const char* program);

// Iterations per repetition for an operation estimated to take `seconds`: enough for about
// 2 ms of device time, at least 3 and at most 50.
int iterations_for(double seconds);

// The timing loop shared by every case. `run(i)` enqueues iteration i's work on the benchmark
// stream. With `queue_ahead`, a delay kernel first keeps the GPU busy while the work is
// enqueued, so the events measure device time; without it they also measure the host's launch
// cost (the end-to-end view of an eager training step). Any exception skips the case with its
// message.
void time_on_gpu(benchmark::State& state, int warmup, bool queue_ahead,
                 const std::function<void(int)>& run);

}  // namespace linact_bench

#endif  // LINACT_BENCH_GPU_BENCH_MAIN_H_
