// Bias + activation after a plain GEMM: one read of z, one write of y (and of z + bias when the
// backward needs it). One instantiation per activation.
#include <algorithm>

#include "baseline.h"
#include "support.h"

namespace linact_bench {
namespace {

constexpr int kBlock = 256;
constexpr int kMaxRowBlocks = 65535;

// Blocks own 256 consecutive columns and stride over rows, so the column index needs no division.
template <typename Act>
__global__ void bias_act_kernel(const float* z, const float* bias, float* y, float* z_out,
                                int64_t m, int64_t n, float alpha) {
  const int64_t col = int64_t{blockIdx.x} * kBlock + threadIdx.x;
  if (col >= n) return;
  const float b = bias[col];
  for (int64_t row = blockIdx.y; row < m; row += gridDim.y) {
    const int64_t i = row * n + col;
    const float pre = z[i] + b;
    if (z_out != nullptr) z_out[i] = pre;
    y[i] = Act::forward(pre, alpha);
  }
}

}  // namespace

void baseline_bias_act(linact::Activation act, float alpha, const float* z, const float* bias,
                       float* y, float* z_out, int64_t m, int64_t n, cudaStream_t stream) {
  if (m == 0 || n == 0) return;
  const dim3 grid(static_cast<unsigned>((n + kBlock - 1) / kBlock),
                  static_cast<unsigned>(std::min<int64_t>(m, kMaxRowBlocks)));
  linact::dispatch_activation(act, [&](auto tag) {
    using Act = linact::ActivationT<decltype(tag)::value>;
    bias_act_kernel<Act><<<grid, kBlock, 0, stream>>>(z, bias, y, z_out, m, n, alpha);
  });
  LINACT_BENCH_LAUNCH_CHECK();
}

}  // namespace linact_bench
