// C API entry points: handle, stream, status names and the last-error message.
#include <new>
#include <string>

#include "context.h"

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
  *handle = new (std::nothrow) linactContext();
  return *handle == nullptr ? LINACT_STATUS_ALLOC_FAILED : LINACT_STATUS_SUCCESS;
}

linactStatus_t linactDestroy(linactHandle_t handle) {
  delete handle;
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
