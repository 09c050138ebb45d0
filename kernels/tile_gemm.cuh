// The shared main loop of the three Linear kernels: one block computes a kTileP x kTileQ tile of
//   C[p, q] = sum_r A(p, r) * B(q, r)
// with fp32 FFMA (no tensor cores: results must hold fp32's tolerance), shared-memory tiles and a
// kThreadP x kThreadQ register tile per thread. The callers give the operands different meanings:
//   forward  C = y [m, n]:   A = x  (p = m, r = k),        B = w (q = n, r = k)
//   dx       C = dx [m, k]:  A = dz (p = m, r = n),        B = w (q = k, r = n)
//   dw       C = dw [n, k]:  A = dz (p = n, r = m),        B = x (q = k, r = m)
// and apply their own epilogue to the accumulators.
//
// Reduction order (the backward's determinism rests on it): each thread group (see kSplit) adds
// its share of every kTileR-wide step in increasing r, steps in increasing r; then the groups'
// partial sums are added in group order 0, 1, 2, ... . Where the launcher splits the reduction
// across blocks (LaunchPlan), each block does this over its range of whole steps and the ranges'
// partials are added in range order afterwards. The order depends on the tile configuration and
// the split only, and the launchers choose both from the shape, the multiprocessor count and the
// workspace size, so the same inputs give bitwise the same outputs on every run and for any
// number of resident blocks.
#ifndef LINACT_KERNELS_TILE_GEMM_CUH_
#define LINACT_KERNELS_TILE_GEMM_CUH_

#include <stdint.h>

#include <type_traits>

#include "launch.cuh"
#include "linear_kernels.h"
#include "linact/activation.h"

namespace linact::kernels {

// A tile configuration. kSplit > 1 splits each kTileR step among kSplit thread groups, which
// gives small tiles enough threads to hide memory latency when a layer has few output tiles.
// Shared memory is dynamic (the emulator fills it with NaN at every block start, so a read of an
// element no thread stored shows) and stays within the 48 KiB a launch gets without opting in.
template <int TileP, int TileQ, int TileR, int ThreadP, int ThreadQ, int Split, int Prefetch>
struct TileConfig {
  static constexpr int kTileP = TileP;
  static constexpr int kTileQ = TileQ;
  static constexpr int kTileR = TileR;
  static constexpr int kThreadP = ThreadP;
  static constexpr int kThreadQ = ThreadQ;
  static constexpr int kSplit = Split;
  // How many steps ahead each thread's global loads run. Two keep twice the bytes in flight,
  // for tiles whose blocks are too few to hide load latency otherwise; each extra step costs
  // the registers of one more staged unit per operand.
  static constexpr int kPrefetch = Prefetch;
  static constexpr int kThreadsP = TileP / ThreadP;
  static constexpr int kThreadsQ = TileQ / ThreadQ;
  static constexpr int kGroupThreads = kThreadsP * kThreadsQ;
  static constexpr int kThreads = kGroupThreads * Split;
  // Shared rows are padded by 4 floats: keeps float4 alignment and staggers the transposing stores.
  static constexpr int kStrideP = TileP + 4;
  static constexpr int kStrideQ = TileQ + 4;
  static constexpr int kStageFloats = TileR * (kStrideP + kStrideQ);
  static constexpr int kSmemFloats = 2 * kStageFloats;

