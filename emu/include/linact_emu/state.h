// The per-thread and per-block state that the device-side headers read inline (built-in
// variables, dynamic shared memory). The scheduler in emu/src owns the full records; these are
// their first members.
#ifndef LINACT_EMU_STATE_H_
#define LINACT_EMU_STATE_H_

#include <cuda_runtime_api.h>

#include "linact_emu/types.h"

namespace linact_emu {

struct ThreadBuiltins {
  uint3 thread_idx;
};

struct BlockBuiltins {
  uint3 block_idx;
  dim3 block_dim;
  dim3 grid_dim;
  unsigned char* dynamic_smem;
};

namespace detail {
// The fiber running on this worker and the block it belongs to. Fibers never migrate between
// OS threads, so a per-OS-thread pointer that the scheduler updates at each switch is exact.
extern __thread ThreadBuiltins* g_thread;
extern __thread BlockBuiltins* g_block;
}  // namespace detail

// Start of the block's dynamic shared memory: 16-byte aligned, filled with 0xFF bytes (NaN as
// fp32/fp16/bf16) at the start of every block.
inline unsigned char* dynamic_shared_memory() {
  return detail::g_block->dynamic_smem;
}

}  // namespace linact_emu

#endif  // LINACT_EMU_STATE_H_
