// Launchers of the Linear kernels, callable from plain C++ (the C API is compiled by the host
// compiler in both flavours). Arguments arrive validated by the C API: shapes >= 0, leading
// dimensions >= their rows, pointers present where needed, and columns within kMaxColumns.
// Each launcher returns the launch's cudaError_t (cudaSuccess when nothing needed launching).
#ifndef LINACT_KERNELS_LINEAR_KERNELS_H_
#define LINACT_KERNELS_LINEAR_KERNELS_H_

#include <stdint.h>

#include <cuda_runtime_api.h>

#include "linact/activation.h"

namespace linact::kernels {

// y = act(x w^T + bias), and z = x w^T + bias (packed, row stride n) when z is not null.
struct LinearForwardArgs {
  int64_t m, n, k;
  int64_t ldx, ldw, ldy;
  Activation act;
  float alpha;
  const float* x;
  const float* w;
  const float* bias;  // may be null
  float* y;
  float* z;  // may be null
};

// dz = dy * act'(saved) with saved = y (row stride ldy) or z (row stride n), as
// saves_preactivation() says; dx = dz w, dw (+)= dz^T x, db (+)= column sums of dz.
struct LinearBackwardArgs {
  int64_t m, n, k;
  int64_t ldx, ldw, ldy;
  Activation act;
  float alpha;
  const float* x;
  const float* w;
  const float* dy;
  const float* saved;  // null for the identity
  int64_t ld_saved;
  float* dx;  // may be null
  float* dw;  // may be null
  float* db;  // may be null
  bool accumulate;
};

// The most output columns (n for the forward, k for the backward) a launch can cover: CUDA's
// gridDim.y limit times the narrowest tile; tile_gemm.cuh checks it against the configurations.
constexpr int64_t kMaxColumns = 65535 * 32;
// The most batch rows: gridDim.x's limit times the shortest tile.
constexpr int64_t kMaxRows = int64_t{2147483647} * 32;

// What a launch may use beyond its arguments: the handle's multiprocessor count, which the plan
// aims to fill, and its workspace for split partial sums (see LaunchPlan).
struct LaunchResources {
  int64_t multiprocessors;
  float* workspace;  // 16-byte aligned; may be null (no split)
  size_t workspace_bytes;
};

enum class TileChoice { kLarge, kMedium, kSmall };

// How a launcher covers its product C [P, Q] = sum over r < R (forward: y [m, n] over k; dx:
// [m, k] over n; dw: [n, k] over m). `tiles` blocks each own one output tile. When they are
// fewer than the multiprocessors, the reduction is split into `splits` consecutive ranges of
// `split_steps` whole kTileR steps each; block z of a tile sums range z and writes its partial
// tile to the workspace, then a second kernel adds the partials of every element in the order
// z = 0, 1, ..., splits - 1 and applies the epilogue. The plan depends on the shape, the
// multiprocessor count and the workspace size only, so for one handle the reduction order, and
// hence every bit of the result, is the same on every run.
struct LaunchPlan {
  TileChoice tile;
  int64_t tiles;
  int64_t splits;
  int64_t split_steps;
  int64_t blocks() const { return tiles * splits; }
};

// A split range covers at least this many kTileR steps: a one-step range would cost a partial
// tile's write, read and a second launch to save a single step of latency.
constexpr int64_t kMinSplitSteps = 2;

// Workspace bytes that let every shape take its full split on `multiprocessors`
// multiprocessors: splits only happen with the 32 x 32 tile and split blocks never exceed the
// multiprocessor count, so the partials (and the dw kernel's db partials) are at most
// multiprocessors * (32 * 32 + 32) floats.
inline size_t split_workspace_bytes(int64_t multiprocessors) {
  return static_cast<size_t>(multiprocessors) * (32 * 32 + 32) * sizeof(float);
}

LaunchPlan plan_linear_forward(int64_t m, int64_t n, int64_t k, const LaunchResources& res);
LaunchPlan plan_linear_backward_data(int64_t m, int64_t n, int64_t k, const LaunchResources& res);
// with_dw: false when only db is wanted (the blocks then cover db's columns alone).
LaunchPlan plan_linear_backward_weight(int64_t m, int64_t n, int64_t k, bool with_dw, bool with_db,
                                       const LaunchResources& res);

// The launchers use res.workspace when their plan splits; calls on one workspace must therefore
// be ordered (one stream at a time).
cudaError_t launch_linear_forward(const LinearForwardArgs& args, const LaunchResources& res,
                                  cudaStream_t stream);

// dx only; does nothing when args.dx is null.
cudaError_t launch_linear_backward_data(const LinearBackwardArgs& args, const LaunchResources& res,
                                        cudaStream_t stream);

// dw and db; does nothing when both are null. With m = 0 it zeroes them (or, accumulating,
// leaves them) without a kernel.
cudaError_t launch_linear_backward_weight(const LinearBackwardArgs& args,
                                          const LaunchResources& res, cudaStream_t stream);

}  // namespace linact::kernels

#endif  // LINACT_KERNELS_LINEAR_KERNELS_H_
