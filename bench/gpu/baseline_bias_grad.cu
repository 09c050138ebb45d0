// Bias gradient as a separate column reduction of dz. Each block owns 32 columns; its 8 rows of
// threads sum interleaved rows, then combine in shared memory in a fixed order (deterministic).
#include "baseline.h"
#include "support.h"

namespace linact_bench {
namespace {

constexpr int kCols = 32;
constexpr int kRows = 8;

__global__ void bias_grad_kernel(const float* dz, float* db, int64_t m, int64_t n,
                                 bool accumulate) {
  __shared__ float partial[kRows][kCols];
  const int64_t col = int64_t{blockIdx.x} * kCols + threadIdx.x;

  float sum = 0.0f;
  if (col < n) {
    for (int64_t row = threadIdx.y; row < m; row += kRows)
      sum += dz[row * n + col];
  }
  partial[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();

  if (threadIdx.y == 0 && col < n) {
    float total = 0.0f;
    for (int r = 0; r < kRows; ++r)
      total += partial[r][threadIdx.x];
    db[col] = accumulate ? db[col] + total : total;
  }
}

}  // namespace

void baseline_bias_grad(const float* dz, float* db, int64_t m, int64_t n, bool accumulate,
                        cudaStream_t stream) {
  if (n == 0) return;
  const dim3 block(kCols, kRows);
  const dim3 grid(static_cast<unsigned>((n + kCols - 1) / kCols));
  bias_grad_kernel<<<grid, block, 0, stream>>>(dz, db, m, n, accumulate);
  LINACT_BENCH_LAUNCH_CHECK();
}

}  // namespace linact_bench
