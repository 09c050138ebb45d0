// One Adam step as torch.optim.Adam (no weight decay, no amsgrad), elementwise over count fp32
// parameters:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= step_size * m / (sqrt(v) / bias2_sqrt + eps)
// with step_size = lr / (1 - b1^t) and bias2_sqrt = sqrt(1 - b2^t) computed in double, as
// PyTorch computes them on the host, then rounded to float. The step t is read from device
// memory at run time, so a captured CUDA graph replays with the current step.
//
// Each element is independent: a grid-stride loop, no reduction, bitwise reproducible.
#include <math.h>

#include "launch.cuh"
#include "training_kernels.h"

namespace linact::kernels {
namespace {

// base^exponent for exponent >= 0 by binary powering: a few double roundings, far below the
// float rounding the factors get. Device pow() would do, but its slow path keeps a stack frame
// that ptxas reports as spills.
__device__ __forceinline__ double power(double base, int64_t exponent) {
  double result = 1.0;
  for (; exponent > 0; exponent >>= 1) {
    if (exponent & 1) result *= base;
    base *= base;
  }
  return result;
}

constexpr int kThreads = 256;
// Enough blocks to fill a large GPU several times over; the loop covers any count.
constexpr int64_t kMaxBlocks = 1024;

__global__ void __launch_bounds__(kThreads)
    adam_kernel(int64_t count, float beta1, float beta2, float lr, float eps,
                float* __restrict__ param, const float* __restrict__ grad,
                float* __restrict__ exp_avg, float* __restrict__ exp_avg_sq,
                const int64_t* __restrict__ step) {
  // One thread per block evaluates the double-precision factors.
  __shared__ float factors[2];
  if (threadIdx.x == 0) {
    const int64_t t = *step;
    factors[0] = static_cast<float>(static_cast<double>(lr) / (1.0 - power(beta1, t)));
    factors[1] = static_cast<float>(sqrt(1.0 - power(beta2, t)));
  }
  __syncthreads();
  const float step_size = factors[0];
  const float bias2_sqrt = factors[1];
  const float one_minus_b1 = 1.0f - beta1;
  const float one_minus_b2 = 1.0f - beta2;

  const int64_t stride = static_cast<int64_t>(gridDim.x) * kThreads;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x; i < count;
       i += stride) {
    const float g = grad[i];
    const float m = beta1 * exp_avg[i] + one_minus_b1 * g;
    const float v = beta2 * exp_avg_sq[i] + one_minus_b2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] -= step_size * (m / (sqrtf(v) / bias2_sqrt + eps));
  }
}

}  // namespace

cudaError_t launch_adam(const AdamArgs& a, cudaStream_t stream) {
  const int64_t needed = (a.count + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(needed < kMaxBlocks ? needed : kMaxBlocks);
  LINACT_LAUNCH(blocks, kThreads, 0, stream, adam_kernel)
  (a.count, a.beta1, a.beta2, a.lr, a.eps, a.param, a.grad, a.exp_avg, a.exp_avg_sq, a.step);
  return cudaGetLastError();
}

}  // namespace linact::kernels
