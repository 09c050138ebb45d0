// Fused Linear forward: y = act(x w^T + bias), x [m, k], w [n, k], y [m, n].
// One tiled GEMM (tile_gemm.cuh) whose epilogue adds the bias, applies the activation and writes
// y, and z = x w^T + bias where the backward needs it, while the sums are still in registers.
// Where the plan splits k across blocks, those write partial sums to the workspace instead and a
// second kernel adds them in range order and applies the same epilogue.
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
                          int64_t split_len, float* __restrict__ partial, bool vec_x, bool vec_w,
                          bool vec_y, bool vec_z) {
  using Act = ActivationT<kAct>;
  LINACT_DYNAMIC_SMEM(float, smem);

  const int64_t p0 = static_cast<int64_t>(blockIdx.x) * Cfg::kTileP;
  const int64_t q0 = static_cast<int64_t>(blockIdx.y) * Cfg::kTileQ;
  float acc[Cfg::kThreadP][Cfg::kThreadQ];
  float unused_sum = 0.0f;
  const int64_t r_begin = static_cast<int64_t>(blockIdx.z) * split_len;
  const int64_t r_end = k - r_begin < split_len ? k : r_begin + split_len;
  tile_gemm<Cfg, Major::kReduction, Major::kReduction>(
      acc, TensorSource{x, ldx}, TensorSource{w, ldw}, p0, q0, m, n, r_begin, r_end, vec_x, vec_w,
      smem, false, unused_sum);

  const ThreadTile<Cfg> t(threadIdx.x);
  if (t.group != 0) return;
  if (partial != nullptr) {
    store_partial<Cfg>(acc, t, partial + static_cast<int64_t>(blockIdx.z) * m * n, p0, q0, m, n);
    return;
  }

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

// Adds the splits' partials of y element i (row-major [m, n]) in range order, then the bias
// and the activation, as the main kernel's epilogue does.
template <Activation kAct>
__global__ void __launch_bounds__(kReduceThreads)
    linear_forward_split_sum_kernel(int64_t m, int64_t n, int64_t splits,
                                    const float* __restrict__ partial,
                                    const float* __restrict__ bias, float* __restrict__ y,
                                    int64_t ldy, float* __restrict__ z, float alpha) {
  using Act = ActivationT<kAct>;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kReduceThreads + threadIdx.x;
  if (i >= m * n) return;
  const int64_t row = i / n;
  const int64_t col = i % n;
  const float zv = sum_partials(partial, m * n, splits, i) + (bias != nullptr ? bias[col] : 0.0f);
  y[row * ldy + col] = Act::forward(zv, alpha);
  if (z != nullptr) z[i] = zv;
}

template <class Cfg, Activation kAct>
cudaError_t launch_with(const LinearForwardArgs& a, const LaunchPlan& plan, float* partial,
                        cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(ceil_div(a.m, Cfg::kTileP)),
                  static_cast<unsigned>(ceil_div(a.n, Cfg::kTileQ)),
                  static_cast<unsigned>(plan.splits));
  LINACT_LAUNCH(grid, Cfg::kThreads, kSmemBytes<Cfg>, stream, linear_forward_kernel<Cfg, kAct>)
  (a.m, a.n, a.k, a.x, a.ldx, a.w, a.ldw, a.bias, a.y, a.ldy, a.z, a.alpha,
   plan.split_steps * Cfg::kTileR, partial, rows_are_16b_aligned(a.x, a.ldx),
   rows_are_16b_aligned(a.w, a.ldw), rows_are_16b_aligned(a.y, a.ldy),
   rows_are_16b_aligned(a.z, a.n));
  if (partial == nullptr) return cudaGetLastError();
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  LINACT_LAUNCH(dim3(static_cast<unsigned>(ceil_div(a.m * a.n, kReduceThreads))), kReduceThreads, 0,
                stream, linear_forward_split_sum_kernel<kAct>)
  (a.m, a.n, plan.splits, partial, a.bias, a.y, a.ldy, a.z, a.alpha);
  return cudaGetLastError();
}

}  // namespace

LaunchPlan plan_linear_forward(int64_t m, int64_t n, int64_t k, const LaunchResources& res) {
  return plan_gemm(m, n, k, res, [&] { return m * n; });
}

cudaError_t launch_linear_forward(const LinearForwardArgs& args, const LaunchResources& res,
                                  cudaStream_t stream) {
  // k = 0 still launches: y = act(bias).
  if (args.m == 0 || args.n == 0) return cudaSuccess;
  const LaunchPlan plan = plan_linear_forward(args.m, args.n, args.k, res);
  float* partial = plan.splits > 1 ? res.workspace : nullptr;
  return dispatch_activation(args.act, [&](auto act) {
    return dispatch_tile(plan.tile, [&](auto cfg) {
      return launch_with<decltype(cfg), decltype(act)::value>(args, plan, partial, stream);
    });
  });
}

}  // namespace linact::kernels
