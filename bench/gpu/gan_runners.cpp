// The two layer runners of the GAN step: linact's fused calls, and cuBLAS SGEMM plus the
// separate kernels of baseline.h.
#include <cstring>

#include "baseline_linear.h"
#include "gan_step.h"
#include "linact/linact.h"

namespace linact_bench {
namespace {

class LinactRunner final : public LayerRunner {
 public:
  void forward(const GanLayer& l, int64_t m, const float* x, const float* w, const float* b,
               float* y, float* aux) override {
    const linactLinearDesc_t d = describe(l, m);
    const linactHandle_t h = handles().linact;
    LINACT_BENCH_LINACT_CHECK(h, linactLinearForward(h, &d, x, w, b, y, aux));
  }

  void backward(const GanLayer& l, int64_t m, const float* x, const float* w, const float* y,
                const float* aux, const float* dy, float* dx, float* dw, float* db) override {
    const linactLinearDesc_t d = describe(l, m);
    const linactHandle_t h = handles().linact;
    LINACT_BENCH_LINACT_CHECK(h, linactLinearBackward(h, &d, x, w, y, aux, dy, dx, dw, db, 0));
  }

 private:
  static linactLinearDesc_t describe(const GanLayer& l, int64_t m) {
    linactLinearDesc_t d;
    std::memset(&d, 0, sizeof(d));
    d.m = m;
    d.n = l.out;
    d.k = l.in;
    d.dtype = LINACT_F32;
    d.activation = static_cast<linactActivation_t>(l.act);
    d.alpha = GanStep::kLeakySlope;
    return d;
  }
};

class CublasRunner final : public LayerRunner {
 public:
  CublasRunner(int64_t max_rows, int64_t max_width)
      : dz_(static_cast<size_t>(max_rows * max_width) * sizeof(float)) {}

  void forward(const GanLayer& l, int64_t m, const float* x, const float* w, const float* b,
               float* y, float* aux) override {
    const Handles& h = handles();
    layer(l, m).forward(h.cublas, h.stream, x, w, b, y, aux);
  }

  void backward(const GanLayer& l, int64_t m, const float* x, const float* w, const float* y,
                const float* aux, const float* dy, float* dx, float* dw, float* db) override {
    const Handles& h = handles();
    const BaselineLayer bl = layer(l, m);
    bl.backward(h.cublas, h.stream, x, w, bl.saves_preactivation() ? aux : y, dy, dz_.as<float>(),
                dx, dw, db, false);
  }

 private:
  static BaselineLayer layer(const GanLayer& l, int64_t m) {
    return BaselineLayer{m, l.out, l.in, l.act, GanStep::kLeakySlope};
  }
  DeviceBuffer dz_;
};

}  // namespace

std::unique_ptr<LayerRunner> make_linact_runner() {
  return std::make_unique<LinactRunner>();
}

std::unique_ptr<LayerRunner> make_cublas_runner(int64_t max_rows, int64_t max_width) {
  return std::make_unique<CublasRunner>(max_rows, max_width);
}

}  // namespace linact_bench
