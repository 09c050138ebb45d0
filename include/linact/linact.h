/*
 * linact: fused Linear + bias + activation, forward and backward, on CUDA.
 *
 * C API in the cuBLAS / cuDNN convention. Shapes follow PyTorch's nn.Linear:
 *   x  [m, k]  row-major input   (m = batch, k = in_features),   row stride ldx
 *   w  [n, k]  row-major weight  (n = out_features),              row stride ldw
 *   b  [n]     bias
 *   y  [m, n]  y = act(x w^T + b),                                 row stride ldy
 * A leading dimension of 0 means "packed" (the row length). dy uses ldy, dx uses ldx, dw uses ldw.
 *
 * Every pointer is a device pointer. Every call is asynchronous on the handle's stream, never
 * allocates and never synchronizes, so a sequence of calls can be captured in a CUDA graph.
 * A call that returns anything but LINACT_STATUS_SUCCESS launched nothing and wrote nothing,
 * except LINACT_STATUS_EXECUTION_FAILED, which reports a failed kernel launch. A call made while
 * a CUDA error from earlier work is still pending (cudaPeekAtLastError) returns
 * LINACT_STATUS_EXECUTION_FAILED without launching and leaves that error for the caller to read.
 */
#ifndef LINACT_LINACT_H_
#define LINACT_LINACT_H_

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LINACT_VERSION_MAJOR 0
#define LINACT_VERSION_MINOR 1
#define LINACT_VERSION_PATCH 0

typedef struct linactContext* linactHandle_t;

typedef enum {
  LINACT_STATUS_SUCCESS = 0,
  LINACT_STATUS_INVALID_VALUE = 1,    /* an argument is out of range; see linactGetLastError */
  LINACT_STATUS_NOT_SUPPORTED = 2,    /* valid, but not implemented (for example a dtype) */
  LINACT_STATUS_EXECUTION_FAILED = 3, /* a kernel launch or CUDA runtime call failed */
  LINACT_STATUS_ALLOC_FAILED = 4      /* linactCreate could not allocate the handle */
} linactStatus_t;

typedef enum {
  LINACT_ACT_IDENTITY = 0,
  LINACT_ACT_RELU = 1,
  LINACT_ACT_LEAKY_RELU = 2, /* slope is linactLinearDesc_t.alpha */
  LINACT_ACT_SIGMOID = 3,
  LINACT_ACT_TANH = 4,
  LINACT_ACT_GELU = 5,      /* exact form, 0.5 z (1 + erf(z / sqrt(2))) */
  LINACT_ACT_GELU_TANH = 6, /* tanh approximation */
  LINACT_ACT_SILU = 7
} linactActivation_t;

typedef enum { LINACT_F32 = 0, LINACT_F16 = 1, LINACT_BF16 = 2 } linactDataType_t;

typedef struct {
  int64_t m;             /* batch rows */
  int64_t n;             /* out_features */
  int64_t k;             /* in_features */
  int64_t ldx, ldw, ldy; /* row strides in elements; 0 = packed */
  linactDataType_t dtype;
  linactActivation_t activation;
  float alpha; /* LeakyReLU slope; ignored by the other activations */
} linactLinearDesc_t;

int linactGetVersion(void); /* major * 10000 + minor * 100 + patch */
const char* linactGetStatusName(linactStatus_t status);

/* A handle belongs to the device current when it is created: linactCreate reads its
 * multiprocessor count and allocates a small device workspace (linactGetWorkspaceSize bytes;
 * EXECUTION_FAILED if the device cannot be queried, ALLOC_FAILED if the memory is not there).
 * Where a layer's output tiles are too few to occupy every multiprocessor, the Linear calls split
 * the reduction across blocks, keep the partial sums in the workspace and add them in a fixed
 * order in a second kernel; the split depends on the shape, the multiprocessor count and the
 * workspace size only, so results stay bitwise reproducible for a handle. Calls on one handle
 * share its workspace: issue them on one stream at a time (or use one handle per stream).
 * linactDestroy frees the workspace; synchronize the stream first. */
