// Fused Linear forward: y = act(x w^T + bias), x [m, k], w [n, k], y [m, n].
// One tiled GEMM (tile_gemm.cuh) whose epilogue adds the bias, applies the activation and writes
// y, and z = x w^T + bias where the backward needs it, while the sums are still in registers.
#include "linear_kernels.h"
#include "tile_gemm.cuh"

namespace linact::kernels {
namespace {

// Stores v[0..3] at row[col..col+3], as one float4 when the caller found the row aligned and
// all four columns lie inside the row.
__device__ __forceinline__ void store_run(float* row, int64_t col, int64_t cols, const float* v,
                                          bool vec) {
  if (vec && col + 4 <= cols) {
    *reinterpret_cast<float4*>(row + col) = make_float4(v[0], v[1], v[2], v[3]);
  } else {
    for (int j = 0; j < 4; ++j) {
      if (col + j < cols) row[col + j] = v[j];
    }
  }
}

template <class Cfg, Activation kAct>
__global__ void __launch_bounds__(Cfg::kThreads, 1)
    linear_forward_kernel(int64_t m, int64_t n, int64_t k, const float* __restrict__ x, int64_t ldx,
                          const float* __restrict__ w, int64_t ldw, const float* __restrict__ bias,
                          float* __restrict__ y, int64_t ldy, float* __restrict__ z, float alpha,
                          bool vec_x, bool vec_w, bool vec_y, bool vec_z) {
  using Act = ActivationT<kAct>;
  LINACT_DYNAMIC_SMEM(float, smem);

  const int64_t p0 = static_cast<int64_t>(blockIdx.x) * Cfg::kTileP;
  const int64_t q0 = static_cast<int64_t>(blockIdx.y) * Cfg::kTileQ;
  float acc[Cfg::kThreadP][Cfg::kThreadQ];
  float unused_sum = 0.0f;
  tile_gemm<Cfg, Major::kReduction, Major::kReduction>(acc, TensorSource{x, ldx},
                                                       TensorSource{w, ldw}, p0, q0, m, n, k, vec_x,
                                                       vec_w, smem, false, unused_sum);

  const ThreadTile<Cfg> t(threadIdx.x);
  if (t.group != 0) return;

  float b[Cfg::kThreadQ];
#pragma unroll
  for (int j = 0; j < Cfg::kThreadQ; ++j) {
    const int64_t col = q0 + t.col(j);
    b[j] = (bias != nullptr && col < n) ? bias[col] : 0.0f;
  }

#pragma unroll
  for (int i = 0; i < Cfg::kThreadP; ++i) {
    const int64_t row = p0 + t.row(i);
    if (row >= m) continue;
#pragma unroll
    for (int j = 0; j < Cfg::kThreadQ; j += 4) {
      float zv[4];
      float yv[4];
#pragma unroll
      for (int jj = 0; jj < 4; ++jj) {
        zv[jj] = acc[i][j + jj] + b[j + jj];
        yv[jj] = Act::forward(zv[jj], alpha);
      }
      const int64_t col = q0 + t.col(j);
      store_run(y + row * ldy, col, n, yv, vec_y);
      if (z != nullptr) store_run(z + row * n, col, n, zv, vec_z);
    }
  }
}

template <class Cfg, Activation kAct>
cudaError_t launch_with(const LinearForwardArgs& a, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(ceil_div(a.m, Cfg::kTileP)),
                  static_cast<unsigned>(ceil_div(a.n, Cfg::kTileQ)));
  LINACT_LAUNCH(grid, Cfg::kThreads, kSmemBytes<Cfg>, stream, linear_forward_kernel<Cfg, kAct>)
  (a.m, a.n, a.k, a.x, a.ldx, a.w, a.ldw, a.bias, a.y, a.ldy, a.z, a.alpha,
   rows_are_16b_aligned(a.x, a.ldx), rows_are_16b_aligned(a.w, a.ldw),
   rows_are_16b_aligned(a.y, a.ldy), rows_are_16b_aligned(a.z, a.n));
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_linear_forward(const LinearForwardArgs& args, cudaStream_t stream) {
  // k = 0 still launches: y = act(bias).
  if (args.m == 0 || args.n == 0) return cudaSuccess;
  return dispatch_activation(args.act, [&](auto act) {
    return dispatch_tile(choose_tile(args.m, args.n), [&](auto cfg) {
      return launch_with<decltype(cfg), decltype(act)::value>(args, stream);
    });
  });
}

}  // namespace linact::kernels
