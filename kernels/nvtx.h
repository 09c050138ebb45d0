// NVTX ranges, so Nsight timelines show each public call by name. The emulated flavour is built
// without the CUDA toolkit, so there the range does nothing.
#ifndef LINACT_KERNELS_NVTX_H_
#define LINACT_KERNELS_NVTX_H_

#if !defined(LINACT_EMU)
#include <nvtx3/nvToolsExt.h>
#endif

namespace linact {

class NvtxRange {
 public:
#if defined(LINACT_EMU)
  explicit NvtxRange(const char*) {}
#else
  explicit NvtxRange(const char* name) {
    nvtxRangePushA(name);
  }
  ~NvtxRange() {
    nvtxRangePop();
  }
#endif
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace linact

#endif  // LINACT_KERNELS_NVTX_H_