  static_assert(ThreadP % 4 == 0 && ThreadQ % 4 == 0, "register tiles are read as float4");
  static_assert(TileR % (4 * Split) == 0, "each group takes a whole number of float4 columns");
  static_assert((TileP * TileR / 4) % kThreads == 0 && (TileQ * TileR / 4) % kThreads == 0,
                "every thread loads the same number of float4 units");
  static_assert((Split - 1) * TileP * TileQ <= kSmemFloats, "split partials reuse the tiles");
  static_assert(kSmemFloats * 4 <= 48 * 1024, "more shared memory needs a per-kernel opt-in");
};

// 128 x 128 outputs per block: the most reuse per loaded element, for layers with many tiles.
using LargeTile = TileConfig<128, 128, 8, 8, 8, 1, 1>;
// 64 x 64: four times the blocks of LargeTile for mid-sized layers.
using MediumTile = TileConfig<64, 64, 16, 4, 4, 1, 1>;
// 32 x 32 with each 64-deep step split among eight groups: layers with few output tiles (small
// batches; dw of narrow layers, which reduces over the whole batch) are bound by the latency of
// each step's loads, so these blocks take twice the depth per step with 512 threads.
using SmallTile = TileConfig<32, 32, 64, 4, 4, 8, 2>;

// Where an operand's element (o, r) lives: o indexes C's rows (A) or columns (B), r the
// reduction. kReduction: memory row o, contiguous along r. kOutput: memory row r, contiguous
// along o. Vector loads always run along the memory row.
enum class Major { kReduction, kOutput };

// A plain row-major tensor.
struct TensorSource {
  const float* __restrict__ ptr;
  int64_t ld;

  __device__ __forceinline__ float load(int64_t row, int64_t col) const {
    return ptr[row * ld + col];
  }
  __device__ __forceinline__ float4 load4(int64_t row, int64_t col) const {
    return *reinterpret_cast<const float4*>(ptr + row * ld + col);
  }
};

// dz = dy * act'(saved), computed as the tile is loaded so dz never reaches memory. `saved` is y
// or z as the activation's backward needs (activation.h); the identity never reads it.
template <class Act>
struct GradSource {
  const float* __restrict__ dy;
  int64_t ld_dy;
  const float* __restrict__ saved;
  int64_t ld_saved;
  float alpha;

  static constexpr bool kReadsSaved = !std::is_same<Act, Identity>::value;

  __device__ __forceinline__ float load(int64_t row, int64_t col) const {
    const float g = dy[row * ld_dy + col];
    if constexpr (kReadsSaved) {
      return Act::backward(g, saved[row * ld_saved + col], alpha);
    } else {
      return g;
    }
  }
  __device__ __forceinline__ float4 load4(int64_t row, int64_t col) const {
    const float4 g = *reinterpret_cast<const float4*>(dy + row * ld_dy + col);
    if constexpr (kReadsSaved) {
      const float4 s = *reinterpret_cast<const float4*>(saved + row * ld_saved + col);
      return make_float4(Act::backward(g.x, s.x, alpha), Act::backward(g.y, s.y, alpha),
                         Act::backward(g.z, s.z, alpha), Act::backward(g.w, s.w, alpha));
    } else {
      return g;
    }
  }
};

// True when `ptr` is 16-byte aligned and every row of stride `ld` starts 16-byte aligned, so a
// tile's float4 units at multiples of 4 columns can be loaded as float4.
inline bool rows_are_16b_aligned(const void* ptr, int64_t ld) {
  return ptr == nullptr || (reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && ld % 4 == 0);
}

// Loads and stores of one operand's kTileO x kTileR tile. Each thread moves kUnits float4 units
// per step: fetched from global memory into registers first, so the next step's loads are in
// flight while the current step computes, then stored to shared memory as s[r * kStride + o].
template <int TileO, int TileR, int Threads, Major kMajor>
struct OperandTile {
  static constexpr int kStride = TileO + 4;
  static constexpr int kUnits = TileO * TileR / 4 / Threads;
  static constexpr int kUnitsPerRow = (kMajor == Major::kReduction ? TileR : TileO) / 4;

  float4 staged[kUnits];

  static_assert(kMajor == Major::kOutput || kUnitsPerRow % 2 == 0,
                "transposed tiles are walked two units per memory row");
  static_assert(kMajor == Major::kOutput || kStride % 32 == 4,
                "the bank argument below needs kStride = 4 (mod 32)");

