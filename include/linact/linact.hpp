// C++ face of linact.h: a move-only handle that destroys itself, an exception carrying the
// status and the handle's message, and Linear calls on float pointers.
//
//   linact::Handle h;
//   linact::linear_forward(h, desc, x, w, b, y, aux);   // throws linact::Error on failure
#ifndef LINACT_LINACT_HPP_
#define LINACT_LINACT_HPP_

#include <stdexcept>
#include <string>
#include <utility>

#include "linact/linact.h"

namespace linact {

// A failed call: status() is its linactStatus_t, what() its message.
class Error : public std::runtime_error {
 public:
  Error(linactStatus_t status, const std::string& message)
      : std::runtime_error(std::string(linactGetStatusName(status)) + ": " + message),
        status_(status) {}
  linactStatus_t status() const noexcept { return status_; }

 private:
  linactStatus_t status_;
};

// Throws Error for anything but success, with the handle's message when there is a handle.
inline void check(linactStatus_t status, linactHandle_t handle = nullptr) {
  if (status == LINACT_STATUS_SUCCESS) return;
  throw Error(status, handle != nullptr ? linactGetLastError(handle) : "see the argument list");
}

class Handle {
 public:
  Handle() { check(linactCreate(&handle_)); }
  explicit Handle(cudaStream_t stream) : Handle() { set_stream(stream); }
  ~Handle() {
    if (handle_ != nullptr) linactDestroy(handle_);
  }
  Handle(Handle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      if (handle_ != nullptr) linactDestroy(handle_);
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  linactHandle_t get() const noexcept { return handle_; }
  operator linactHandle_t() const noexcept { return handle_; }

  void set_stream(cudaStream_t stream) { check(linactSetStream(handle_, stream), handle_); }
  cudaStream_t stream() const {
    cudaStream_t s = nullptr;
    check(linactGetStream(handle_, &s), handle_);
    return s;
  }

 private:
  linactHandle_t handle_ = nullptr;
};

inline size_t linear_aux_size(const linactLinearDesc_t& desc) {
  size_t bytes = 0;
  check(linactLinearAuxSize(&desc, &bytes));
  return bytes;
}

inline void linear_forward(const Handle& handle, const linactLinearDesc_t& desc, const float* x,
                           const float* w, const float* bias, float* y, float* aux = nullptr) {
  check(linactLinearForward(handle, &desc, x, w, bias, y, aux), handle);
}

inline void linear_backward(const Handle& handle, const linactLinearDesc_t& desc, const float* x,
                            const float* w, const float* y, const float* aux, const float* dy,
                            float* dx, float* dw, float* db, bool accumulate = false) {
  check(linactLinearBackward(handle, &desc, x, w, y, aux, dy, dx, dw, db, accumulate ? 1 : 0),
        handle);
}

}  // namespace linact

#endif  // LINACT_LINACT_HPP_
