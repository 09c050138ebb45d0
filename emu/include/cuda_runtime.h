// The CUDA runtime under g++: the host API of cuda_runtime_api.h plus the device side (built-in
// variables, barriers, warp collectives, atomics, intrinsics) that kernel sources use.
#ifndef LINACT_EMU_CUDA_RUNTIME_H_
#define LINACT_EMU_CUDA_RUNTIME_H_

#include <cuda_runtime_api.h>

#include "linact_emu/device.h"
#include "linact_emu/types.h"

#endif  // LINACT_EMU_CUDA_RUNTIME_H_
