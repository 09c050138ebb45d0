// The emulated kernel launch behind LINACT_LAUNCH (kernels/launch.cuh):
//   ::linact_emu::Launch(grid, block, smem, stream, name, file, line)(kernel)(args...)
// checks the configuration as the CUDA runtime does (an invalid one sets the error that
// cudaGetLastError returns and runs nothing), then runs every block, or records the launch when
// the stream is being captured into a graph. Arguments are converted to the kernel's parameter
// types and copied, as a GPU launch copies them.
#ifndef LINACT_EMU_LAUNCH_H_
#define LINACT_EMU_LAUNCH_H_

#include <cstddef>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <cuda_runtime_api.h>

#include "linact_emu/state.h"

namespace linact_emu {

struct LaunchSite {
  const char* kernel_name;
  const char* file;
  int line;
};

// Validates and runs (or records) one launch; the body runs the kernel for the current thread.
void launch_kernel(const LaunchSite& site, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                   const void* kernel, std::function<void()> body);

template <class... Params>
class BoundLaunch {
 public:
  using Kernel = void (*)(Params...);
  BoundLaunch(const LaunchSite& site, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
              Kernel kernel)
      : site_(site), grid_(grid), block_(block), smem_(smem), stream_(stream), kernel_(kernel) {}

  template <class... Args>
  void operator()(Args&&... args) const {
    static_assert(sizeof...(Args) == sizeof...(Params),
                  "the launch passes a different number of arguments than the kernel takes");
    std::tuple<std::decay_t<Params>...> values(static_cast<Params>(std::forward<Args>(args))...);
    Kernel kernel = kernel_;
    launch_kernel(site_, grid_, block_, smem_, stream_, reinterpret_cast<const void*>(kernel),
                  [kernel, values]() { std::apply(kernel, values); });
  }

 private:
  LaunchSite site_;
  dim3 grid_, block_;
  size_t smem_;
  cudaStream_t stream_;
  Kernel kernel_;
};

class Launch {
 public:
  Launch(dim3 grid, dim3 block, size_t smem, cudaStream_t stream, const char* kernel_name,
         const char* file, int line)
      : site_{kernel_name, file, line}, grid_(grid), block_(block), smem_(smem), stream_(stream) {}

  template <class... Params>
  BoundLaunch<Params...> operator()(void (*kernel)(Params...)) const {
    return BoundLaunch<Params...>(site_, grid_, block_, smem_, stream_, kernel);
  }

 private:
  LaunchSite site_;
  dim3 grid_, block_;
  size_t smem_;
  cudaStream_t stream_;
};

}  // namespace linact_emu

#endif  // LINACT_EMU_LAUNCH_H_
