// The CUDA runtime API on the CPU. Device memory is host memory; every stream executes its work
// at the call (a launch returns when its grid has finished), so streams and events only order
// and time work, and stream capture records calls instead of running them.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include <cuda_runtime_api.h>

#include "linact_emu/launch.h"
#include "scheduler.h"

using Op = std::function<void()>;

struct CUstream_st {
  unsigned flags = 0;
  bool capturing = false;
  bool capture_invalidated = false;
  cudaStreamCaptureMode capture_mode = cudaStreamCaptureModeGlobal;
  std::vector<Op> captured;
};

struct CUevent_st {
  unsigned flags = 0;
  bool recorded = false;
  std::chrono::steady_clock::time_point time;
};

struct CUgraph_st {
  std::vector<Op> ops;
};

struct CUgraphExec_st {
  std::vector<Op> ops;
};

namespace linact_emu {
namespace {

constexpr int kSmCount = 132;  // an H200
constexpr size_t kDefaultDynamicSmem = 48 * 1024;
constexpr size_t kOptinDynamicSmem = 227 * 1024;
constexpr size_t kSmemPerSm = 228 * 1024;
constexpr size_t kAllocAlignment = 256;  // cudaMalloc's guarantee

thread_local cudaError_t tl_last_error = cudaSuccess;

struct Registry {
  std::mutex mutex;
  std::map<uintptr_t, size_t> device;  // cudaMalloc'd ranges
  std::map<uintptr_t, size_t> pinned;  // cudaMallocHost'd ranges
  size_t device_bytes = 0;
  std::set<cudaStream_t> streams;
  std::set<cudaEvent_t> events;
  std::map<const void*, int> max_dynamic_smem;
  unsigned global_captures = 0;
  CUstream_st default_stream;
};

Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

cudaError_t record(cudaError_t err) {
  if (err != cudaSuccess) tl_last_error = err;
  return err;
}

int sm_count() {
  static const int count = [] {
    const char* env = std::getenv("LINACT_EMU_SM_COUNT");
    if (env == nullptr) return kSmCount;
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || v < 1 || v > 4096) {
      std::fprintf(stderr,
                   "linact_emu: LINACT_EMU_SM_COUNT='%s' is not a multiprocessor count; give an "
                   "integer from 1 to 4096\n",
                   env);
      std::abort();
    }
    return static_cast<int>(v);
  }();
  return count;
}

size_t total_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page)
                               : size_t{16} << 30;
}

// The stream a handle names, or null for a handle that is not a live stream.
CUstream_st* resolve(cudaStream_t stream) {
  Registry& r = registry();
  if (stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread) {
    return &r.default_stream;
  }
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.streams.count(stream) ? stream : nullptr;
}

// Calls that would synchronise with the device are illegal while a global-mode capture runs;
// like the CUDA runtime, they fail and invalidate the capture.
bool refuse_during_capture() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.global_captures == 0) return false;
  for (cudaStream_t s : r.streams) {
    if (s->capturing) s->capture_invalidated = true;
  }
  return true;
}

// Runs `op` now, or appends it to the stream's capture.
cudaError_t enqueue(cudaStream_t stream, Op op) {
  CUstream_st* s = resolve(stream);
  if (s == nullptr) return record(cudaErrorInvalidResourceHandle);
  if (s->capturing) {
    s->captured.push_back(std::move(op));
    return cudaSuccess;
  }
  op();
  return cudaSuccess;
}

// Whether [ptr, ptr + bytes) lies inside one allocation of `ranges`.
bool inside(const std::map<uintptr_t, size_t>& ranges, const void* ptr, size_t bytes) {
  const auto p = reinterpret_cast<uintptr_t>(ptr);
  auto it = ranges.upper_bound(p);
  if (it == ranges.begin()) return false;
  --it;
  return p >= it->first && p - it->first <= it->second && bytes <= it->second - (p - it->first);
}

bool is_device_range(const void* ptr, size_t bytes) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return inside(r.device, ptr, bytes);
}

