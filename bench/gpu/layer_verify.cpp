// --verify: the implementations a benchmark compares must compute the same function, or their
// times mean nothing. Each runs once on set 0, which holds the same inputs in all of them, and
// its outputs are compared with the cuBLAS comparator's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "layer_op.h"
#include "support.h"

namespace linact_bench {
namespace {

using linact::Activation;

constexpr LayerShape kGanLayers[] = {
    {"G1", 0, 128, 100}, {"G2", 0, 256, 128}, {"G3", 0, 512, 256}, {"G4", 0, 784, 512},
    {"D1", 0, 512, 784}, {"D2", 0, 256, 512}, {"D3", 0, 128, 256}, {"D4", 0, 1, 128},
};
constexpr int64_t kBatches[] = {64, 256};
constexpr Activation kActivations[] = {
    Activation::kIdentity, Activation::kRelu, Activation::kLeakyRelu, Activation::kSigmoid,
    Activation::kTanh,     Activation::kGelu, Activation::kGeluTanh,  Activation::kSilu,
};

std::vector<float> download(const RotatingTensors& t, int slot, int64_t count) {
  std::vector<float> host(static_cast<size_t>(count));
  LINACT_BENCH_CUDA_CHECK(
      cudaMemcpy(host.data(), t.get(slot, 0), host.size() * sizeof(float), cudaMemcpyDeviceToHost));
  return host;
}

// ||out - ref|| / ||ref||, in double; NaN when either holds a non-finite value.
double relative_error(const std::vector<float>& out, const std::vector<float>& ref) {
  double diff = 0.0;
  double norm = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(out[i]) || !std::isfinite(ref[i])) return NAN;
    const double d = static_cast<double>(out[i]) - ref[i];
    diff += d * d;
    norm += static_cast<double>(ref[i]) * ref[i];
  }
  return norm > 0.0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

struct Output {
  const char* name;
  int slot;
  int64_t count;
};

std::vector<Output> outputs(const LayerCase& c) {
  const auto& s = c.shape;
  if (c.pass == Pass::kForward) return {{"y", kSlotY, s.m * s.n}};
  return {{"dx", kSlotDx, s.m * s.k}, {"dw", kSlotDw, s.n * s.k}, {"db", kSlotDb, s.n}};
}

// Worst error of `op` against `ref` over the case's outputs; prints one line.
double compare(const LayerCase& c, const char* impl, LayerOp& op, const LayerOp& ref) {
  double worst = 0.0;
  std::string detail;
  for (const Output& o : outputs(c)) {
    const double e = relative_error(download(*op.tensors(), o.slot, o.count),
                                    download(*ref.tensors(), o.slot, o.count));
    worst = std::isnan(e) || std::isnan(worst) ? NAN : std::max(worst, e);
    char buf[64];
    std::snprintf(buf, sizeof(buf), " %s %.2e", o.name, e);
    detail += buf;
  }
  const bool ok = !std::isnan(worst) && worst <= kVerifyTolerance;
  std::printf("%-4s %-8s %-10s %-3s b%-4lld %-24s%s\n", ok ? "ok" : "BAD",
              c.pass == Pass::kForward ? "forward" : "backward", linact::activation_name(c.act),
              c.shape.name, static_cast<long long>(c.shape.m), impl, detail.c_str());
  return worst;
}

}  // namespace

int verify_layers() {
  int bad = 0;
  int compared = 0;
  std::printf("relative error ||out - cublas|| / ||cublas||, tolerance %.0e\n", kVerifyTolerance);
  try {
    const cudaStream_t stream = handles().stream;
    for (int64_t batch : kBatches) {
      for (LayerShape shape : kGanLayers) {
        shape.m = batch;
        for (Pass pass : {Pass::kForward, Pass::kBackward}) {
          for (Activation act : kActivations) {
            const LayerCase c{shape, act, pass};
            auto ref = make_cublas_op(c);
            auto lin = make_linact_op(c);
            std::vector<std::pair<std::string, std::unique_ptr<LayerOp>>> others;
            others.emplace_back("linact", std::move(lin));
            if (pass == Pass::kForward) {
              for (const LtVariant& v : lt_variants(c)) {
                try {
                  others.emplace_back(v.name, make_cublaslt_op(c, v));
                } catch (const std::exception& e) {
                  std::printf("skip %s: %s\n", v.name, e.what());
                }
              }
            }
            ref->run(0);
            for (auto& [name, op] : others)
              op->run(0);
            LINACT_BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
            for (auto& [name, op] : others) {
              const double e = compare(c, name.c_str(), *op, *ref);
              ++compared;
              if (std::isnan(e) || e > kVerifyTolerance) ++bad;
            }
          }
        }
      }
    }
  } catch (const std::exception& e) {
    std::printf("verify stopped: %s\n", e.what());
    return 2;
  }
  std::printf("%d of %d comparisons beyond tolerance\n", bad, compared);
  return bad == 0 ? 0 : 1;
}

}  // namespace linact_bench
