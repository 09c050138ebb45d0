// One Linear layer, forward and backward (dx, dW, db), on the GPU: linact against cuBLAS plus
// separate kernels, cuBLAS GEMMs alone, and cuBLASLt's epilogues.
//
// With --verify, instead: every implementation once on the same inputs, compared (layer_op.h).
//
// Names read layer/<pass>/<implementation>/<activation>/<shape>/m:<batch>/n:<out>/k:<in>.
// Counters: TFLOP/s (2mnk per product) and GB/s (each tensor of linact's interface read or
// written once), the same work for every implementation of a case, so the rates compare.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "bench_main.h"
#include "layer_op.h"
#include "support.h"

namespace linact_bench {
namespace {

using linact::Activation;

constexpr LayerShape kGanLayers[] = {
    {"G1", 0, 128, 100}, {"G2", 0, 256, 128}, {"G3", 0, 512, 256}, {"G4", 0, 784, 512},
    {"D1", 0, 512, 784}, {"D2", 0, 256, 512}, {"D3", 0, 128, 256}, {"D4", 0, 1, 128},
};
constexpr int64_t kGanBatches[] = {64, 256, 1024, 4096};
constexpr int64_t kSquareSizes[] = {1024, 4096, 8192};

constexpr Activation kAllActivations[] = {
    Activation::kIdentity, Activation::kRelu, Activation::kLeakyRelu, Activation::kSigmoid,
    Activation::kTanh,     Activation::kGelu, Activation::kGeluTanh,  Activation::kSilu,
};
// On large squares the GEMM dominates and the activation hardly matters: the activations
// cuBLASLt can also fuse are enough there, and keep the run inside its time budget.
constexpr Activation kSquareActivations[] = {Activation::kIdentity, Activation::kRelu,
                                             Activation::kGeluTanh};

constexpr int kWarmup = 3;

// Rough time of a case on an H200-class GPU, used only to pick the iteration count.
double estimate_seconds(const LayerCase& c) {
  constexpr double kAssumedFlops = 30e12;
  constexpr double kAssumedBytes = 3e12;
  constexpr double kLaunch = 5e-6;
  return std::max(layer_flops(c) / kAssumedFlops, layer_bytes(c) / kAssumedBytes) + kLaunch;
}

using OpFactory = std::function<std::unique_ptr<LayerOp>(const LayerCase&)>;

void run_case(benchmark::State& state, const LayerCase& c, const OpFactory& make) {
  if (budget_spent()) {
    state.SkipWithError("LINACT_BENCH_BUDGET_S spent before this case started; not run");
    return;
  }
  std::unique_ptr<LayerOp> op;
  try {
    op = make(c);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  time_on_gpu(state, kWarmup, true, [&](int i) { op->run(i % op->sets()); });
  state.counters["TFLOP/s"] =
      benchmark::Counter(layer_flops(c) * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] =
      benchmark::Counter(layer_bytes(c) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

std::string case_name(const LayerCase& c, const std::string& impl, const char* act) {
  const auto& s = c.shape;
  return std::string("layer/") + (c.pass == Pass::kForward ? "forward/" : "backward/") + impl +
         "/" + act + "/" + s.name + "/m:" + std::to_string(s.m) + "/n:" + std::to_string(s.n) +
         "/k:" + std::to_string(s.k);
}

void add(const LayerCase& c, const std::string& impl, const char* act, OpFactory make) {
  benchmark::RegisterBenchmark(case_name(c, impl, act).c_str(),
                               [c, make](benchmark::State& st) { run_case(st, c, make); })
      ->UseManualTime()
      ->Iterations(iterations_for(estimate_seconds(c)))
      ->Unit(benchmark::kMicrosecond);
}

void register_shape(const LayerShape& shape, const Activation* acts, size_t num_acts) {
  for (Pass pass : {Pass::kForward, Pass::kBackward}) {
    // The GEMM-only floor does not depend on the activation: once per shape and pass.
    add(LayerCase{shape, Activation::kIdentity, pass}, "cublas_gemm_only", "none",
        make_gemm_only_op);
    for (size_t a = 0; a < num_acts; ++a) {
      const LayerCase c{shape, acts[a], pass};
      const char* act = linact::activation_name(acts[a]);
      add(c, "linact", act, make_linact_op);
      add(c, "cublas", act, make_cublas_op);
      for (const LtVariant& v : lt_variants(c)) {
        add(c, v.name, act, [v](const LayerCase& lc) { return make_cublaslt_op(lc, v); });
      }
    }
  }
}

void register_all() {
  for (int64_t batch : kGanBatches) {
    for (LayerShape shape : kGanLayers) {
      shape.m = batch;
      register_shape(shape, kAllActivations, std::size(kAllActivations));
    }
  }
  for (int64_t size : kSquareSizes) {
    register_shape(LayerShape{"S", size, size, size}, kSquareActivations,
                   std::size(kSquareActivations));
  }
}

}  // namespace
}  // namespace linact_bench

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--verify") {
    return linact_bench::gpu_present(argv[0]) ? linact_bench::verify_layers() : 2;
  }
  linact_bench::register_all();
  return linact_bench::bench_main(argc, argv);
}
