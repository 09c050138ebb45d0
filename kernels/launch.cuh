// One launch form for both flavours. In kernel sources write
//   LINACT_LAUNCH(grid, block, smem_bytes, stream, kernel<Params...>)(args...);
// Under nvcc it is kernel<Params...><<<grid, block, smem_bytes, stream>>>(args...). Under the
// emulator (LINACT_EMU) it runs the kernel's blocks as fibers on the CPU and reports the launch
// site (file:line) in any error it raises.
//
// Dynamic shared memory is declared with LINACT_DYNAMIC_SMEM(type, name) inside a kernel; it
// yields a `type*` named `name` pointing at the block's dynamic shared memory (16-byte aligned).
#ifndef LINACT_KERNELS_LAUNCH_CUH_
#define LINACT_KERNELS_LAUNCH_CUH_

#include <cuda_runtime.h>

#if defined(LINACT_EMU)
#include <linact_emu/launch.h>
#define LINACT_LAUNCH(grid, block, smem_bytes, stream, ...)                             \
  ::linact_emu::Launch((grid), (block), (smem_bytes), (stream), #__VA_ARGS__, __FILE__, \
                       __LINE__)(__VA_ARGS__)
#define LINACT_DYNAMIC_SMEM(type, name) \
  type* name = reinterpret_cast<type*>(::linact_emu::dynamic_shared_memory())
#else
#define LINACT_LAUNCH(grid, block, smem_bytes, stream, ...) \
  __VA_ARGS__<<<(grid), (block), (smem_bytes), (stream)>>>
#define LINACT_DYNAMIC_SMEM(type, name)                                 \
  extern __shared__ __align__(16) unsigned char linact_dynamic_smem_[]; \
  type* name = reinterpret_cast<type*>(linact_dynamic_smem_)
#endif

#endif  // LINACT_KERNELS_LAUNCH_CUH_
