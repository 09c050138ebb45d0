// C API entry points: handle, stream, workspace, status names and the last-error message.
#include <stdint.h>

#include <new>
#include <string>

#include "context.h"
#include "linear_kernels.h"

extern "C" {

int linactGetVersion(void) {
  return LINACT_VERSION_MAJOR * 10000 + LINACT_VERSION_MINOR * 100 + LINACT_VERSION_PATCH;
}

const char* linactGetStatusName(linactStatus_t status) {
  switch (status) {
    case LINACT_STATUS_SUCCESS:
      return "LINACT_STATUS_SUCCESS";
    case LINACT_STATUS_INVALID_VALUE:
      return "LINACT_STATUS_INVALID_VALUE";
    case LINACT_STATUS_NOT_SUPPORTED:
      return "LINACT_STATUS_NOT_SUPPORTED";
    case LINACT_STATUS_EXECUTION_FAILED:
      return "LINACT_STATUS_EXECUTION_FAILED";
    case LINACT_STATUS_ALLOC_FAILED:
      return "LINACT_STATUS_ALLOC_FAILED";
  }
  return "LINACT_STATUS_UNKNOWN";
}

linactStatus_t linactCreate(linactHandle_t* handle) {
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  *handle = nullptr;
  int device = 0;
  int multiprocessors = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device) !=
          cudaSuccess) {
    cudaGetLastError();
    return LINACT_STATUS_EXECUTION_FAILED;
  }
  linactContext* h = new (std::nothrow) linactContext();
  if (h == nullptr) return LINACT_STATUS_ALLOC_FAILED;
  h->multiprocessors = multiprocessors;
  h->own_workspace_bytes = linact::kernels::split_workspace_bytes(multiprocessors);
  if (cudaMalloc(&h->own_workspace, h->own_workspace_bytes) != cudaSuccess) {
    cudaGetLastError();
    delete h;
    return LINACT_STATUS_ALLOC_FAILED;
  }
  h->workspace = h->own_workspace;
  h->workspace_bytes = h->own_workspace_bytes;
  *handle = h;
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactDestroy(linactHandle_t handle) {
  if (handle == nullptr) return LINACT_STATUS_SUCCESS;
  const cudaError_t err = cudaFree(handle->own_workspace);
  delete handle;
  return err == cudaSuccess ? LINACT_STATUS_SUCCESS : LINACT_STATUS_EXECUTION_FAILED;
}

linactStatus_t linactSetWorkspace(linactHandle_t handle, void* workspace, size_t bytes) {
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  linact::clear_error(handle);
  if (workspace == nullptr && bytes != 0) {
    return linact::fail(
        handle, LINACT_STATUS_INVALID_VALUE,
        "workspace is NULL with bytes %zu: pass a device buffer of that many bytes, "
        "or NULL and 0 to use the handle's own workspace again",
        bytes);
  }
  if (reinterpret_cast<uintptr_t>(workspace) % 16 != 0) {
    return linact::fail(handle, LINACT_STATUS_INVALID_VALUE,
                        "workspace is %p, not 16-byte aligned: pass a buffer from cudaMalloc or "
                        "an offset into one that is a multiple of 16 bytes",
                        workspace);
  }
  if (workspace == nullptr) {
    handle->workspace = handle->own_workspace;
    handle->workspace_bytes = handle->own_workspace_bytes;
  } else {
    handle->workspace = workspace;
    handle->workspace_bytes = bytes;
  }
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactGetWorkspaceSize(linactHandle_t handle, size_t* bytes) {
  if (handle == nullptr || bytes == nullptr) return LINACT_STATUS_INVALID_VALUE;
  *bytes = handle->own_workspace_bytes;
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactSetStream(linactHandle_t handle, cudaStream_t stream) {
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  handle->stream = stream;
  handle->last_error.clear();
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactGetStream(linactHandle_t handle, cudaStream_t* stream) {
  if (handle == nullptr || stream == nullptr) return LINACT_STATUS_INVALID_VALUE;
  *stream = handle->stream;
  return LINACT_STATUS_SUCCESS;
}

const char* linactGetLastError(linactHandle_t handle) {
  if (handle == nullptr) return "handle is NULL: create one with linactCreate";
  return handle->last_error.c_str();
}

}  // extern "C"
