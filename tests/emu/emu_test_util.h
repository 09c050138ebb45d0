// Helpers shared by the emulator's tests: a CUDA status check, a scoped scheduling policy and a
// comparison that reports the first mismatch with its tolerance.
#ifndef LINACT_TESTS_EMU_EMU_TEST_UTIL_H_
#define LINACT_TESTS_EMU_EMU_TEST_UTIL_H_

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#define EMU_CHECK(call)                                                                          \
  do {                                                                                           \
    const cudaError_t emu_check_err = (call);                                                    \
    ASSERT_EQ(emu_check_err, cudaSuccess) << #call << ": " << cudaGetErrorString(emu_check_err); \
  } while (0)

// Runs the launches of one scope under a given policy (the emulator reads LINACT_EMU_POLICY at
// every launch), restoring the previous setting afterwards.
class ScopedPolicy {
 public:
  explicit ScopedPolicy(const char* policy) {
    if (const char* old = std::getenv("LINACT_EMU_POLICY")) {
      had_old_ = true;
      old_ = old;
    }
    setenv("LINACT_EMU_POLICY", policy, 1);
  }
  ~ScopedPolicy() {
    if (had_old_) {
      setenv("LINACT_EMU_POLICY", old_.c_str(), 1);
    } else {
      unsetenv("LINACT_EMU_POLICY");
    }
  }

 private:
  bool had_old_ = false;
  std::string old_;
};

// Device buffer that frees itself.
template <class T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t n) : n_(n) {
    if (cudaMalloc(&ptr_, n * sizeof(T)) != cudaSuccess) ptr_ = nullptr;
  }
  ~DeviceBuffer() { cudaFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return ptr_; }
  void upload(const std::vector<T>& host) {
    ASSERT_EQ(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
  }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    EXPECT_EQ(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
    return host;
  }

 private:
  T* ptr_ = nullptr;
  size_t n_;
};

// Every element within `tolerance` of the reference (NaN never is); reports the first that is not.
inline testing::AssertionResult all_close(const std::vector<float>& got,
                                          const std::vector<float>& want, float tolerance) {
  if (got.size() != want.size()) {
    return testing::AssertionFailure() << "size " << got.size() << ", reference " << want.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tolerance)) {
      return testing::AssertionFailure() << "index " << i << ": value " << got[i] << ", reference "
                                         << want[i] << ", tolerance " << tolerance;
    }
  }
  return testing::AssertionSuccess();
}

#endif  // LINACT_TESTS_EMU_EMU_TEST_UTIL_H_