// The device side of a copy must lie inside one cudaMalloc allocation: a host pointer passed as
// a device pointer, or a copy past the end of an allocation, fails here as it would on a GPU.
cudaError_t check_copy(void* dst, size_t dst_extent, const void* src, size_t src_extent,
                       cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost:
    case cudaMemcpyDefault:
      return cudaSuccess;
    case cudaMemcpyHostToDevice:
      return is_device_range(dst, dst_extent) ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToHost:
      return is_device_range(src, src_extent) ? cudaSuccess : cudaErrorInvalidValue;
    case cudaMemcpyDeviceToDevice:
      return is_device_range(dst, dst_extent) && is_device_range(src, src_extent)
                 ? cudaSuccess
                 : cudaErrorInvalidValue;
  }
  return cudaErrorInvalidMemcpyDirection;
}

cudaError_t copy_2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                    size_t height, cudaMemcpyKind kind, cudaStream_t stream) {
  if (height == 0 || width == 0) return cudaSuccess;
  if (width > dpitch || width > spitch) return record(cudaErrorInvalidValue);
  const size_t dst_extent = dpitch * (height - 1) + width;
  const size_t src_extent = spitch * (height - 1) + width;
  if (cudaError_t err = check_copy(dst, dst_extent, src, src_extent, kind)) return record(err);
  return enqueue(stream, [=] {
    for (size_t row = 0; row < height; ++row) {
      std::memmove(static_cast<unsigned char*>(dst) + row * dpitch,
                   static_cast<const unsigned char*>(src) + row * spitch, width);
    }
  });
}

cudaError_t fill(void* ptr, int value, size_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  if (!is_device_range(ptr, count)) return record(cudaErrorInvalidValue);
  return enqueue(stream, [=] { std::memset(ptr, value, count); });
}

size_t dynamic_smem_limit(const void* kernel) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.max_dynamic_smem.find(kernel);
  return it == r.max_dynamic_smem.end() ? kDefaultDynamicSmem : static_cast<size_t>(it->second);
}

bool valid_config(dim3 grid, dim3 block) {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y == 0 || block.z == 0) {
    return false;
  }
  if (block.x > 1024 || block.y > 1024 || block.z > 64) return false;
  if (static_cast<unsigned long long>(block.x) * block.y * block.z > 1024) return false;
  return grid.x <= 0x7fffffffu && grid.y <= 65535 && grid.z <= 65535;
}

}  // namespace

bool is_global_memory(const void* ptr) {
  return is_device_range(ptr, 1);
}

void launch_kernel(const LaunchSite& site, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                   const void* kernel, std::function<void()> body) {
  if (!valid_config(grid, block)) {
    record(cudaErrorInvalidConfiguration);
    return;
  }
  if (smem > dynamic_smem_limit(kernel)) {
    record(cudaErrorInvalidValue);
    return;
  }
  const Policy policy = policy_from_env();
  enqueue(stream, [site, grid, block, smem, policy, body = std::move(body)] {
    LaunchPlan plan{site, grid, block, smem, policy, &body};
    run_grid(plan);
  });
}

}  // namespace linact_emu

using linact_emu::record;
using linact_emu::registry;
using linact_emu::Registry;

