// One training step of the default GAN (see gan_step.h), linact's fused layers against cuBLAS
// plus separate kernels, each launched eagerly and replayed from a CUDA graph.
//
// Names read gan_step/<implementation>/<eager|graph>/batch:<B>. Events bracket each whole step
// with nothing queued ahead, so eager times include the host's launch cost, as in training.
// Counters: images/s (the batch per step) and the last step's three losses, which let a reader
// check that both implementations train the same model the same way.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_main.h"
#include "gan_step.h"
#include "support.h"

namespace linact_bench {
namespace {

constexpr int64_t kWidestLayer = 784;

class Graph {
 public:
  explicit Graph(GanStep& step) {
    const cudaStream_t stream = handles().stream;
    LINACT_BENCH_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      step.step();
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(stream, &broken);
      if (broken != nullptr) cudaGraphDestroy(broken);
      throw;
    }
    LINACT_BENCH_CUDA_CHECK(cudaStreamEndCapture(stream, &graph_));
    LINACT_BENCH_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
  }
  ~Graph() {
    if (exec_ != nullptr) cudaGraphExecDestroy(exec_);
    if (graph_ != nullptr) cudaGraphDestroy(graph_);
  }
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  void launch() { LINACT_BENCH_CUDA_CHECK(cudaGraphLaunch(exec_, handles().stream)); }

 private:
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

void run_step(benchmark::State& state, bool fused, bool graph, int64_t batch) {
  if (budget_spent()) {
    state.SkipWithError("LINACT_BENCH_BUDGET_S spent before this case started; not run");
    return;
  }
  std::unique_ptr<GanStep> step;
  std::unique_ptr<Graph> replay;
  try {
    auto runner = fused ? make_linact_runner() : make_cublas_runner(2 * batch, kWidestLayer);
    step = std::make_unique<GanStep>(batch, std::move(runner));
    // One eager step first: whatever the libraries set up lazily happens outside the capture.
    step->step();
    LINACT_BENCH_CUDA_CHECK(cudaStreamSynchronize(handles().stream));
    if (graph) replay = std::make_unique<Graph>(*step);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  time_on_gpu(state, kStepWarmup, false, [&](int) {
    if (replay) {
      replay->launch();
    } else {
      step->step();
    }
  });
  if (state.error_occurred()) return;
  state.SetItemsProcessed(state.iterations() * batch);
  try {
    const auto losses = step->losses();
    state.counters["loss_d_real"] = losses[0];
    state.counters["loss_d_fake"] = losses[1];
    state.counters["loss_g"] = losses[2];
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void register_all() {
  for (int64_t batch : kStepBatches) {
    for (bool fused : {true, false}) {
      for (bool graph : {false, true}) {
        const std::string name = std::string("gan_step/") + (fused ? "linact" : "cublas") + "/" +
                                 (graph ? "graph" : "eager") + "/batch:" + std::to_string(batch);
        benchmark::RegisterBenchmark(
            name.c_str(), [=](benchmark::State& st) { run_step(st, fused, graph, batch); })
            ->UseManualTime()
            ->Iterations(kStepIterations)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace linact_bench

int main(int argc, char** argv) {
  linact_bench::register_all();
#if LINACT_BENCH_WITH_RUNNER
  linact_bench::register_runner_cases();
#endif
  return linact_bench::bench_main(argc, argv);
}
