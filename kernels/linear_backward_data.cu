// Linear backward, input gradient: dx = dz w with dz = dy * act'(saved), dy [m, n], w [n, k],
// dx [m, k]. act' is applied as each dy tile is loaded (GradSource), so dz never reaches memory.
// Each dx element is a sum over n in the fixed order of tile_gemm.cuh; no atomics. Where the plan
// splits n across blocks, they write partial sums to the workspace and a second kernel adds them
// in range order.
#include "linear_kernels.h"
#include "tile_gemm.cuh"

namespace linact::kernels {
namespace {

template <class Cfg, Activation kAct>
__global__ void __launch_bounds__(Cfg::kThreads, 1)
    linear_backward_data_kernel(int64_t m, int64_t n, int64_t k, const float* __restrict__ dy,
                                int64_t ldy, const float* __restrict__ saved, int64_t ld_saved,
                                const float* __restrict__ w, int64_t ldw, float* __restrict__ dx,
                                int64_t ldx, float alpha, int64_t split_len,
                                float* __restrict__ partial, bool vec_dz, bool vec_w, bool vec_dx) {
  using Act = ActivationT<kAct>;
  LINACT_DYNAMIC_SMEM(float, smem);

  const int64_t p0 = static_cast<int64_t>(blockIdx.x) * Cfg::kTileP;
  const int64_t q0 = static_cast<int64_t>(blockIdx.y) * Cfg::kTileQ;
  float acc[Cfg::kThreadP][Cfg::kThreadQ];
  float unused_sum = 0.0f;
  const int64_t r_begin = static_cast<int64_t>(blockIdx.z) * split_len;
  const int64_t r_end = n - r_begin < split_len ? n : r_begin + split_len;
  tile_gemm<Cfg, Major::kReduction, Major::kOutput>(
      acc, GradSource<Act>{dy, ldy, saved, ld_saved, alpha}, TensorSource{w, ldw}, p0, q0, m, k,
      r_begin, r_end, vec_dz, vec_w, smem, false, unused_sum);

  const ThreadTile<Cfg> t(threadIdx.x);
  if (t.group != 0) return;
  if (partial != nullptr) {
    store_partial<Cfg>(acc, t, partial + static_cast<int64_t>(blockIdx.z) * m * k, p0, q0, m, k);
    return;
  }

#pragma unroll
  for (int i = 0; i < Cfg::kThreadP; ++i) {
    const int64_t row = p0 + t.row(i);
    if (row >= m) continue;
    float* out = dx + row * ldx;
#pragma unroll
    for (int j = 0; j < Cfg::kThreadQ; j += 4) {
      const int64_t col = q0 + t.col(j);
      if (vec_dx && col + 4 <= k) {
        *reinterpret_cast<float4*>(out + col) =
            make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
      } else {
#pragma unroll
        for (int jj = 0; jj < 4; ++jj) {
          if (col + jj < k) out[col + jj] = acc[i][j + jj];
        }
      }
    }
  }
}

// Adds the splits' partials of dx element i (row-major [m, k]) in range order.
__global__ void __launch_bounds__(kReduceThreads)
    linear_backward_data_split_sum_kernel(int64_t m, int64_t k, int64_t splits,
                                          const float* __restrict__ partial, float* __restrict__ dx,
                                          int64_t ldx) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kReduceThreads + threadIdx.x;
  if (i >= m * k) return;
  dx[(i / k) * ldx + i % k] = sum_partials(partial, m * k, splits, i);
}

template <class Cfg, Activation kAct>
cudaError_t launch_with(const LinearBackwardArgs& a, const LaunchPlan& plan, float* partial,
                        cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(ceil_div(a.m, Cfg::kTileP)),
                  static_cast<unsigned>(ceil_div(a.k, Cfg::kTileQ)),
                  static_cast<unsigned>(plan.splits));
  const bool vec_dz =
      rows_are_16b_aligned(a.dy, a.ldy) && rows_are_16b_aligned(a.saved, a.ld_saved);
  LINACT_LAUNCH(grid, Cfg::kThreads, kSmemBytes<Cfg>, stream,
                linear_backward_data_kernel<Cfg, kAct>)
  (a.m, a.n, a.k, a.dy, a.ldy, a.saved, a.ld_saved, a.w, a.ldw, a.dx, a.ldx, a.alpha,
   plan.split_steps * Cfg::kTileR, partial, vec_dz, rows_are_16b_aligned(a.w, a.ldw),
   rows_are_16b_aligned(a.dx, a.ldx));
  if (partial == nullptr) return cudaGetLastError();
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  LINACT_LAUNCH(dim3(static_cast<unsigned>(ceil_div(a.m * a.k, kReduceThreads))), kReduceThreads, 0,
                stream, linear_backward_data_split_sum_kernel)
  (a.m, a.k, plan.splits, partial, a.dx, a.ldx);
  return cudaGetLastError();
}

}  // namespace

LaunchPlan plan_linear_backward_data(int64_t m, int64_t n, int64_t k, const LaunchResources& res) {
  return plan_gemm(m, k, n, res, [&] { return m * k; });
}

cudaError_t launch_linear_backward_data(const LinearBackwardArgs& args, const LaunchResources& res,
                                        cudaStream_t stream) {
  // n = 0 still launches: dx = 0.
  if (args.dx == nullptr || args.m == 0 || args.k == 0) return cudaSuccess;
  const LaunchPlan plan = plan_linear_backward_data(args.m, args.n, args.k, res);
  float* partial = plan.splits > 1 ? res.workspace : nullptr;
  return dispatch_activation(args.act, [&](auto act) {
    return dispatch_tile(plan.tile, [&](auto cfg) {
      return launch_with<decltype(cfg), decltype(act)::value>(args, plan, partial, stream);
    });
  });
}

}  // namespace linact::kernels
