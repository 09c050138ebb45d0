// The linact, cuBLAS + separate kernels and GEMM-only implementations of a layer case.
#include <cstring>
#include <vector>

#include "baseline_linear.h"
#include "layer_op.h"
#include "linact/linact.h"
#include "support.h"

namespace linact_bench {
namespace {

constexpr size_t kFloat = sizeof(float);

size_t floats(int64_t count) {
  return static_cast<size_t>(count) * kFloat;
}

bool saves_z(const LayerCase& c) {
  return linact::saves_preactivation(c.act, kLeakySlope);
}

enum Slot {
  kX = kSlotX,
  kW = kSlotW,
  kB = kSlotB,
  kY = kSlotY,
  kAux = kSlotAux,
  kDy = kSlotDy,
  kDx = kSlotDx,
  kDw = kSlotDw,
  kDb = kSlotDb,
  kNumSlots
};

std::vector<size_t> slot_bytes(const LayerCase& c, size_t aux_bytes) {
  const auto& s = c.shape;
  std::vector<size_t> bytes(kNumSlots, 0);
  bytes[kX] = floats(s.m * s.k);
  bytes[kW] = floats(s.n * s.k);
  bytes[kB] = floats(s.n);
  bytes[kY] = floats(s.m * s.n);
  bytes[kAux] = aux_bytes;
  if (c.pass == Pass::kBackward) {
    bytes[kDy] = floats(s.m * s.n);
    bytes[kDx] = floats(s.m * s.k);
    bytes[kDw] = floats(s.n * s.k);
    bytes[kDb] = floats(s.n);
  }
  return bytes;
}

RotatingTensors make_tensors(const LayerCase& c, size_t aux_bytes) {
  RotatingTensors t(slot_bytes(c, aux_bytes));
  t.fill(-1.0f, 1.0f, kFillSeed, handles().stream);
  return t;
}

class LinactOp final : public LayerOp {
 public:
  explicit LinactOp(const LayerCase& c) : c_(c), tensors_(make_tensors(c, aux_bytes(c))) {}

  int sets() const override { return tensors_.sets(); }
  const RotatingTensors* tensors() const override { return &tensors_; }

  void run(int set) override {
    const linactHandle_t h = handles().linact;
    const auto* x = tensors_.get_as<float>(kX, set);
    const auto* w = tensors_.get_as<float>(kW, set);
    auto* y = tensors_.get_as<float>(kY, set);
    auto* aux = tensors_.get(kAux, set);
    if (c_.pass == Pass::kForward) {
      LINACT_BENCH_LINACT_CHECK(
          h, linactLinearForward(h, &desc_, x, w, tensors_.get(kB, set), y, aux));
    } else {
      LINACT_BENCH_LINACT_CHECK(
          h, linactLinearBackward(h, &desc_, x, w, y, aux, tensors_.get(kDy, set),
                                  tensors_.get(kDx, set), tensors_.get(kDw, set),
                                  tensors_.get(kDb, set), 0));
    }
  }

 private:
  static linactLinearDesc_t describe(const LayerCase& c) {
    linactLinearDesc_t d;
    std::memset(&d, 0, sizeof(d));
    d.m = c.shape.m;
    d.n = c.shape.n;
    d.k = c.shape.k;
    d.dtype = LINACT_F32;
    d.activation = static_cast<linactActivation_t>(c.act);
    d.alpha = kLeakySlope;
    return d;
  }

  static size_t aux_bytes(const LayerCase& c) {
    const linactLinearDesc_t d = describe(c);
    size_t bytes = 0;
    LINACT_BENCH_LINACT_CHECK(handles().linact, linactLinearAuxSize(&d, &bytes));
    return bytes;
  }

  LayerCase c_;
  linactLinearDesc_t desc_ = describe(c_);
  RotatingTensors tensors_;
};

class CublasOp final : public LayerOp {
 public:
  explicit CublasOp(const LayerCase& c)
      : c_(c),
        layer_{c.shape.m, c.shape.n, c.shape.k, c.act, kLeakySlope},
        tensors_(make_tensors(c, saves_z(c) ? floats(c.shape.m * c.shape.n) : 0)),
        dz_(c.pass == Pass::kBackward ? floats(c.shape.m * c.shape.n) : 0) {}

  int sets() const override { return tensors_.sets(); }
  const RotatingTensors* tensors() const override { return &tensors_; }

  void run(int set) override {
    const Handles& h = handles();
    const auto* x = tensors_.get_as<float>(kX, set);
    const auto* w = tensors_.get_as<float>(kW, set);
    auto* y = tensors_.get_as<float>(kY, set);
    auto* z = tensors_.get_as<float>(kAux, set);
    if (c_.pass == Pass::kForward) {
      layer_.forward(h.cublas, h.stream, x, w, tensors_.get_as<float>(kB, set), y, z);
    } else {
      layer_.backward(h.cublas, h.stream, x, w, saves_z(c_) ? z : y,
                      tensors_.get_as<float>(kDy, set), dz_.as<float>(),
                      tensors_.get_as<float>(kDx, set), tensors_.get_as<float>(kDw, set),
                      tensors_.get_as<float>(kDb, set), false);
    }
  }

 private:
  LayerCase c_;
  BaselineLayer layer_;
  RotatingTensors tensors_;
  DeviceBuffer dz_;  // the intermediate a separate derivative kernel must write and re-read
};

class GemmOnlyOp final : public LayerOp {
 public:
  explicit GemmOnlyOp(const LayerCase& c) : c_(c), tensors_(make_tensors(c, 0)) {}

  int sets() const override { return tensors_.sets(); }

  void run(int set) override {
    const Handles& h = handles();
    const auto& s = c_.shape;
    const auto* x = tensors_.get_as<float>(kX, set);
    const auto* w = tensors_.get_as<float>(kW, set);
    if (c_.pass == Pass::kForward) {
      sgemm_linear(h.cublas, x, w, tensors_.get_as<float>(kY, set), s.m, s.n, s.k);
    } else {
      const auto* dy = tensors_.get_as<float>(kDy, set);
      sgemm_linear_dx(h.cublas, dy, w, tensors_.get_as<float>(kDx, set), s.m, s.n, s.k);
      sgemm_linear_dw(h.cublas, dy, x, tensors_.get_as<float>(kDw, set), s.m, s.n, s.k, false);
    }
  }

 private:
  LayerCase c_;
  RotatingTensors tensors_;
};

}  // namespace

double layer_flops(const LayerCase& c) {
  const double mnk = static_cast<double>(c.shape.m) * c.shape.n * c.shape.k;
  return c.pass == Pass::kForward ? 2.0 * mnk : 4.0 * mnk;
}

double layer_bytes(const LayerCase& c) {
  const double m = static_cast<double>(c.shape.m);
  const double n = static_cast<double>(c.shape.n);
  const double k = static_cast<double>(c.shape.k);
  const double z = saves_z(c) ? m * n : 0.0;
  if (c.pass == Pass::kForward) return kFloat * (m * k + n * k + n + m * n + z);
  // dy and the saved tensor (y or z) in; dx, dw, db out; x and w in.
  return kFloat * (2 * m * n + m * k + n * k + m * k + n * k + n);
}

std::unique_ptr<LayerOp> make_linact_op(const LayerCase& c) {
  return std::make_unique<LinactOp>(c);
}

std::unique_ptr<LayerOp> make_cublas_op(const LayerCase& c) {
  return std::make_unique<CublasOp>(c);
}

std::unique_ptr<LayerOp> make_gemm_only_op(const LayerCase& c) {
  return std::make_unique<GemmOnlyOp>(c);
}

}  // namespace linact_bench
