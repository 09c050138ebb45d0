// The comparator's Linear layer: cuBLAS SGEMM for the products, the separate kernels of
// baseline.h for bias, activation and their gradients. Row-major tensors as in linact.h.
#ifndef LINACT_BENCH_GPU_BASELINE_LINEAR_H_
#define LINACT_BENCH_GPU_BASELINE_LINEAR_H_

#include <cublas_v2.h>

#include <cstdint>

#include "linact/activation.h"

namespace linact_bench {

// y[m, n] = x[m, k] w[n, k]^T
void sgemm_linear(cublasHandle_t cublas, const float* x, const float* w, float* y, int64_t m,
                  int64_t n, int64_t k);
// dx[m, k] = dz[m, n] w[n, k]
void sgemm_linear_dx(cublasHandle_t cublas, const float* dz, const float* w, float* dx, int64_t m,
                     int64_t n, int64_t k);
// dw[n, k] = dz[m, n]^T x[m, k], added to dw when `accumulate`.
void sgemm_linear_dw(cublasHandle_t cublas, const float* dz, const float* x, float* dw, int64_t m,
                     int64_t n, int64_t k, bool accumulate);

struct BaselineLayer {
  int64_t m, n, k;
  linact::Activation act;
  float alpha;

  bool saves_preactivation() const { return linact::saves_preactivation(act, alpha); }

  // SGEMM into z (or into y when the backward reads y), then bias + activation in one kernel.
  // z may be null when !saves_preactivation().
  void forward(cublasHandle_t cublas, cudaStream_t stream, const float* x, const float* w,
               const float* b, float* y, float* z) const;

  // dz = dy * act'(saved) into the scratch dz, then db, dx and dw; each of dx, dw, db may be
  // null. saved is z when saves_preactivation(), else y.
  void backward(cublasHandle_t cublas, cudaStream_t stream, const float* x, const float* w,
                const float* saved, const float* dy, float* dz, float* dx, float* dw, float* db,
                bool accumulate) const;
};

}  // namespace linact_bench

#endif  // LINACT_BENCH_GPU_BASELINE_LINEAR_H_
