// Linear backward, parameter gradients: dw = dz^T x and db = column sums of dz, with
// dz = dy * act'(saved), dy [m, n], x [m, k], dw [n, k], db [n]; both reduce over the batch m.
//
// Block (i, j, z) owns dw rows [i * kTileP, (i + 1) * kTileP) and columns [j * kTileQ, ...) for
// the batch rows of split range z (LaunchPlan; one range, the whole batch, unless the tiles are
// too few to fill the GPU). No atomics. Order of the sums:
//   dw[p][q]  within a range, the order of tile_gemm.cuh (each group's share of every
//             kTileR-row step in increasing m, then the groups' partials in group order);
//   db[p]     within a range, the blocks of column tile 0 add the dz tiles they already hold in
//             shared memory, one thread per p, over the range's rows strictly in turn;
//   ranges    with a split, each range's dw and db partials go to the workspace and a second
//             kernel adds them in range order 0, 1, ..., then to dw and db (accumulate) or in
//             their place.
// None of it depends on how many blocks run at once, so results are bitwise reproducible.
#include "linear_kernels.h"
#include "tile_gemm.cuh"

namespace linact::kernels {
namespace {

template <class Cfg, Activation kAct>
__global__ void __launch_bounds__(Cfg::kThreads, 1)
    linear_backward_weight_kernel(int64_t m, int64_t n, int64_t k, const float* __restrict__ dy,
                                  int64_t ldy, const float* __restrict__ saved, int64_t ld_saved,
                                  const float* __restrict__ x, int64_t ldx, float* __restrict__ dw,
                                  int64_t ldw, float* __restrict__ db, float alpha, bool accumulate,
                                  int64_t split_len, float* __restrict__ partial,
                                  float* __restrict__ partial_db, bool vec_dz, bool vec_x,
                                  bool vec_dw) {
  using Act = ActivationT<kAct>;
  LINACT_DYNAMIC_SMEM(float, smem);

  const int64_t p0 = static_cast<int64_t>(blockIdx.x) * Cfg::kTileP;
  const int64_t q0 = static_cast<int64_t>(blockIdx.y) * Cfg::kTileQ;
  // Without dw the B operand is empty (no loads) and the block only sums db.
  const int64_t cols = dw != nullptr ? k : 0;
  const bool sum_db = db != nullptr && blockIdx.y == 0;
  float acc[Cfg::kThreadP][Cfg::kThreadQ];
  float db_sum = 0.0f;
  const int64_t r_begin = static_cast<int64_t>(blockIdx.z) * split_len;
  const int64_t r_end = m - r_begin < split_len ? m : r_begin + split_len;
  tile_gemm<Cfg, Major::kOutput, Major::kOutput>(
      acc, GradSource<Act>{dy, ldy, saved, ld_saved, alpha}, TensorSource{x, ldx}, p0, q0, n, cols,
      r_begin, r_end, vec_dz, vec_x, smem, sum_db, db_sum);

  const int tid = threadIdx.x;
  if (sum_db && tid < Cfg::kTileP && p0 + tid < n) {
    if (partial_db != nullptr) {
      partial_db[static_cast<int64_t>(blockIdx.z) * n + p0 + tid] = db_sum;
    } else {
      float* out = db + p0 + tid;
      *out = accumulate ? *out + db_sum : db_sum;
    }
  }

  const ThreadTile<Cfg> t(tid);
  if (dw == nullptr || t.group != 0) return;
  if (partial != nullptr) {
    store_partial<Cfg>(acc, t, partial + static_cast<int64_t>(blockIdx.z) * n * k, p0, q0, n, k);
    return;
  }

#pragma unroll
  for (int i = 0; i < Cfg::kThreadP; ++i) {
    const int64_t row = p0 + t.row(i);
    if (row >= n) continue;
    float* out = dw + row * ldw;
#pragma unroll
    for (int j = 0; j < Cfg::kThreadQ; j += 4) {
      const int64_t col = q0 + t.col(j);
      if (vec_dw && col + 4 <= k) {
        float4 v = make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
        if (accumulate) {
          const float4 old = *reinterpret_cast<const float4*>(out + col);
          v = make_float4(old.x + v.x, old.y + v.y, old.z + v.z, old.w + v.w);
        }
        *reinterpret_cast<float4*>(out + col) = v;
      } else {
#pragma unroll
        for (int jj = 0; jj < 4; ++jj) {
          if (col + jj < k)
            out[col + jj] = accumulate ? out[col + jj] + acc[i][j + jj] : acc[i][j + jj];
        }
      }
    }
  }
}

// Thread i adds the splits' partials of dw element i (row-major [n, k]) when i < dw_elems, else
// of db element i - dw_elems, in range order, and stores or accumulates the sum.
__global__ void __launch_bounds__(kReduceThreads)
    linear_backward_weight_split_sum_kernel(int64_t n, int64_t k, int64_t splits,
                                            const float* __restrict__ partial,
                                            const float* __restrict__ partial_db,
                                            float* __restrict__ dw, int64_t ldw,
                                            float* __restrict__ db, bool accumulate) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * kReduceThreads + threadIdx.x;
  const int64_t dw_elems = dw != nullptr ? n * k : 0;
  float* out;
  float sum;
  if (i < dw_elems) {
    out = dw + (i / k) * ldw + i % k;
    sum = sum_partials(partial, n * k, splits, i);
  } else if (db != nullptr && i < dw_elems + n) {
    out = db + (i - dw_elems);
    sum = sum_partials(partial_db, n, splits, i - dw_elems);
  } else {
    return;
  }
  *out = accumulate ? *out + sum : sum;
}

template <class Cfg, Activation kAct>
cudaError_t launch_with(const LinearBackwardArgs& a, const LaunchPlan& plan, float* partial,
                        cudaStream_t stream) {
  const int64_t col_tiles = a.dw != nullptr ? ceil_div(a.k, Cfg::kTileQ) : 1;
  const dim3 grid(static_cast<unsigned>(ceil_div(a.n, Cfg::kTileP)),
                  static_cast<unsigned>(col_tiles > 0 ? col_tiles : 1),
                  static_cast<unsigned>(plan.splits));
  // The dw partials, then the db partials.
  const int64_t dw_elems = a.dw != nullptr ? a.n * a.k : 0;
  float* partial_dw = partial != nullptr && a.dw != nullptr ? partial : nullptr;
  float* partial_db =
      partial != nullptr && a.db != nullptr ? partial + plan.splits * dw_elems : nullptr;
  const bool vec_dz =
      rows_are_16b_aligned(a.dy, a.ldy) && rows_are_16b_aligned(a.saved, a.ld_saved);
  LINACT_LAUNCH(grid, Cfg::kThreads, kSmemBytes<Cfg>, stream,
                linear_backward_weight_kernel<Cfg, kAct>)
  (a.m, a.n, a.k, a.dy, a.ldy, a.saved, a.ld_saved, a.x, a.ldx, a.dw, a.ldw, a.db, a.alpha,
   a.accumulate, plan.split_steps * Cfg::kTileR, partial_dw, partial_db, vec_dz,
   rows_are_16b_aligned(a.x, a.ldx), rows_are_16b_aligned(a.dw, a.ldw));
  if (partial == nullptr) return cudaGetLastError();
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  const int64_t elems = dw_elems + (a.db != nullptr ? a.n : 0);
  LINACT_LAUNCH(dim3(static_cast<unsigned>(ceil_div(elems, kReduceThreads))), kReduceThreads, 0,
                stream, linear_backward_weight_split_sum_kernel)
  (a.n, a.k, plan.splits, partial_dw, partial_db, a.dw, a.ldw, a.db, a.accumulate);
  return cudaGetLastError();
}

// m = 0: the sums are empty, so dw and db become zero, or stay as they are when accumulating.
// Padding between dw's rows must stay untouched, so a padded dw is cleared one row at a time
// (cudaMemsetAsync is the runtime call both flavours share).
cudaError_t zero_gradients(const LinearBackwardArgs& a, cudaStream_t stream) {
  if (a.accumulate) return cudaSuccess;
  if (a.dw != nullptr && a.k > 0) {
    const size_t row_bytes = static_cast<size_t>(a.k) * sizeof(float);
    const int64_t pieces = a.ldw == a.k ? 1 : a.n;
    const size_t piece_bytes = a.ldw == a.k ? row_bytes * static_cast<size_t>(a.n) : row_bytes;
    for (int64_t row = 0; row < pieces; ++row) {
      const cudaError_t err = cudaMemsetAsync(a.dw + row * a.ldw, 0, piece_bytes, stream);
      if (err != cudaSuccess) return err;
    }
  }
  if (a.db != nullptr) {
    return cudaMemsetAsync(a.db, 0, static_cast<size_t>(a.n) * sizeof(float), stream);
  }
  return cudaSuccess;
}

}  // namespace

LaunchPlan plan_linear_backward_weight(int64_t m, int64_t n, int64_t k, bool with_dw, bool with_db,
                                       const LaunchResources& res) {
  return plan_gemm(n, with_dw ? k : 1, m, res,
                   [&] { return (with_dw ? n * k : 0) + (with_db ? n : 0); });
}

cudaError_t launch_linear_backward_weight(const LinearBackwardArgs& args,
                                          const LaunchResources& res, cudaStream_t stream) {
  float* dw = args.k > 0 ? args.dw : nullptr;
  if ((dw == nullptr && args.db == nullptr) || args.n == 0) return cudaSuccess;
  if (args.m == 0) return zero_gradients(args, stream);
  LinearBackwardArgs a = args;
  a.dw = dw;
  const LaunchPlan plan =
      plan_linear_backward_weight(a.m, a.n, a.k, dw != nullptr, a.db != nullptr, res);
  float* partial = plan.splits > 1 ? res.workspace : nullptr;
  return dispatch_activation(a.act, [&](auto act) {
    return dispatch_tile(plan.tile, [&](auto cfg) {
      return launch_with<decltype(cfg), decltype(act)::value>(a, plan, partial, stream);
    });
  });
}

}  // namespace linact::kernels