extern "C" {

cudaError_t cudaGetLastError(void) {
  const cudaError_t err = linact_emu::tl_last_error;
  linact_emu::tl_last_error = cudaSuccess;
  return err;
}

cudaError_t cudaPeekAtLastError(void) {
  return linact_emu::tl_last_error;
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
#define LINACT_EMU_NAME(code) \
  case code:                  \
    return #code;
    LINACT_EMU_NAME(cudaSuccess)
    LINACT_EMU_NAME(cudaErrorInvalidValue)
    LINACT_EMU_NAME(cudaErrorMemoryAllocation)
    LINACT_EMU_NAME(cudaErrorInitializationError)
    LINACT_EMU_NAME(cudaErrorInvalidConfiguration)
    LINACT_EMU_NAME(cudaErrorInvalidDevicePointer)
    LINACT_EMU_NAME(cudaErrorInvalidMemcpyDirection)
    LINACT_EMU_NAME(cudaErrorInvalidDeviceFunction)
    LINACT_EMU_NAME(cudaErrorNoDevice)
    LINACT_EMU_NAME(cudaErrorInvalidDevice)
    LINACT_EMU_NAME(cudaErrorInvalidResourceHandle)
    LINACT_EMU_NAME(cudaErrorIllegalState)
    LINACT_EMU_NAME(cudaErrorNotReady)
    LINACT_EMU_NAME(cudaErrorLaunchOutOfResources)
    LINACT_EMU_NAME(cudaErrorLaunchFailure)
    LINACT_EMU_NAME(cudaErrorNotPermitted)
    LINACT_EMU_NAME(cudaErrorNotSupported)
    LINACT_EMU_NAME(cudaErrorStreamCaptureUnsupported)
    LINACT_EMU_NAME(cudaErrorStreamCaptureInvalidated)
    LINACT_EMU_NAME(cudaErrorStreamCaptureUnmatched)
    LINACT_EMU_NAME(cudaErrorStreamCaptureImplicit)
    LINACT_EMU_NAME(cudaErrorStreamCaptureWrongThread)
    LINACT_EMU_NAME(cudaErrorUnknown)
#undef LINACT_EMU_NAME
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "no error";
    case cudaErrorInvalidValue:
      return "invalid argument";
    case cudaErrorMemoryAllocation:
      return "out of memory";
    case cudaErrorInitializationError:
      return "initialization error";
    case cudaErrorInvalidConfiguration:
      return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer:
      return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection:
      return "invalid copy direction for memcpy";
    case cudaErrorInvalidDeviceFunction:
      return "invalid device function";
    case cudaErrorNoDevice:
      return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice:
      return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle:
      return "invalid resource handle";
    case cudaErrorIllegalState:
      return "the operation cannot be performed in the present state";
    case cudaErrorNotReady:
      return "device not ready";
    case cudaErrorLaunchOutOfResources:
      return "too many resources requested for launch";
    case cudaErrorLaunchFailure:
      return "unspecified launch failure";
    case cudaErrorNotPermitted:
      return "operation not permitted";
    case cudaErrorNotSupported:
      return "operation not supported";
    case cudaErrorStreamCaptureUnsupported:
      return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated:
      return "operation failed due to a previous error during capture";
    case cudaErrorStreamCaptureUnmatched:
      return "capture was not initiated in this stream";
    case cudaErrorStreamCaptureImplicit:
      return "operation would make the legacy stream depend on a capturing blocking stream";
    case cudaErrorStreamCaptureWrongThread:
      return "attempt to terminate a thread-local capture sequence from another thread";
    case cudaErrorUnknown:
      return "unknown error";
  }
  return "unrecognized error code";
}

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return record(cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  if (device == nullptr) return record(cudaErrorInvalidValue);
  *device = 0;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : record(cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (prop == nullptr) return record(cudaErrorInvalidValue);
  if (device != 0) return record(cudaErrorInvalidDevice);
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof(prop->name), "linact CPU emulator");
  prop->totalGlobalMem = linact_emu::total_memory();
  prop->sharedMemPerBlock = linact_emu::kDefaultDynamicSmem;
  prop->regsPerBlock = 65536;
  prop->warpSize = 32;
  prop->memPitch = 2147483647;
  prop->maxThreadsPerBlock = 1024;
  prop->maxThreadsDim[0] = 1024;
  prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = 2147483647;
  prop->maxGridSize[1] = 65535;
  prop->maxGridSize[2] = 65535;
  prop->totalConstMem = 65536;
  prop->major = 9;
  prop->minor = 0;
  prop->textureAlignment = 512;
  prop->multiProcessorCount = linact_emu::sm_count();
  prop->concurrentKernels = 1;
  prop->asyncEngineCount = 1;
  prop->unifiedAddressing = 1;
  prop->memoryBusWidth = 6144;
  prop->l2CacheSize = 60 * 1024 * 1024;
  prop->maxThreadsPerMultiProcessor = 2048;
  prop->sharedMemPerMultiprocessor = linact_emu::kSmemPerSm;
  prop->regsPerMultiprocessor = 65536;
  prop->sharedMemPerBlockOptin = linact_emu::kOptinDynamicSmem;
  prop->reservedSharedMemPerBlock = 1024;
  prop->maxBlocksPerMultiProcessor = 32;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (value == nullptr) return record(cudaErrorInvalidValue);
  cudaDeviceProp p;
  if (cudaError_t err = cudaGetDeviceProperties(&p, device)) return err;
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock:
      *value = p.maxThreadsPerBlock;
      break;
    case cudaDevAttrMaxBlockDimX:
      *value = p.maxThreadsDim[0];
      break;
    case cudaDevAttrMaxBlockDimY:
      *value = p.maxThreadsDim[1];
      break;
    case cudaDevAttrMaxBlockDimZ:
      *value = p.maxThreadsDim[2];
      break;
    case cudaDevAttrMaxGridDimX:
      *value = p.maxGridSize[0];
      break;
    case cudaDevAttrMaxGridDimY:
      *value = p.maxGridSize[1];
      break;
    case cudaDevAttrMaxGridDimZ:
      *value = p.maxGridSize[2];
      break;
    case cudaDevAttrMaxSharedMemoryPerBlock:
      *value = static_cast<int>(p.sharedMemPerBlock);
      break;
    case cudaDevAttrWarpSize:
      *value = p.warpSize;
      break;
    case cudaDevAttrMaxRegistersPerBlock:
      *value = p.regsPerBlock;
      break;
    case cudaDevAttrMultiProcessorCount:
      *value = p.multiProcessorCount;
      break;
    case cudaDevAttrL2CacheSize:
      *value = p.l2CacheSize;
      break;
    case cudaDevAttrMaxThreadsPerMultiProcessor:
      *value = p.maxThreadsPerMultiProcessor;
      break;
    case cudaDevAttrComputeCapabilityMajor:
      *value = p.major;
      break;
    case cudaDevAttrComputeCapabilityMinor:
      *value = p.minor;
      break;
    case cudaDevAttrMaxSharedMemoryPerMultiprocessor:
      *value = static_cast<int>(p.sharedMemPerMultiprocessor);
      break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin:
      *value = static_cast<int>(p.sharedMemPerBlockOptin);
      break;
    default:
      return record(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) {
  if (linact_emu::refuse_during_capture()) return record(cudaErrorStreamCaptureUnsupported);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  if (free_bytes == nullptr || total_bytes == nullptr) return record(cudaErrorInvalidValue);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  *total_bytes = linact_emu::total_memory();
  *free_bytes = *total_bytes > r.device_bytes ? *total_bytes - r.device_bytes : 0;
  return cudaSuccess;
}

// Fresh device memory is 0xFF bytes: NaN as fp32, fp16 and bf16, so a kernel that reads what
// nobody wrote produces NaN in its result.
cudaError_t cudaMalloc(void** ptr, size_t size) {
  if (ptr == nullptr) return record(cudaErrorInvalidValue);
  if (linact_emu::refuse_during_capture()) return record(cudaErrorStreamCaptureUnsupported);
  *ptr = nullptr;
  if (size == 0) return cudaSuccess;
  void* p = nullptr;
  if (posix_memalign(&p, linact_emu::kAllocAlignment, size) != 0) {
    return record(cudaErrorMemoryAllocation);
  }
  std::memset(p, 0xff, size);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.device[reinterpret_cast<uintptr_t>(p)] = size;
  r.device_bytes += size;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  if (linact_emu::refuse_during_capture()) return record(cudaErrorStreamCaptureUnsupported);
  Registry& r = registry();
  size_t size;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.device.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == r.device.end()) return record(cudaErrorInvalidValue);
    size = it->second;
    r.device_bytes -= size;
    r.device.erase(it);
  }
  // Freed memory reads as NaN too, for a kernel that still holds the pointer.
  std::memset(ptr, 0xff, size);
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** ptr, size_t size) {
  if (ptr == nullptr) return record(cudaErrorInvalidValue);
  *ptr = nullptr;
  void* p = nullptr;
  if (posix_memalign(&p, linact_emu::kAllocAlignment, size > 0 ? size : 1) != 0) {
    return record(cudaErrorMemoryAllocation);
  }
  std::memset(p, 0xff, size);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.pinned[reinterpret_cast<uintptr_t>(p)] = size;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFreeHost(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.pinned.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == r.pinned.end()) return record(cudaErrorInvalidValue);
    r.pinned.erase(it);
  }
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind kind,
                            cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  if (dst == nullptr || src == nullptr) return record(cudaErrorInvalidValue);
  if (cudaError_t err = linact_emu::check_copy(dst, count, src, count, kind)) return record(err);
  return linact_emu::enqueue(stream, [=] { std::memmove(dst, src, count); });
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, cudaMemcpyKind kind) {
  if (linact_emu::refuse_during_capture()) return record(cudaErrorStreamCaptureUnsupported);
  return cudaMemcpyAsync(dst, src, count, kind, nullptr);
}

cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch,
                              size_t width, size_t height, cudaMemcpyKind kind,
                              cudaStream_t stream) {
  return linact_emu::copy_2d(dst, dpitch, src, spitch, width, height, kind, stream);
}

cudaError_t cudaMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                         size_t height, cudaMemcpyKind kind) {
  if (linact_emu::refuse_during_capture()) return record(cudaErrorStreamCaptureUnsupported);
  return linact_emu::copy_2d(dst, dpitch, src, spitch, width, height, kind, nullptr);
}

cudaError_t cudaMemsetAsync(void* ptr, int value, size_t count, cudaStream_t stream) {
  return linact_emu::fill(ptr, value, count, stream);
}

cudaError_t cudaMemset(void* ptr, int value, size_t count) {
  if (linact_emu::refuse_during_capture()) return record(cudaErrorStreamCaptureUnsupported);
  return linact_emu::fill(ptr, value, count, nullptr);
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
  if (stream == nullptr || flags > cudaStreamNonBlocking) return record(cudaErrorInvalidValue);
  auto* s = new CUstream_st();
  s->flags = flags;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.streams.insert(s);
  *stream = s;
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  return cudaStreamCreateWithFlags(stream, cudaStreamDefault);
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.streams.erase(stream) == 0) return record(cudaErrorInvalidResourceHandle);
  if (stream->capturing && stream->capture_mode == cudaStreamCaptureModeGlobal) {
    --r.global_captures;
  }
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  CUstream_st* s = linact_emu::resolve(stream);
  if (s == nullptr) return record(cudaErrorInvalidResourceHandle);
  if (s->capturing) {
    s->capture_invalidated = true;
    return record(cudaErrorStreamCaptureUnsupported);
  }
  return cudaSuccess;
}

