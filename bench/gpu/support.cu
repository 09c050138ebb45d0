// Host side of the benchmark support, and its two small fill kernels and the delay kernel.
#include "support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace linact_bench {

void throw_failure(const char* what, const char* expr, const char* file, int line) {
  char buf[1024];
  std::snprintf(buf, sizeof(buf), "%s failed at %s:%d: %s", expr, file, line,
                what != nullptr ? what : "(no message)");
  throw std::runtime_error(buf);
}

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes > 0) LINACT_BENCH_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) cudaFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

namespace {

__device__ __forceinline__ uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

__global__ void fill_uniform_kernel(float* data, size_t n, float lo, float span, uint64_t seed) {
  const size_t stride = size_t{gridDim.x} * blockDim.x;
  for (size_t i = size_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    const uint64_t bits = mix64(seed ^ mix64(i));
    // 24 random bits give every float in [0, 1) on a 2^-24 grid.
    const float unit = static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
    data[i] = lo + span * unit;
  }
}

__global__ void fill_bytes_kernel(unsigned char* data, size_t n, uint64_t seed) {
  const size_t stride = size_t{gridDim.x} * blockDim.x;
  for (size_t i = size_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    data[i] = static_cast<unsigned char>(mix64(seed ^ mix64(i)) >> 56);
  }
}

__global__ void delay_kernel(long long cycles) {
  const long long start = clock64();
  while (clock64() - start < cycles) {
  }
}

constexpr int kFillBlock = 256;

int fill_grid(size_t n) {
  return static_cast<int>(std::min<size_t>((n + kFillBlock - 1) / kFillBlock, 65536));
}

}  // namespace

void fill_uniform(float* data, size_t n, float lo, float hi, uint64_t seed, cudaStream_t stream) {
  if (n == 0) return;
  fill_uniform_kernel<<<fill_grid(n), kFillBlock, 0, stream>>>(data, n, lo, hi - lo, seed);
  LINACT_BENCH_LAUNCH_CHECK();
}

void fill_random_bytes(void* data, size_t n, uint64_t seed, cudaStream_t stream) {
  if (n == 0) return;
  fill_bytes_kernel<<<fill_grid(n), kFillBlock, 0, stream>>>(static_cast<unsigned char*>(data), n,
                                                             seed);
  LINACT_BENCH_LAUNCH_CHECK();
}

void launch_delay(double microseconds, cudaStream_t stream) {
  static const double cycles_per_us = [] {
    int device = 0;
    int khz = 0;
    LINACT_BENCH_CUDA_CHECK(cudaGetDevice(&device));
    LINACT_BENCH_CUDA_CHECK(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, device));
    return khz / 1000.0;
  }();
  delay_kernel<<<1, 1, 0, stream>>>(static_cast<long long>(microseconds * cycles_per_us));
  LINACT_BENCH_LAUNCH_CHECK();
}

EventTimer::EventTimer() {
  LINACT_BENCH_CUDA_CHECK(cudaEventCreate(&start_));
  LINACT_BENCH_CUDA_CHECK(cudaEventCreate(&stop_));
}

EventTimer::~EventTimer() {
  cudaEventDestroy(start_);
  cudaEventDestroy(stop_);
}

void EventTimer::start(cudaStream_t stream) {
  LINACT_BENCH_CUDA_CHECK(cudaEventRecord(start_, stream));
}

void EventTimer::stop(cudaStream_t stream) {
  LINACT_BENCH_CUDA_CHECK(cudaEventRecord(stop_, stream));
}

double EventTimer::seconds() {
  LINACT_BENCH_CUDA_CHECK(cudaEventSynchronize(stop_));
  float ms = 0.0f;
  LINACT_BENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
  return ms * 1e-3;
}

size_t l2_cache_bytes() {
  static const size_t bytes = [] {
    int device = 0;
    int l2 = 0;
    LINACT_BENCH_CUDA_CHECK(cudaGetDevice(&device));
    LINACT_BENCH_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
    return static_cast<size_t>(l2);
  }();
  return bytes;
}

namespace {
// 256-byte aligned strides keep every set's tensors as aligned as a fresh cudaMalloc.
size_t aligned_stride(size_t bytes) {
  return (bytes + 255) / 256 * 256;
}
}  // namespace

RotatingTensors::RotatingTensors(const std::vector<size_t>& bytes) {
  size_t set_bytes = 0;
  for (size_t b : bytes) {
    stride_.push_back(aligned_stride(b));
    set_bytes += stride_.back();
  }
  const size_t target = kL2Multiple * l2_cache_bytes();
  if (set_bytes > 0) {
    sets_ = static_cast<int>(std::max<size_t>(kMinSets, (target + set_bytes - 1) / set_bytes));
  }
  for (size_t s : stride_)
    storage_.emplace_back(s * sets_);
}

void* RotatingTensors::get(int tensor, int set) const {
  if (stride_[tensor] == 0) return nullptr;
  return storage_[tensor].as<unsigned char>() + stride_[tensor] * (set % sets_);
}

void RotatingTensors::fill(float lo, float hi, uint64_t seed, cudaStream_t stream) {
  for (size_t t = 0; t < storage_.size(); ++t) {
    fill_uniform(storage_[t].as<float>(), storage_[t].bytes() / sizeof(float), lo, hi,
                 seed + 7919 * t, stream);
  }
}

bool comparators_use_tf32() {
  static const bool tf32 = [] {
    const char* v = std::getenv("LINACT_BENCH_TF32");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return tf32;
}

Handles& handles() {
  static Handles* h = [] {
    auto* created = new Handles();
    LINACT_BENCH_CUDA_CHECK(cudaStreamCreateWithFlags(&created->stream, cudaStreamNonBlocking));
    LINACT_BENCH_CUBLAS_CHECK(cublasCreate(&created->cublas));
    LINACT_BENCH_CUBLAS_CHECK(cublasSetStream(created->cublas, created->stream));
    created->cublas_workspace = DeviceBuffer(kCublasWorkspaceBytes);
    LINACT_BENCH_CUBLAS_CHECK(cublasSetWorkspace(
        created->cublas, created->cublas_workspace.as<void>(), kCublasWorkspaceBytes));
    if (comparators_use_tf32()) {
      LINACT_BENCH_CUBLAS_CHECK(cublasSetMathMode(created->cublas, CUBLAS_TF32_TENSOR_OP_MATH));
    }
    LINACT_BENCH_CUBLAS_CHECK(cublasLtCreate(&created->cublaslt));
    LINACT_BENCH_LINACT_CHECK(nullptr, linactCreate(&created->linact));
    LINACT_BENCH_LINACT_CHECK(created->linact, linactSetStream(created->linact, created->stream));
    created->lt_workspace = DeviceBuffer(kLtWorkspaceBytes);
    return created;
  }();
  return *h;
}

}  // namespace linact_bench
