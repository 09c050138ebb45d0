// cuBLASLt implementations of a layer case: one matmul per product, with the epilogue doing
// the bias, the activation or a gradient. See layer_op.h for which epilogue stands for what.
#include <stdexcept>
#include <string>
#include <vector>

#include "layer_op.h"
#include "support.h"

namespace linact_bench {
namespace {

int64_t round_up(int64_t v, int64_t to) {
  return (v + to - 1) / to * to;
}

bool is_relu_mask(cublasLtEpilogue_t e) {
  return e == CUBLASLT_EPILOGUE_RELU_AUX_BIAS || e == CUBLASLT_EPILOGUE_DRELU_BGRAD;
}
bool is_gelu_aux(cublasLtEpilogue_t e) {
  return e == CUBLASLT_EPILOGUE_GELU_AUX_BIAS || e == CUBLASLT_EPILOGUE_DGELU_BGRAD;
}

// Leading dimension (in elements; bits for the ReLU mask) and bytes of an epilogue's auxiliary
// matrix for a column-major output of `rows` x `cols`.
int64_t aux_ld(cublasLtEpilogue_t e, int64_t rows) {
  if (is_relu_mask(e)) return round_up(rows, 128);
  if (is_gelu_aux(e)) return round_up(rows, 8);
  return 0;
}
size_t aux_bytes(cublasLtEpilogue_t e, int64_t rows, int64_t cols) {
  if (is_relu_mask(e)) return static_cast<size_t>(aux_ld(e, rows) / 8 * cols);
  if (is_gelu_aux(e)) return static_cast<size_t>(aux_ld(e, rows) * cols) * sizeof(float);
  return 0;
}

// D [d_rows, d_cols] = op(A) op(B), all column-major fp32 and packed, beta = 0.
class LtGemm {
 public:
  LtGemm(cublasOperation_t trans_a, int64_t a_rows, int64_t a_cols, cublasOperation_t trans_b,
         int64_t b_rows, int64_t b_cols, int64_t d_rows, int64_t d_cols,
         cublasLtEpilogue_t epilogue, const char* name) {
    const cublasComputeType_t compute =
        comparators_use_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc_, compute, CUDA_R_32F));
    set(CUBLASLT_MATMUL_DESC_TRANSA, trans_a);
    set(CUBLASLT_MATMUL_DESC_TRANSB, trans_b);
    set(CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue);
    const int64_t ld = aux_ld(epilogue, d_rows);
    if (ld > 0) set(CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD, ld);
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_, CUDA_R_32F, a_rows, a_cols, a_rows));
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b_, CUDA_R_32F, b_rows, b_cols, b_rows));
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d_, CUDA_R_32F, d_rows, d_cols, d_rows));

    cublasLtMatmulPreference_t pref = nullptr;
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const size_t workspace = kLtWorkspaceBytes;
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof(workspace)));
    int found = 0;
    const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(handles().cublaslt, desc_, a_, b_, d_,
                                                             d_, pref, 1, &heuristic_, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
      release();
      throw std::runtime_error(std::string("cuBLASLt offers no algorithm for epilogue ") + name +
                               " in fp32 at this shape (" + cublasGetStatusString(st) + ")");
    }
  }

  ~LtGemm() { release(); }
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  void run(const float* a, const float* b, float* d, const void* bias, const void* aux) {
    const Handles& h = handles();
    if (bias != nullptr) set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
    if (aux != nullptr) set(CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER, aux);
    const float one = 1.0f;
    const float zero = 0.0f;
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatmul(h.cublaslt, desc_, &one, a, a_, b, b_, &zero, d, d_, d,
                                             d_, &heuristic_.algo, h.lt_workspace.as<void>(),
                                             kLtWorkspaceBytes, h.stream));
  }

 private:
  template <typename T>
  void set(cublasLtMatmulDescAttributes_t attr, const T& value) {
    LINACT_BENCH_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, attr, &value, sizeof(value)));
  }

  void release() {
    if (a_ != nullptr) cublasLtMatrixLayoutDestroy(a_);
    if (b_ != nullptr) cublasLtMatrixLayoutDestroy(b_);
    if (d_ != nullptr) cublasLtMatrixLayoutDestroy(d_);
    if (desc_ != nullptr) cublasLtMatmulDescDestroy(desc_);
    a_ = b_ = d_ = nullptr;
    desc_ = nullptr;
  }

  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr;
  cublasLtMatrixLayout_t b_ = nullptr;
  cublasLtMatrixLayout_t d_ = nullptr;
  cublasLtMatmulHeuristicResult_t heuristic_{};
};

size_t floats(int64_t count) {
  return static_cast<size_t>(count) * sizeof(float);
}

// Forward: y^T [n, m] = (w^T [k, n])^T x^T [k, m], bias over the n rows of y^T.
class LtForward final : public LayerOp {
 public:
  enum Slot { kX = kSlotX, kW = kSlotW, kB = kSlotB, kY = kSlotY, kAux = kSlotAux };

