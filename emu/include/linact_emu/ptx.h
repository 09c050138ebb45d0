// The emulated side of kernels/ptx.cuh: the warp-level PTX operations, computed from the
// fragment layouts the PTX ISA specifies. Each takes the kernel's source line for its errors.
#ifndef LINACT_EMU_PTX_H_
#define LINACT_EMU_PTX_H_

#include <stdint.h>

namespace linact_emu {

enum class MmaInput : int { kBf16 = 0, kF16 = 1 };

// mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}.{bf16,f16}.f32: a warp collective; all 32
// lanes must call it at the same instruction.
void mma_m16n8k16(MmaInput input, float* d, const uint32_t* a, const uint32_t* b, const float* c,
                  const char* file, int line);

// ldmatrix.sync.aligned.m8n8.x{1,2,4}[.trans].shared.b16: lane 8i+r gives the address of row r
// of matrix i; rows must be 16-byte aligned.
void ldmatrix(int matrices, bool trans, uint32_t* regs, const void* row, const char* file,
              int line);

// cp.async of `bytes` (4, 8 or 16) bytes, of which the first `src_bytes` come from `src` and
// the rest are zero. The destination reads as 0xFF bytes until a wait covers its group.
void cp_async(void* dst, const void* src, int bytes, int src_bytes, const char* file, int line);
void cp_async_commit(const char* file, int line);
void cp_async_wait(int pending_groups, const char* file, int line);

}  // namespace linact_emu

#endif  // LINACT_EMU_PTX_H_
