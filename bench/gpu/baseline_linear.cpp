// Row-major Linear through column-major cuBLAS: a row-major [r, c] matrix is the column-major
// [c, r] matrix with leading dimension c, so every product below is written on transposes.
#include "baseline_linear.h"

#include "baseline.h"
#include "support.h"

namespace linact_bench {
namespace {
int narrow(int64_t v) {
  return static_cast<int>(v);
}
}  // namespace

void sgemm_linear(cublasHandle_t cublas, const float* x, const float* w, float* y, int64_t m,
                  int64_t n, int64_t k) {
  const float one = 1.0f;
  const float zero = 0.0f;
  // y^T [n, m] = (w^T [k, n])^T x^T [k, m]
  LINACT_BENCH_CUBLAS_CHECK(cublasSgemm(cublas, CUBLAS_OP_T, CUBLAS_OP_N, narrow(n), narrow(m),
                                        narrow(k), &one, w, narrow(k), x, narrow(k), &zero, y,
                                        narrow(n)));
}

void sgemm_linear_dx(cublasHandle_t cublas, const float* dz, const float* w, float* dx, int64_t m,
                     int64_t n, int64_t k) {
  const float one = 1.0f;
  const float zero = 0.0f;
  // dx^T [k, m] = w^T [k, n] dz^T [n, m]
  LINACT_BENCH_CUBLAS_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_N, narrow(k), narrow(m),
                                        narrow(n), &one, w, narrow(k), dz, narrow(n), &zero, dx,
                                        narrow(k)));
}

void sgemm_linear_dw(cublasHandle_t cublas, const float* dz, const float* x, float* dw, int64_t m,
                     int64_t n, int64_t k, bool accumulate) {
  const float one = 1.0f;
  const float beta = accumulate ? 1.0f : 0.0f;
  // dw^T [k, n] = x^T [k, m] (dz^T [n, m])^T
  LINACT_BENCH_CUBLAS_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_T, narrow(k), narrow(n),
                                        narrow(m), &one, x, narrow(k), dz, narrow(n), &beta, dw,
                                        narrow(k)));
}

void BaselineLayer::forward(cublasHandle_t cublas, cudaStream_t stream, const float* x,
                            const float* w, const float* b, float* y, float* z) const {
  float* gemm_out = saves_preactivation() ? z : y;
  sgemm_linear(cublas, x, w, gemm_out, m, n, k);
  baseline_bias_act(act, alpha, gemm_out, b, y, saves_preactivation() ? z : nullptr, m, n, stream);
}

void BaselineLayer::backward(cublasHandle_t cublas, cudaStream_t stream, const float* x,
                             const float* w, const float* saved, const float* dy, float* dz,
                             float* dx, float* dw, float* db, bool accumulate) const {
  baseline_act_backward(act, alpha, dy, saved, dz, m * n, stream);
  if (db != nullptr) baseline_bias_grad(dz, db, m, n, accumulate, stream);
  if (dx != nullptr) sgemm_linear_dx(cublas, dz, w, dx, m, n, k);
  if (dw != nullptr) sgemm_linear_dw(cublas, dz, x, dw, m, n, k, accumulate);
}

}  // namespace linact_bench
