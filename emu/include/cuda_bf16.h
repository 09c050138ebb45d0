// __nv_bfloat16 and __nv_bfloat162 under g++ (see linact_emu/half.h).
#ifndef LINACT_EMU_CUDA_BF16_H_
#define LINACT_EMU_CUDA_BF16_H_

#include "linact_emu/half.h"

#endif  // LINACT_EMU_CUDA_BF16_H_
