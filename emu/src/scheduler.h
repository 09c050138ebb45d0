// The block scheduler: each thread of a block is a fiber on a worker thread; fibers switch
// directly to one another at barriers and warp collectives, in the order the policy gives.
#ifndef LINACT_EMU_SRC_SCHEDULER_H_
#define LINACT_EMU_SRC_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include <boost/context/detail/fcontext.hpp>

#include "fiber_stack.h"
#include "linact_emu/device.h"
#include "linact_emu/launch.h"
#include "linact_emu/state.h"

namespace linact_emu {

namespace fctx = boost::context::detail;

enum class Policy : uint8_t { kLockstep, kWarpReverse };
const char* policy_name(Policy policy);

enum class Wait : uint8_t { kRunnable, kBarrier, kWarp, kExited };

struct PendingCopy {
  unsigned char* dst;
  unsigned size;
  unsigned group;
  unsigned char bytes[16];
};

struct Thread : ThreadBuiltins {
  fctx::fcontext_t context = nullptr;
  unsigned linear = 0;
  unsigned warp = 0;
  unsigned lane = 0;
  unsigned position = 0;       // index in the policy's order
  unsigned warp_position = 0;  // index in that order of the warp's first thread to run
  Wait wait = Wait::kRunnable;

  // Where the thread waits (barrier or collective) and the collective's operands.
  const char* file = nullptr;
  int line = 0;
  WarpOp op = WarpOp::kSyncwarp;
  unsigned mask = 0;
  int arg = 0;
  int width = 32;
  uint64_t value = 0;
  uint64_t result = 0;
  const void* in = nullptr;
  void* out = nullptr;

  std::vector<PendingCopy> copies;  // cp.async issued and not yet waited for
  unsigned committed_groups = 0;

  FiberStack stack;
  void* asan_fake_stack = nullptr;
};

// Lanes waiting at one collective: same operation, same mask and, for ldmatrix and mma, the
// same source line. A warp can have several open at once (disjoint or nested sub-warp groups).
struct WarpGroup {
  WarpOp op;
  unsigned mask;
  unsigned arrived;
  int arg;
  int width;
  const char* file;
  int line;
};

struct Warp {
  unsigned present = 0;  // lanes that exist (a block's last warp may be partial)
  unsigned exited = 0;
  unsigned ngroups = 0;
  WarpGroup groups[32];
};

struct LaunchPlan {
  LaunchSite site;
  dim3 grid;
  dim3 block;
  size_t smem;
  Policy policy;
  const std::function<void()>* body;
};

// The policy named by LINACT_EMU_POLICY (lockstep when unset); an unknown name aborts with the
// list of valid ones.
Policy policy_from_env();

// Runs every block of the grid on the worker pool and returns when all have finished.
void run_grid(const LaunchPlan& plan);

// The calling fiber's thread record; aborts with a message when called outside a kernel.
Thread* current_thread(const char* what, const char* file, int line);

// One warp collective with pointer operands (ldmatrix, mma); returns once all lanes of `mask`
// have arrived and the collective is complete.
uint64_t collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width, const void* in,
                    void* out, const char* file, int line);

// Prints an error naming the kernel, block, thread and source line, then aborts.
[[noreturn]] __attribute__((format(printf, 4, 5))) void fail(const Thread* thread, const char* file,
                                                             int line, const char* fmt, ...);

// Whether `ptr` lies inside a cudaMalloc allocation (runtime.cpp): global, not shared, memory.
bool is_global_memory(const void* ptr);

// Completion of the PTX collectives (ptx.cpp); `lanes` are the warp's 32 threads.
void complete_ldmatrix(Thread* const* lanes);
void complete_mma(Thread* const* lanes);

}  // namespace linact_emu

#endif  // LINACT_EMU_SRC_SCHEDULER_H_
