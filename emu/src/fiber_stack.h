// Fiber stacks: mmap'ed with a PROT_NONE guard page below each, so an overflow faults instead of
// silently corrupting a neighbour, and a SIGSEGV handler on an alternate signal stack turns a
// fault in a guard page into a message naming the kernel, block and thread.
#ifndef LINACT_EMU_SRC_FIBER_STACK_H_
#define LINACT_EMU_SRC_FIBER_STACK_H_

#include <cstddef>

namespace linact_emu {

struct FiberStack {
  unsigned char* guard = nullptr;   // lowest address of the mapping; the guard page
  unsigned char* bottom = nullptr;  // lowest usable byte
  size_t size = 0;                  // usable bytes, above the guard page
  unsigned char* top() const { return bottom + size; }
};

// Usable bytes per fiber stack: LINACT_EMU_STACK_KIB or a default that fits the kernels' local
// arrays (larger under ASan, whose redzones grow every frame).
size_t fiber_stack_bytes();
FiberStack allocate_fiber_stack(size_t bytes);
// The kernel's limit on mappings per process (vm.max_map_count).
size_t max_map_count();
// How many fiber stacks the whole process may hold at once: each is two mappings, and part of
// vm.max_map_count is left to everything else. The scheduler caps the workers of a launch so
// that workers x threads per block stays within it.
size_t fiber_stack_budget();
void release_fiber_stack(FiberStack& stack);

// Installs this worker thread's alternate signal stack and, once per process, the handler.
void install_overflow_handler();

// Called from the handler when a fault hits the running fiber's guard page; the scheduler prints
// the kernel, block, thread, the faulting instruction and the thread's last barrier or
// collective, then aborts. `pc` is the faulting instruction, or null where unknown.
[[noreturn]] void report_stack_overflow(const void* pc);
// The running fiber's stack on this worker, or nullptr when no fiber runs.
const FiberStack* running_fiber_stack();

}  // namespace linact_emu

#endif  // LINACT_EMU_SRC_FIBER_STACK_H_