  LtForward(const LayerCase& c, const LtVariant& v)
      : s_(c.shape),
        gemm_(CUBLAS_OP_T, s_.k, s_.n, CUBLAS_OP_N, s_.k, s_.m, s_.n, s_.m, v.epilogue, v.name),
        tensors_({floats(s_.m * s_.k), floats(s_.n * s_.k), floats(s_.n), floats(s_.m * s_.n),
                  aux_bytes(v.epilogue, s_.n, s_.m)}) {
    tensors_.fill(-1.0f, 1.0f, kFillSeed, handles().stream);
  }

  int sets() const override { return tensors_.sets(); }
  const RotatingTensors* tensors() const override { return &tensors_; }

  void run(int set) override {
    gemm_.run(tensors_.get_as<float>(kW, set), tensors_.get_as<float>(kX, set),
              tensors_.get_as<float>(kY, set), tensors_.get(kB, set), tensors_.get(kAux, set));
  }

 private:
  LayerShape s_;
  LtGemm gemm_;
  RotatingTensors tensors_;
};

// Backward: dx^T [k, m] = w^T [k, n] dz^T [n, m] and dw^T [k, n] = x^T [k, m] (dz^T)^T.
// identity (BGRADB): dz = dy, db from the dW product. Chained (DRELU_BGRAD, DGELU_BGRAD): the dx
// product applies the derivative of the layer below from its saved mask or pre-activation
// ([k, m]) and reduces that layer's bias gradient (k values).
class LtBackward final : public LayerOp {
 public:
  enum Slot { kX, kW, kDy, kDx, kDw, kDb, kAux };

  LtBackward(const LayerCase& c, const LtVariant& v)
      : s_(c.shape),
        bgradb_(v.epilogue == CUBLASLT_EPILOGUE_BGRADB),
        dx_gemm_(CUBLAS_OP_N, s_.k, s_.n, CUBLAS_OP_N, s_.n, s_.m, s_.k, s_.m,
                 bgradb_ ? CUBLASLT_EPILOGUE_DEFAULT : v.epilogue, v.name),
        dw_gemm_(CUBLAS_OP_N, s_.k, s_.m, CUBLAS_OP_T, s_.n, s_.m, s_.k, s_.n,
                 bgradb_ ? CUBLASLT_EPILOGUE_BGRADB : CUBLASLT_EPILOGUE_DEFAULT, v.name),
        tensors_({floats(s_.m * s_.k), floats(s_.n * s_.k), floats(s_.m * s_.n),
                  floats(s_.m * s_.k), floats(s_.n * s_.k), floats(bgradb_ ? s_.n : s_.k),
                  aux_bytes(v.epilogue, s_.k, s_.m)}) {
    tensors_.fill(-1.0f, 1.0f, 0x1b4cull, handles().stream);
  }

  int sets() const override { return tensors_.sets(); }

  void run(int set) override {
    const auto* x = tensors_.get_as<float>(kX, set);
    const auto* w = tensors_.get_as<float>(kW, set);
    const auto* dz = tensors_.get_as<float>(kDy, set);
    void* db = tensors_.get(kDb, set);
    dx_gemm_.run(w, dz, tensors_.get_as<float>(kDx, set), bgradb_ ? nullptr : db,
                 tensors_.get(kAux, set));
    dw_gemm_.run(x, dz, tensors_.get_as<float>(kDw, set), bgradb_ ? db : nullptr, nullptr);
  }

 private:
  LayerShape s_;
  bool bgradb_;
  LtGemm dx_gemm_;
  LtGemm dw_gemm_;
  RotatingTensors tensors_;
};

}  // namespace

std::vector<LtVariant> lt_variants(const LayerCase& c) {
  if (c.pass == Pass::kForward) {
    switch (c.act) {
      case linact::Activation::kIdentity:
        return {{"cublaslt_bias", CUBLASLT_EPILOGUE_BIAS}};
      case linact::Activation::kRelu:
        return {{"cublaslt_relu_bias", CUBLASLT_EPILOGUE_RELU_BIAS},
                {"cublaslt_relu_aux_bias", CUBLASLT_EPILOGUE_RELU_AUX_BIAS}};
      case linact::Activation::kGeluTanh:
        return {{"cublaslt_gelu_aux_bias", CUBLASLT_EPILOGUE_GELU_AUX_BIAS}};
      default:
        return {};
    }
  }
  switch (c.act) {
    case linact::Activation::kIdentity:
      return {{"cublaslt_bgradb", CUBLASLT_EPILOGUE_BGRADB}};
    case linact::Activation::kRelu:
      return {{"cublaslt_drelu_bgrad", CUBLASLT_EPILOGUE_DRELU_BGRAD}};
    case linact::Activation::kGeluTanh:
      return {{"cublaslt_dgelu_bgrad", CUBLASLT_EPILOGUE_DGELU_BGRAD}};
    default:
      return {};
  }
}

std::unique_ptr<LayerOp> make_cublaslt_op(const LayerCase& c, const LtVariant& v) {
  if (c.pass == Pass::kForward) return std::make_unique<LtForward>(c, v);
  return std::make_unique<LtBackward>(c, v);
}

}  // namespace linact_bench
