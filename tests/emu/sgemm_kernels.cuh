// Sample kernels the emulator's tests and benchmark run: a shared-memory tiled SGEMM and a
// double-buffered variant whose loop barrier can be left out, to show the policies catch it.
// C[m, n] = A[m, k] B[k, n], all row-major.
#ifndef LINACT_TESTS_EMU_SGEMM_KERNELS_CUH_
#define LINACT_TESTS_EMU_SGEMM_KERNELS_CUH_

#include <cuda_runtime.h>

#include "launch.cuh"

namespace emu_sample {

// 64x64 output tile per block of 256 threads, 4x4 outputs per thread, K in steps of 16.
constexpr int kTile = 64;
constexpr int kTileK = 16;
constexpr int kThreads = 256;

// Loads the A tile transposed (as[k][row]) and the B tile (bs[k][col]) into shared memory,
// zero outside the matrices.
__device__ __forceinline__ void load_tiles(int m, int n, int k, const float* a, const float* b,
                                           int row0, int col0, int k0, float (*as)[kTile],
                                           float (*bs)[kTile]) {
  for (int i = threadIdx.x; i < kTile * kTileK; i += kThreads) {
    const int r = i / kTileK, ka = i % kTileK;
    as[ka][r] = (row0 + r < m && k0 + ka < k) ? a[(row0 + r) * k + k0 + ka] : 0.0f;
    const int kb = i / kTile, c = i % kTile;
    bs[kb][c] = (k0 + kb < k && col0 + c < n) ? b[(k0 + kb) * n + col0 + c] : 0.0f;
  }
}

__device__ __forceinline__ void multiply_tiles(const float (*as)[kTile], const float (*bs)[kTile],
                                               float (&acc)[4][4]) {
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  for (int kk = 0; kk < kTileK; ++kk) {
    float av[4], bv[4];
    for (int i = 0; i < 4; ++i)
      av[i] = as[kk][ty * 4 + i];
    for (int j = 0; j < 4; ++j)
      bv[j] = bs[kk][tx * 4 + j];
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j)
        acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
  }
}

__device__ __forceinline__ void store_tile(int m, int n, float* c, int row0, int col0,
                                           const float (&acc)[4][4]) {
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      const int row = row0 + ty * 4 + i, col = col0 + tx * 4 + j;
      if (row < m && col < n) c[row * n + col] = acc[i][j];
    }
  }
}

__global__ void sgemm_tiled(int m, int n, int k, const float* a, const float* b, float* c) {
  __shared__ float as[kTileK][kTile];
  __shared__ float bs[kTileK][kTile];
  const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < k; k0 += kTileK) {
    load_tiles(m, n, k, a, b, row0, col0, k0, as, bs);
    __syncthreads();
    multiply_tiles(as, bs, acc);
    __syncthreads();
  }
  store_tile(m, n, c, row0, col0, acc);
}

// Two stages in dynamic shared memory: while stage t % 2 is multiplied, stage (t + 1) % 2 is
// loaded. One barrier per step both publishes the loaded stage and retires the multiplied one;
// kMissingBarrier leaves it out, a classic bug.
template <bool kMissingBarrier>
__global__ void sgemm_double_buffered(int m, int n, int k, const float* a, const float* b,
                                      float* c) {
  LINACT_DYNAMIC_SMEM(float, smem);
  float(*as[2])[kTile] = {reinterpret_cast<float(*)[kTile]>(smem),
                          reinterpret_cast<float(*)[kTile]>(smem + 2 * kTileK * kTile)};
  float(*bs[2])[kTile] = {reinterpret_cast<float(*)[kTile]>(smem + kTileK * kTile),
                          reinterpret_cast<float(*)[kTile]>(smem + 3 * kTileK * kTile)};
  const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;
  const int steps = (k + kTileK - 1) / kTileK;
  float acc[4][4] = {};
  load_tiles(m, n, k, a, b, row0, col0, 0, as[0], bs[0]);
  __syncthreads();
  for (int t = 0; t < steps; ++t) {
    if (t + 1 < steps) {
      load_tiles(m, n, k, a, b, row0, col0, (t + 1) * kTileK, as[(t + 1) % 2], bs[(t + 1) % 2]);
    }
    multiply_tiles(as[t % 2], bs[t % 2], acc);
    if (!kMissingBarrier) __syncthreads();
  }
  store_tile(m, n, c, row0, col0, acc);
}

constexpr size_t kDoubleBufferedSmemBytes = 4 * kTileK * kTile * sizeof(float);

inline dim3 sgemm_grid(int m, int n) {
  return dim3((n + kTile - 1) / kTile, (m + kTile - 1) / kTile);
}

}  // namespace emu_sample

#endif  // LINACT_TESTS_EMU_SGEMM_KERNELS_CUH_