cudaError_t cudaStreamQuery(cudaStream_t stream) {
  CUstream_st* s = linact_emu::resolve(stream);
  if (s == nullptr) return record(cudaErrorInvalidResourceHandle);
  return s->capturing ? record(cudaErrorStreamCaptureUnsupported) : cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags) {
  (void)flags;
  if (linact_emu::resolve(stream) == nullptr) return record(cudaErrorInvalidResourceHandle);
  if (event == nullptr) return record(cudaErrorInvalidResourceHandle);
  return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  if (event == nullptr) return record(cudaErrorInvalidValue);
  auto* e = new CUevent_st();
  e->flags = flags;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.events.insert(e);
  *event = e;
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  return cudaEventCreateWithFlags(event, cudaEventDefault);
}

namespace {
bool live_event(cudaEvent_t event) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.events.count(event) != 0;
}
}  // namespace

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!live_event(event)) return record(cudaErrorInvalidResourceHandle);
  return linact_emu::enqueue(stream, [event] {
    event->time = std::chrono::steady_clock::now();
    event->recorded = true;
  });
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  return live_event(event) ? cudaSuccess : record(cudaErrorInvalidResourceHandle);
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
  return live_event(event) ? cudaSuccess : record(cudaErrorInvalidResourceHandle);
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (ms == nullptr) return record(cudaErrorInvalidValue);
  if (!live_event(start) || !live_event(end)) return record(cudaErrorInvalidResourceHandle);
  if ((start->flags | end->flags) & cudaEventDisableTiming) {
    return record(cudaErrorInvalidResourceHandle);
  }
  if (!start->recorded || !end->recorded) return record(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.events.erase(event) == 0) return record(cudaErrorInvalidResourceHandle);
  delete event;
  return cudaSuccess;
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  CUstream_st* s = linact_emu::resolve(stream);
  if (s == nullptr) return record(cudaErrorInvalidResourceHandle);
  Registry& r = registry();
  // The legacy default stream synchronises with every other stream and cannot be captured.
  if (s == &r.default_stream) return record(cudaErrorStreamCaptureUnsupported);
  if (s->capturing) return record(cudaErrorIllegalState);
  std::lock_guard<std::mutex> lock(r.mutex);
  s->capturing = true;
  s->capture_invalidated = false;
  s->capture_mode = mode;
  s->captured.clear();
  if (mode == cudaStreamCaptureModeGlobal) ++r.global_captures;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  if (graph == nullptr) return record(cudaErrorInvalidValue);
  CUstream_st* s = linact_emu::resolve(stream);
  if (s == nullptr) return record(cudaErrorInvalidResourceHandle);
  if (!s->capturing) return record(cudaErrorIllegalState);
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    s->capturing = false;
    if (s->capture_mode == cudaStreamCaptureModeGlobal) --r.global_captures;
  }
  std::vector<Op> ops = std::move(s->captured);
  s->captured.clear();
  if (s->capture_invalidated) {
    *graph = nullptr;
    return record(cudaErrorStreamCaptureInvalidated);
  }
  *graph = new CUgraph_st{std::move(ops)};
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  if (status == nullptr) return record(cudaErrorInvalidValue);
  CUstream_st* s = linact_emu::resolve(stream);
  if (s == nullptr) return record(cudaErrorInvalidResourceHandle);
  *status = !s->capturing            ? cudaStreamCaptureStatusNone
            : s->capture_invalidated ? cudaStreamCaptureStatusInvalidated
                                     : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph,
                                 unsigned long long flags) {
  (void)flags;
  if (exec == nullptr || graph == nullptr) return record(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->ops};
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (exec == nullptr) return record(cudaErrorInvalidValue);
  const std::vector<Op>* ops = &exec->ops;
  return linact_emu::enqueue(stream, [ops] {
    for (const Op& op : *ops)
      op();
  });
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}

