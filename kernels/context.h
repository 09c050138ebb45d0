// The handle's state, shared by the C API's source files, and the one place that records a
// failed call's message.
#ifndef LINACT_KERNELS_CONTEXT_H_
#define LINACT_KERNELS_CONTEXT_H_

#include <cstdarg>
#include <cstdio>
#include <string>

#include "linact/linact.h"
#include "linear_kernels.h"

struct linactContext {
  cudaStream_t stream = nullptr;
  std::string last_error;
  // The device's multiprocessor count, read once by linactCreate: the launch plans aim to fill it.
  int multiprocessors = 0;
  // The workspace linactCreate allocated (freed by linactDestroy) and the one calls use: the
  // same, or a caller's buffer given with linactSetWorkspace.
  void* own_workspace = nullptr;
  size_t own_workspace_bytes = 0;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

namespace linact {

// Records a printf-style message on the handle and returns `status`, so a check reads
//   if (k < 0) return fail(h, LINACT_STATUS_INVALID_VALUE, "desc->k is %lld: ...", k);
// The message names the argument, its value and the fix.
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
inline linactStatus_t
fail(linactHandle_t handle, linactStatus_t status, const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  if (handle != nullptr) handle->last_error = buf;
  return status;
}

// A CUDA error left pending by earlier work would be read back by the check after this call's
// launch and blamed on it (and a backward would stop between its kernels), so calls that launch
// refuse to start while one is pending, after their arguments are validated.
inline linactStatus_t check_no_pending_cuda_error(linactHandle_t handle) {
  const cudaError_t err = cudaPeekAtLastError();
  if (err == cudaSuccess) return LINACT_STATUS_SUCCESS;
  return fail(handle, LINACT_STATUS_EXECUTION_FAILED,
              "a CUDA error from earlier work is pending (%s): read and clear it with "
              "cudaGetLastError() before calling linact; nothing was launched",
              cudaGetErrorString(err));
}

// Clears the handle's message at the start of every call that can fail.
inline void clear_error(linactHandle_t handle) {
  if (handle != nullptr) handle->last_error.clear();
}

// What the launchers may use from the handle.
inline kernels::LaunchResources launch_resources(linactHandle_t handle) {
  return {handle->multiprocessors, static_cast<float*>(handle->workspace), handle->workspace_bytes};
}

}  // namespace linact

#endif  // LINACT_KERNELS_CONTEXT_H_