  // The unit's offset within the tile, as memory row and first memory column.
  //
  // kOutput tiles go along memory rows, so a warp's float4 stores land on consecutive words.
  // kReduction tiles are transposed on the way in: element (o, r + k) goes to word
  // (r + k) * kStride + o, whose bank is 4 * (r + k) + o (mod 32) for kStride = 4 (mod 32), so
  // units 8 columns apart along r share banks unless o differs. Consecutive units therefore take
  // two columns of one row, then move down o: a warp covers 16 rows x 2 units, one thread per
  // bank, where going along r put up to 8 threads on a bank in the 32-row tile. The price is
  // on the global side when rows start 16 bytes off a 32-byte sector (ld = 4 mod 8): a warp
  // then reads 24 sectors where the row-wise order read 17 to 20 (both read 16 when rows are
  // sector-aligned). Which costs more on a GPU has not been measured.
  __device__ __forceinline__ static void unit_position(int unit, int& row, int& col) {
    if constexpr (kMajor == Major::kOutput) {
      row = unit / kUnitsPerRow;
      col = (unit % kUnitsPerRow) * 4;
    } else {
      const int pair = unit / (2 * TileO);
      const int within = unit % (2 * TileO);
      row = within / 2;
      col = (pair * 2 + within % 2) * 4;
    }
  }

  // Out-of-range elements read as zero, so they add nothing to the sums (and padding between
  // rows, which may hold anything, is never read).
  template <class Source>
  __device__ __forceinline__ void fetch(const Source& src, int64_t o0, int64_t r0, int64_t o_end,
                                        int64_t r_end, bool vec, int tid) {
    const int64_t row0 = kMajor == Major::kReduction ? o0 : r0;
    const int64_t col0 = kMajor == Major::kReduction ? r0 : o0;
    const int64_t row_end = kMajor == Major::kReduction ? o_end : r_end;
    const int64_t col_end = kMajor == Major::kReduction ? r_end : o_end;
#pragma unroll
    for (int u = 0; u < kUnits; ++u) {
      int row, col;
      unit_position(tid + u * Threads, row, col);
      const int64_t grow = row0 + row;
      const int64_t gcol = col0 + col;
      float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      if (grow < row_end) {
        if (vec && gcol + 4 <= col_end) {
          v = src.load4(grow, gcol);
        } else {
          if (gcol + 0 < col_end) v.x = src.load(grow, gcol + 0);
          if (gcol + 1 < col_end) v.y = src.load(grow, gcol + 1);
          if (gcol + 2 < col_end) v.z = src.load(grow, gcol + 2);
          if (gcol + 3 < col_end) v.w = src.load(grow, gcol + 3);
        }
      }
      staged[u] = v;
    }
  }

  __device__ __forceinline__ void store(float* s, int tid) const {
#pragma unroll
    for (int u = 0; u < kUnits; ++u) {
      int row, col;
      unit_position(tid + u * Threads, row, col);
      const float4 v = staged[u];
      if (kMajor == Major::kReduction) {
        // row is o, col is r: transpose into s[r][o].
        s[(col + 0) * kStride + row] = v.x;
        s[(col + 1) * kStride + row] = v.y;
        s[(col + 2) * kStride + row] = v.z;
        s[(col + 3) * kStride + row] = v.w;
      } else {
        *reinterpret_cast<float4*>(s + row * kStride + col) = v;
      }
    }
  }
};

// Dynamic shared memory bytes of one block.
template <class Cfg>
constexpr size_t kSmemBytes = static_cast<size_t>(Cfg::kSmemFloats) * sizeof(float);

// Which C elements a thread holds: register rows i are tile rows
//   (i / 4) * (kThreadsP * 4) + ty * 4 + i % 4
// (float4 runs spread across the tile, so a warp's shared reads hit distinct banks), and the
// same for columns with tx.
template <class Cfg>
struct ThreadTile {
  int group;  // which share of the reduction this thread adds (0 .. kSplit - 1)
  int ty, tx;

