// __half and __half2 under g++ (see linact_emu/half.h).
#ifndef LINACT_EMU_CUDA_FP16_H_
#define LINACT_EMU_CUDA_FP16_H_

#include "linact_emu/half.h"

#endif  // LINACT_EMU_CUDA_FP16_H_