cudaError_t cudaFuncSetAttribute(const void* func, cudaFuncAttribute attr, int value) {
  if (func == nullptr) return record(cudaErrorInvalidDeviceFunction);
  switch (attr) {
    case cudaFuncAttributeMaxDynamicSharedMemorySize: {
      if (value < 0 || static_cast<size_t>(value) > linact_emu::kOptinDynamicSmem) {
        return record(cudaErrorInvalidValue);
      }
      Registry& r = registry();
      std::lock_guard<std::mutex> lock(r.mutex);
      r.max_dynamic_smem[func] = value;
      return cudaSuccess;
    }
    case cudaFuncAttributePreferredSharedMemoryCarveout:
      return value >= -1 && value <= 100 ? cudaSuccess : record(cudaErrorInvalidValue);
  }
  return record(cudaErrorInvalidValue);
}

cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attr, const void* func) {
  if (attr == nullptr) return record(cudaErrorInvalidValue);
  if (func == nullptr) return record(cudaErrorInvalidDeviceFunction);
  *attr = cudaFuncAttributes{};
  attr->maxThreadsPerBlock = 1024;
  attr->ptxVersion = 90;
  attr->binaryVersion = 90;
  attr->maxDynamicSharedSizeBytes = static_cast<int>(linact_emu::dynamic_smem_limit(func));
  attr->preferredShmemCarveout = -1;
  return cudaSuccess;
}

}  // extern "C"