linactStatus_t linactCreate(linactHandle_t* handle);
linactStatus_t linactDestroy(linactHandle_t handle);
linactStatus_t linactSetStream(linactHandle_t handle, cudaStream_t stream);
linactStatus_t linactGetStream(linactHandle_t handle, cudaStream_t* stream);

/* Use the caller's device buffer (16-byte aligned, at least `bytes` long, kept alive while calls
 * may use it) as the workspace instead of the handle's own, cuBLAS-style. A buffer smaller than
 * linactGetWorkspaceSize gives fewer splits, and none at all when not even two partials fit:
 * results stay correct (and reproducible for that size) but small layers fill fewer
 * multiprocessors. workspace = NULL with bytes = 0 returns to the handle's own workspace. */
linactStatus_t linactSetWorkspace(linactHandle_t handle, void* workspace, size_t bytes);
/* Bytes of the handle's own workspace: enough for every layer to take its full split. */
linactStatus_t linactGetWorkspaceSize(linactHandle_t handle, size_t* bytes);

/* Message of the handle's last failed call: names the argument, its value and the fix.
 * "" when the last call succeeded. The pointer is valid until the next call on the handle. */
const char* linactGetLastError(linactHandle_t handle);

/* Bytes of the auxiliary buffer the forward saves for the backward: 0 where the backward works
 * from y (identity, ReLU, LeakyReLU with alpha >= 0, Sigmoid, Tanh); m * n elements of the
 * pre-activation z (packed, row stride n) for GELU, GELU_TANH, SiLU and LeakyReLU with alpha < 0.
 */
linactStatus_t linactLinearAuxSize(const linactLinearDesc_t* desc, size_t* bytes);

/* y = act(x w^T + bias). bias may be NULL (no bias). aux receives z where AuxSize > 0 and may be
 * NULL otherwise. */
linactStatus_t linactLinearForward(linactHandle_t handle, const linactLinearDesc_t* desc,
                                   const void* x, const void* w, const void* bias, void* y,
                                   void* aux);

/* dz = dy * act'(.), dx = dz w, dw = dz^T x, db = column sums of dz.
 * Each of dx, dw, db may be NULL (not computed); x is needed only for dw, w only for dx.
 * accumulate != 0 adds to dw and db instead of overwriting them (dx is always overwritten).
 * Deterministic: the same inputs give bitwise the same dx, dw, db on every run. */
linactStatus_t linactLinearBackward(linactHandle_t handle, const linactLinearDesc_t* desc,
                                    const void* x, const void* w, const void* y, const void* aux,
                                    const void* dy, void* dx, void* dw, void* db, int accumulate);

/* Binary cross-entropy on logits z against a constant target t, averaged over n:
 *   loss = mean(max(z, 0) - z t + log1p(exp(-|z|))),  dlogits = (sigmoid(z) - t) / n.
 * loss (one float) and mean_prob (one float, mean of sigmoid(z)) may be NULL, dlogits may be
 * NULL. Deterministic (fixed reduction order). */
linactStatus_t linactBceWithLogits(linactHandle_t handle, int64_t n, const float* logits,
                                   float target, float* loss, float* mean_prob, float* dlogits);

typedef struct {
  float lr;
  float beta1;
  float beta2;
  float eps;
} linactAdamParams_t;

/* One Adam step over count fp32 parameters, as torch.optim.Adam (no weight decay):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * step points to the step number t >= 1 in device memory, so a captured graph replays with the
 * value current at replay time. Being on the device, t cannot be checked at call time: t <= 0
 * makes a bias correction 1 - b^t zero or negative and the parameters NaN. */
linactStatus_t linactAdamStep(linactHandle_t handle, const linactAdamParams_t* params,
                              int64_t count, float* param, const float* grad, float* exp_avg,
                              float* exp_avg_sq, const int64_t* step);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LINACT_LINACT_H_ */
