#include "backend_select.h"

#include <stdexcept>

#include "cpu/cpu_backend.h"

#if defined(LINACT_GAN_WITH_CUDA)
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include "cuda/cuda_backend.h"
#endif

namespace linact::host {

namespace {

#if defined(LINACT_GAN_WITH_CUDA)
// Whether the NVIDIA driver's library can be loaded at all.
bool driver_installed() {
  void* driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (driver == nullptr) return false;
  ::dlclose(driver);
  return true;
}
#endif

// Whether a CUDA device can be used, and why not when it cannot.
bool cuda_available(std::string& why) {
#if defined(LINACT_GAN_WITH_CUDA)
  int devices = 0;
  const cudaError_t err = cudaGetDeviceCount(&devices);
  if (err == cudaErrorInsufficientDriver && !driver_installed()) {
    // The runtime reports a missing driver as an old one, which would send a user without a
    // GPU to update a driver they do not have.
    why = "no NVIDIA driver is installed: libcuda.so.1 cannot be loaded";
    return false;
  }
  if (err != cudaSuccess) {
    why = std::string("no usable CUDA GPU; the CUDA runtime says: ") + cudaGetErrorString(err);
    return false;
  }
  if (devices == 0) {
    why = "the CUDA runtime found no device";
    return false;
  }
  why = std::to_string(devices) + " CUDA device(s) found";
  return true;
#else
  why = "this build has no CUDA backend (LINACT_BUILD_CUDA=OFF)";
  return false;
#endif
}

}  // namespace

void require_backend(BackendKind kind) {
  std::string why;
  if (kind == BackendKind::kCuda && !cuda_available(why)) {
    throw std::runtime_error("--backend cuda: " + why + "; use --backend cpu or auto");
  }
}

BackendFactory backend_factory(BackendKind kind, int cpu_threads) {
  return [kind, cpu_threads](
             const GanConfig& config, const GanState& state,
             const std::function<void(const std::string&)>& log) -> std::unique_ptr<Backend> {
    std::string why;
    const bool cuda = kind != BackendKind::kCpu && cuda_available(why);
    if (kind == BackendKind::kCuda && !cuda) require_backend(kind);
#if defined(LINACT_GAN_WITH_CUDA)
    if (cuda) {
      if (log) log("backend: cuda (" + why + ")");
      return std::make_unique<cuda::CudaBackend>(config, state);
    }
#endif
    cpu::set_cpu_threads(cpu_threads);
    if (log) {
      log((kind == BackendKind::kCpu ? "backend: cpu (--backend cpu)"
                                     : "backend: cpu (" + why + ")") +
          ", OpenBLAS kernels: " + cpu::blas_kernels());
    }
    return std::make_unique<cpu::CpuBackend>(config, state);
  };
}

}  // namespace linact::host