  __device__ __forceinline__ explicit ThreadTile(int tid) {
    group = tid / Cfg::kGroupThreads;
    const int lane = tid % Cfg::kGroupThreads;
    ty = lane / Cfg::kThreadsQ;
    tx = lane % Cfg::kThreadsQ;
  }
  __device__ __forceinline__ int row(int i) const {
    return (i / 4) * (Cfg::kThreadsP * 4) + ty * 4 + i % 4;
  }
  __device__ __forceinline__ int col(int j) const {
    return (j / 4) * (Cfg::kThreadsQ * 4) + tx * 4 + j % 4;
  }
};

// One shared-memory step: this thread's group adds its kTileR / kSplit rows of the outer
// products into acc.
template <class Cfg>
__device__ __forceinline__ void multiply_step(float (&acc)[Cfg::kThreadP][Cfg::kThreadQ],
                                              const float* sa, const float* sb,
                                              const ThreadTile<Cfg>& t) {
  constexpr int kStepR = Cfg::kTileR / Cfg::kSplit;
  const int r_begin = t.group * kStepR;
#pragma unroll
  for (int r = r_begin; r < r_begin + kStepR; ++r) {
    float av[Cfg::kThreadP];
    float bv[Cfg::kThreadQ];
#pragma unroll
    for (int i = 0; i < Cfg::kThreadP; i += 4) {
      const float4 v = *reinterpret_cast<const float4*>(sa + r * Cfg::kStrideP + t.row(i));
      av[i] = v.x;
      av[i + 1] = v.y;
      av[i + 2] = v.z;
      av[i + 3] = v.w;
    }
#pragma unroll
    for (int j = 0; j < Cfg::kThreadQ; j += 4) {
      const float4 v = *reinterpret_cast<const float4*>(sb + r * Cfg::kStrideQ + t.col(j));
      bv[j] = v.x;
      bv[j + 1] = v.y;
      bv[j + 2] = v.z;
      bv[j + 3] = v.w;
    }
#pragma unroll
    for (int i = 0; i < Cfg::kThreadP; ++i) {
#pragma unroll
      for (int j = 0; j < Cfg::kThreadQ; ++j)
        acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
  }
}

// Runs the reduction over r in [r_begin, r_end) for the block's tile at (p0, q0) of a P x Q
// output; r_begin is a multiple of kTileR (a split range starts on a step). On return, the threads
// of group 0 hold the finished sums in acc (other groups' acc are spent). When sum_a_cols is set,
// threads tid < kTileP also add column tid of every A tile to a_col_sum in increasing r (the dw
// kernel's bias gradient).
template <class Cfg, Major kMajorA, Major kMajorB, class SourceA, class SourceB>
__device__ __forceinline__ void tile_gemm(float (&acc)[Cfg::kThreadP][Cfg::kThreadQ],
                                          const SourceA& a, const SourceB& b, int64_t p0,
                                          int64_t q0, int64_t P, int64_t Q, int64_t r_begin,
                                          int64_t r_end, bool vec_a, bool vec_b, float* smem,
                                          bool sum_a_cols, float& a_col_sum) {
  constexpr int kTileR = Cfg::kTileR;
  const int tid = threadIdx.x;
  const ThreadTile<Cfg> t(tid);

#pragma unroll
  for (int i = 0; i < Cfg::kThreadP; ++i) {
#pragma unroll
    for (int j = 0; j < Cfg::kThreadQ; ++j)
      acc[i][j] = 0.0f;
  }

  // Register stages: slot d holds the tiles of every step s with s % kPrefetch == d, from its
  // fetch (kPrefetch steps ahead) until its store to shared memory (one step ahead).
  constexpr int kDepth = Cfg::kPrefetch;
  OperandTile<Cfg::kTileP, kTileR, Cfg::kThreads, kMajorA> tile_a[kDepth];
  OperandTile<Cfg::kTileQ, kTileR, Cfg::kThreads, kMajorB> tile_b[kDepth];
  const int64_t steps = r_end > r_begin ? (r_end - r_begin + kTileR - 1) / kTileR : 0;

#pragma unroll
  for (int d = 0; d < kDepth; ++d) {
    if (d < steps) {
      tile_a[d].fetch(a, p0, r_begin + d * kTileR, P, r_end, vec_a, tid);
      tile_b[d].fetch(b, q0, r_begin + d * kTileR, Q, r_end, vec_b, tid);
    }
  }
  if (steps > 0) {
    tile_a[0].store(smem, tid);
    tile_b[0].store(smem + kTileR * Cfg::kStrideP, tid);
    __syncthreads();
  }

  // The loop is unrolled by kDepth so every slot index is a compile-time constant (a register
  // array indexed at run time would live in local memory).
  for (int64_t base = 0; base < steps; base += kDepth) {
#pragma unroll
    for (int d = 0; d < kDepth; ++d) {
      const int64_t step = base + d;
      if (step >= steps) break;
      const float* sa = smem + (step & 1) * Cfg::kStageFloats;
      const float* sb = sa + kTileR * Cfg::kStrideP;
      if (step + kDepth < steps) {
        const int64_t r_ahead = r_begin + (step + kDepth) * kTileR;
        tile_a[d].fetch(a, p0, r_ahead, P, r_end, vec_a, tid);
        tile_b[d].fetch(b, q0, r_ahead, Q, r_end, vec_b, tid);
      }

      if (sum_a_cols && tid < Cfg::kTileP) {
        const int64_t rows = r_end - (r_begin + step * kTileR);
        const int n = rows < kTileR ? static_cast<int>(rows) : kTileR;
        for (int r = 0; r < n; ++r)
          a_col_sum += sa[r * Cfg::kStrideP + tid];
      }

      multiply_step<Cfg>(acc, sa, sb, t);

      if (step + 1 < steps) {
        const int next_slot = (d + 1) % kDepth;
        float* next = smem + ((step + 1) & 1) * Cfg::kStageFloats;
        tile_a[next_slot].store(next, tid);
        tile_b[next_slot].store(next + kTileR * Cfg::kStrideP, tid);
      }
      __syncthreads();
    }
  }

  if constexpr (Cfg::kSplit > 1) {
    // The last step ended with a barrier, so the tiles are free to hold the groups' partials,
    // laid out [group - 1][element][lane] so consecutive lanes write consecutive words.
    constexpr int kElems = Cfg::kThreadP * Cfg::kThreadQ;
    const int lane = tid % Cfg::kGroupThreads;
    if (t.group > 0) {
      float* part = smem + (t.group - 1) * kElems * Cfg::kGroupThreads;
#pragma unroll
      for (int i = 0; i < Cfg::kThreadP; ++i) {
#pragma unroll
        for (int j = 0; j < Cfg::kThreadQ; ++j) {
          part[(i * Cfg::kThreadQ + j) * Cfg::kGroupThreads + lane] = acc[i][j];
        }
      }
    }
    __syncthreads();
    if (t.group == 0) {
      for (int g = 1; g < Cfg::kSplit; ++g) {
        const float* part = smem + (g - 1) * kElems * Cfg::kGroupThreads;
#pragma unroll
        for (int i = 0; i < Cfg::kThreadP; ++i) {
#pragma unroll
          for (int j = 0; j < Cfg::kThreadQ; ++j) {
            acc[i][j] += part[(i * Cfg::kThreadQ + j) * Cfg::kGroupThreads + lane];
          }
        }
      }
    }
  }
}

// The launchers' tile choice: a configuration is taken only if it gives at least one block per
// multiprocessor (132 on an H200), largest tile first, because larger tiles load less per FMA but
// a layer with fewer tiles than multiprocessors leaves the rest idle. The smallest tile is the
// fallback, and plan_gemm splits its reduction to make up the blocks. kMaxGridY: CUDA's limit on
// gridDim.y, which counts column tiles.
constexpr int64_t kMaxGridY = 65535;

inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

template <class Cfg>
inline int64_t tile_count(int64_t P, int64_t Q) {
  return ceil_div(P, Cfg::kTileP) * ceil_div(Q, Cfg::kTileQ);
}

template <class Cfg>
inline bool tile_fits(int64_t P, int64_t Q, int64_t target_blocks) {
  return ceil_div(Q, Cfg::kTileQ) <= kMaxGridY && tile_count<Cfg>(P, Q) >= target_blocks;
}

inline TileChoice choose_tile(int64_t P, int64_t Q, int64_t target_blocks) {
  if (tile_fits<LargeTile>(P, Q, target_blocks)) return TileChoice::kLarge;
  if (tile_fits<MediumTile>(P, Q, target_blocks)) return TileChoice::kMedium;
  return TileChoice::kSmall;
}

// Calls f(Cfg{}) with the configuration `choice` names.
template <typename F>
decltype(auto) dispatch_tile(TileChoice choice, F&& f) {
  switch (choice) {
    case TileChoice::kLarge:
      return f(LargeTile{});
    case TileChoice::kMedium:
      return f(MediumTile{});
    case TileChoice::kSmall:
      break;
  }
  return f(SmallTile{});
}

// The plan for C [P, Q] reduced over R (see LaunchPlan). A split takes as many ranges as fit
// the idle multiprocessors, with at least kMinSplitSteps steps each, and as many as the
// workspace holds, partial_floats per range; fewer than two means no split.
// `partial_floats(splits)` is only called once splits >= 2, when P x Q is small.
template <typename PartialFloats>
inline LaunchPlan plan_gemm(int64_t P, int64_t Q, int64_t R, const LaunchResources& res,
                            PartialFloats partial_floats) {
  LaunchPlan plan{};
  plan.tile = choose_tile(P, Q, res.multiprocessors);
  int64_t tile_r = 1;
  dispatch_tile(plan.tile, [&](auto cfg) {
    using Cfg = decltype(cfg);
    plan.tiles = tile_count<Cfg>(P, Q);
    tile_r = Cfg::kTileR;
  });
  const int64_t steps = ceil_div(R, tile_r);
  plan.splits = 1;
  plan.split_steps = steps;
  int64_t splits = plan.tiles > 0 ? res.multiprocessors / plan.tiles : 0;
  if (steps / kMinSplitSteps < splits) splits = steps / kMinSplitSteps;
  if (splits < 2 || res.workspace == nullptr) return plan;
  const int64_t per_split = partial_floats();
  const int64_t fit = static_cast<int64_t>(res.workspace_bytes / sizeof(float)) / per_split;
  if (fit < splits) splits = fit;
  if (splits < 2) return plan;
  // Equal ranges of whole steps; rounding the range up may leave fewer, all non-empty.
  plan.split_steps = ceil_div(steps, splits);
  plan.splits = ceil_div(steps, plan.split_steps);
  return plan;
}

// Split partials, packed [P][Q] per range: the group-0 threads of a block store their sums.
template <class Cfg>
__device__ __forceinline__ void store_partial(const float (&acc)[Cfg::kThreadP][Cfg::kThreadQ],
                                              const ThreadTile<Cfg>& t, float* __restrict__ part,
                                              int64_t p0, int64_t q0, int64_t P, int64_t Q) {
  const bool vec = Q % 4 == 0;
#pragma unroll
  for (int i = 0; i < Cfg::kThreadP; ++i) {
    const int64_t row = p0 + t.row(i);
    if (row >= P) continue;
    float* out = part + row * Q;
#pragma unroll
    for (int j = 0; j < Cfg::kThreadQ; j += 4) {
      const int64_t col = q0 + t.col(j);
      if (vec && col + 4 <= Q) {
        *reinterpret_cast<float4*>(out + col) =
            make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
      } else {
#pragma unroll
        for (int jj = 0; jj < 4; ++jj) {
          if (col + jj < Q) out[col + jj] = acc[i][j + jj];
        }
      }
    }
  }
}

// Element i of the sum of `splits` partials spaced `stride` floats apart, added in split order.
__device__ __forceinline__ float sum_partials(const float* __restrict__ part, int64_t stride,
                                              int64_t splits, int64_t i) {
  float s = part[i];
  for (int64_t z = 1; z < splits; ++z)
    s += part[z * stride + i];
  return s;
}

// Threads per block of the kernels that add the partials, one output element per thread.
constexpr int kReduceThreads = 256;

static_assert(SmallTile::kTileP == 32 && SmallTile::kTileQ == 32,
              "split_workspace_bytes bounds the partials of 32 x 32 tiles");
static_assert(kMaxRows == int64_t{2147483647} * SmallTile::kTileP,
              "the C API's batch limit is what the shortest tile can launch");
static_assert(kMaxColumns == kMaxGridY * SmallTile::kTileQ,
              "the C API's column limit is what the narrowest tile can launch");

}  // namespace linact::kernels

#endif  // LINACT_KERNELS_TILE_GEMM_CUH_
