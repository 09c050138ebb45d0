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

cudaError_t launch_linear_forward(const LinearForwardArgs& args, cudaStream_t stream);

// dx only; does nothing when args.dx is null.
cudaError_t launch_linear_backward_data(const LinearBackwardArgs& args, cudaStream_t stream);

// dw and db; does nothing when both are null. With m = 0 it zeroes them (or, accumulating,
// leaves them) without a kernel.
cudaError_t launch_linear_backward_weight(const LinearBackwardArgs& args, cudaStream_t stream);

}  // namespace linact::kernels

#endif  // LINACT_KERNELS_LINEAR_KERNELS_H_
