// What every GPU benchmark needs: status checks that throw, device buffers, random fills, a
// queue-filling delay, event timing and input rotation past the L2 cache.
#ifndef LINACT_BENCH_GPU_SUPPORT_H_
#define LINACT_BENCH_GPU_SUPPORT_H_

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "linact/linact.h"

namespace linact_bench {

[[noreturn]] void throw_failure(const char* what, const char* expr, const char* file, int line);

#define LINACT_BENCH_CUDA_CHECK(expr)                                                       \
  do {                                                                                      \
    const cudaError_t linact_bench_err_ = (expr);                                           \
    if (linact_bench_err_ != cudaSuccess)                                                   \
      ::linact_bench::throw_failure(cudaGetErrorString(linact_bench_err_), #expr, __FILE__, \
                                    __LINE__);                                              \
  } while (0)

#define LINACT_BENCH_CUBLAS_CHECK(expr)                                                       \
  do {                                                                                        \
    const cublasStatus_t linact_bench_st_ = (expr);                                           \
    if (linact_bench_st_ != CUBLAS_STATUS_SUCCESS)                                            \
      ::linact_bench::throw_failure(cublasGetStatusString(linact_bench_st_), #expr, __FILE__, \
                                    __LINE__);                                                \
  } while (0)

// A linact call that fails throws with the handle's message, which names the argument.
#define LINACT_BENCH_LINACT_CHECK(handle, expr)                                             \
  do {                                                                                      \
    const linactStatus_t linact_bench_ls_ = (expr);                                         \
    if (linact_bench_ls_ != LINACT_STATUS_SUCCESS)                                          \
      ::linact_bench::throw_failure(linactGetLastError(handle), #expr, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: the launch error, if any.
#define LINACT_BENCH_LAUNCH_CHECK() LINACT_BENCH_CUDA_CHECK(cudaGetLastError())

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Fills n floats with values uniform in [lo, hi) from a counter-based hash of (seed, index), so
// every buffer holds different, reproducible, nonzero data.
void fill_uniform(float* data, size_t n, float lo, float hi, uint64_t seed, cudaStream_t stream);

// Fills n bytes with hashed random bits (bit masks, for example).
void fill_random_bytes(void* data, size_t n, uint64_t seed, cudaStream_t stream);

// Keeps the stream busy for about `microseconds`, so every launch of the timed region is queued
// before the GPU reaches the start event: events then measure device time, not host launch time.
void launch_delay(double microseconds, cudaStream_t stream);

class EventTimer {
 public:
  EventTimer();
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  void start(cudaStream_t stream);
  void stop(cudaStream_t stream);
  double seconds();  // waits for the stop event

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

// Several copies ("sets") of the tensors one operation touches, used in turn so that no set is
// still in the L2 cache when its turn comes again: the sets together span at least
// kL2Multiple times the L2 size.
class RotatingTensors {
 public:
  static constexpr int kL2Multiple = 4;
  static constexpr int kMinSets = 2;

  // bytes[i] is the size of tensor i in one set; a size of 0 gives null pointers.
  explicit RotatingTensors(const std::vector<size_t>& bytes);

  int sets() const { return sets_; }
  void* get(int tensor, int set) const;
  template <typename T>
  T* get_as(int tensor, int set) const {
    return static_cast<T*>(get(tensor, set));
  }
  // Every tensor of every set filled with values in [lo, hi).
  void fill(float lo, float hi, uint64_t seed, cudaStream_t stream);

 private:
  std::vector<size_t> stride_;
  std::vector<DeviceBuffer> storage_;
  int sets_ = kMinSets;
};

size_t l2_cache_bytes();

// Math mode of the cuBLAS and cuBLASLt comparators: false is plain fp32 (CUBLAS_DEFAULT_MATH,
// CUBLAS_COMPUTE_32F); true (LINACT_BENCH_TF32=1 in the environment) lets them use TF32 tensor
// cores, for comparison with a linact build whose kernels do.
bool comparators_use_tf32();

// Process-wide library handles, created once on first use so that handle creation stays out of
// every timed region, and never destroyed: the process exit releases them.
struct Handles {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cublasLtHandle_t cublaslt = nullptr;
  linactHandle_t linact = nullptr;
  DeviceBuffer cublas_workspace;  // set explicitly, so cuBLAS never allocates inside a capture
  DeviceBuffer lt_workspace;
};
Handles& handles();
constexpr size_t kCublasWorkspaceBytes = size_t{32} << 20;
constexpr size_t kLtWorkspaceBytes = size_t{32} << 20;

}  // namespace linact_bench

#endif  // LINACT_BENCH_GPU_SUPPORT_H_
