// The one check for CUDA runtime calls inside the library. The library prints nothing: a failed
// call becomes LINACT_STATUS_EXECUTION_FAILED with a message naming the expression, where it
// ran and CUDA's own description, e.g.
//   launch_linear_forward(args, stream) failed at kernels/linear_api.cpp:212:
//   too many resources requested for launch
#ifndef LINACT_KERNELS_CUDA_CHECK_H_
#define LINACT_KERNELS_CUDA_CHECK_H_

#include <cuda_runtime_api.h>

#include "context.h"

// Evaluates `expr` (a cudaError_t) and returns from the enclosing C API function on failure.
#define LINACT_CUDA_CHECK(handle, expr)                                                         \
  do {                                                                                          \
    const cudaError_t linact_cuda_err_ = (expr);                                                \
    if (linact_cuda_err_ != cudaSuccess) {                                                      \
      return ::linact::fail((handle), LINACT_STATUS_EXECUTION_FAILED, "%s failed at %s:%d: %s", \
                            #expr, __FILE__, __LINE__, cudaGetErrorString(linact_cuda_err_));   \
    }                                                                                           \
  } while (0)

#endif  // LINACT_KERNELS_CUDA_CHECK_H_
