#include "fiber_stack.h"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace linact_emu {
namespace {

#if defined(LINACT_EMU_SANITIZE)
constexpr size_t kDefaultStackKib = 1024;
#else
constexpr size_t kDefaultStackKib = 128;
#endif
constexpr size_t kAltStackBytes = 256 * 1024;
// Linux's default vm.max_map_count, used when /proc does not say.
constexpr size_t kDefaultMaxMapCount = 65530;

struct sigaction g_previous_segv;

size_t page_size() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// A fault is an overflow of the running fiber's stack when the faulting address lies in its
// guard page, or the stack pointer has already left the usable range (a frame larger than the
// guard page can jump over it).
bool is_fiber_overflow(const siginfo_t* info, const void* context) {
  const FiberStack* stack = running_fiber_stack();
  if (stack == nullptr || stack->guard == nullptr) return false;
  auto* addr = static_cast<unsigned char*>(info->si_addr);
  if (addr >= stack->guard && addr < stack->bottom) return true;
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  auto* sp = reinterpret_cast<unsigned char*>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  auto* sp = reinterpret_cast<unsigned char*>(uc->uc_mcontext.sp);
#else
  unsigned char* sp = nullptr;
#endif
  return sp != nullptr && sp < stack->bottom && sp + 16 * page_size() >= stack->guard;
}

const void* faulting_pc(const void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return reinterpret_cast<const void*>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return nullptr;
#endif
}

void on_segv(int sig, siginfo_t* info, void* context) {
  if (is_fiber_overflow(info, context)) report_stack_overflow(faulting_pc(context));
  // Not ours: hand the fault to whoever handled SIGSEGV before (ASan, or the default action).
  if (g_previous_segv.sa_flags & SA_SIGINFO) {
    g_previous_segv.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous_segv.sa_handler == SIG_IGN || g_previous_segv.sa_handler == SIG_DFL) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  g_previous_segv.sa_handler(sig);
}

}  // namespace

size_t fiber_stack_bytes() {
  static const size_t bytes = [] {
    size_t kib = kDefaultStackKib;
    if (const char* env = std::getenv("LINACT_EMU_STACK_KIB")) {
      char* end = nullptr;
      unsigned long v = std::strtoul(env, &end, 10);
      if (end == env || *end != '\0' || v < 16 || v > 65536) {
        std::fprintf(stderr,
                     "linact_emu: LINACT_EMU_STACK_KIB='%s' is not a stack size; give the KiB "
                     "per emulated thread as an integer from 16 to 65536\n",
                     env);
        std::abort();
      }
      kib = v;
    }
    const size_t page = page_size();
    return (kib * 1024 + page - 1) / page * page;
  }();
  return bytes;
}

size_t max_map_count() {
  static const size_t count = [] {
    size_t value = kDefaultMaxMapCount;
    if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
      unsigned long v = 0;
      if (std::fscanf(f, "%lu", &v) == 1 && v > 0) value = v;
      std::fclose(f);
    }
    return value;
  }();
  return count;
}

size_t fiber_stack_budget() {
  // The rest of the process (libraries, malloc arenas, thread stacks, the sanitizer's shadow)
  // keeps an eighth of the map limit; each fiber stack is two mappings (stack and guard page).
  const size_t maps = max_map_count();
  const size_t reserve = std::max<size_t>(1024, maps / 8);
  return maps > reserve ? (maps - reserve) / 2 : 0;
}

FiberStack allocate_fiber_stack(size_t bytes) {
  const size_t page = page_size();
  void* base = mmap(nullptr, bytes + page, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    const int err = errno;
    std::fprintf(stderr,
                 "linact_emu: cannot map a %zu-byte fiber stack: %s; the process may have "
                 "reached vm.max_map_count (%zu mappings, two per emulated thread), or memory "
                 "is short: lower LINACT_EMU_WORKERS, LINACT_EMU_STACK_KIB or the block size\n",
                 bytes, std::strerror(err), max_map_count());
    std::abort();
  }
  if (mprotect(base, page, PROT_NONE) != 0) {
    const int err = errno;
    std::fprintf(stderr, "linact_emu: cannot protect a fiber stack's guard page: %s; %s\n",
                 std::strerror(err),
                 err == ENOMEM ? "the process has reached vm.max_map_count (every emulated "
                                 "thread's stack is two mappings): lower LINACT_EMU_WORKERS or "
                                 "the block size, or raise vm.max_map_count"
                               : "the guard page is what turns a stack overflow into a message");
    std::abort();
  }
  FiberStack stack;
  stack.guard = static_cast<unsigned char*>(base);
  stack.bottom = stack.guard + page;
  stack.size = bytes;
  return stack;
}

void release_fiber_stack(FiberStack& stack) {
  if (stack.guard != nullptr) munmap(stack.guard, stack.size + page_size());
  stack = FiberStack{};
}

void install_overflow_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &g_previous_segv);
  });
  // The alternate stack belongs to the worker thread for its whole life.
  static thread_local bool installed = false;
  if (installed) return;
  // Mapped rather than malloc'ed: only the kernel holds the pointer, for the thread's life.
  void* memory =
      mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return;
  stack_t alt{};
  alt.ss_sp = memory;
  alt.ss_size = kAltStackBytes;
  if (sigaltstack(&alt, nullptr) == 0) installed = true;
}

}  // namespace linact_emu
