// The comparator's separate kernels: what a framework runs around cuBLAS when the bias, the
// activation and their gradients are not fused into the GEMM. Each is one plain kernel, written
// with linact's activation functors so both sides compute the same function.
#ifndef LINACT_BENCH_GPU_BASELINE_H_
#define LINACT_BENCH_GPU_BASELINE_H_

#include <cuda_runtime.h>

#include <cstdint>

#include "linact/activation.h"

namespace linact_bench {

// y[i][j] = act(z[i][j] + bias[j]) over an m x n row-major matrix; z_out (may be null, may equal
// z) receives z + bias for a backward that reads the pre-activation.
void baseline_bias_act(linact::Activation act, float alpha, const float* z, const float* bias,
                       float* y, float* z_out, int64_t m, int64_t n, cudaStream_t stream);

// dz[i] = dy[i] * act'(saved[i]) over `count` elements; `saved` is y or z as the functor's kSaved
// (or saves_preactivation) says.
void baseline_act_backward(linact::Activation act, float alpha, const float* dy, const float* saved,
                           float* dz, int64_t count, cudaStream_t stream);

// db[j] = sum over i of dz[i][j], in a fixed order; added to db when `accumulate`.
void baseline_bias_grad(const float* dz, float* db, int64_t m, int64_t n, bool accumulate,
                        cudaStream_t stream);

}  // namespace linact_bench

#endif  // LINACT_BENCH_GPU_BASELINE_H_
