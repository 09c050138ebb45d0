#include "scheduler.h"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#if defined(LINACT_EMU_SANITIZE)
#include <sanitizer/common_interface_defs.h>
#endif

namespace linact_emu {

namespace detail {
__thread ThreadBuiltins* g_thread = nullptr;
__thread BlockBuiltins* g_block = nullptr;
}  // namespace detail

namespace {

constexpr unsigned kWarpSize = 32;
constexpr unsigned kMaxThreads = 1024;

const char* op_name(WarpOp op) {
  switch (op) {
    case WarpOp::kSyncwarp:
      return "__syncwarp";
    case WarpOp::kShflIdx:
      return "__shfl_sync";
    case WarpOp::kShflUp:
      return "__shfl_up_sync";
    case WarpOp::kShflDown:
      return "__shfl_down_sync";
    case WarpOp::kShflXor:
      return "__shfl_xor_sync";
    case WarpOp::kBallot:
      return "__ballot_sync";
    case WarpOp::kAny:
      return "__any_sync";
    case WarpOp::kAll:
      return "__all_sync";
    case WarpOp::kLdmatrix:
      return "ldmatrix";
    case WarpOp::kMma:
      return "mma.sync";
  }
  return "warp collective";
}

bool same_site(const char* file_a, int line_a, const char* file_b, int line_b) {
  return line_a == line_b && (file_a == file_b || std::strcmp(file_a, file_b) == 0);
}

// One worker thread's block: the thread records, their stacks and the block's state. Records
// and stacks are kept between blocks and launches.
struct Worker : BlockBuiltins {
  const LaunchPlan* plan = nullptr;
  std::vector<Thread> threads;
  std::vector<Warp> warps;
  std::vector<Thread*> order;  // threads in the policy's order
  unsigned nthreads = 0;
  Policy order_policy = Policy::kLockstep;
  unsigned at_barrier = 0;
  const Thread* barrier_thread = nullptr;  // first arrival at the barrier now filling
  unsigned exited = 0;
  int reduce_count = 0;
  Thread* running = nullptr;
  fctx::fcontext_t main_context = nullptr;
  fctx::fcontext_t dead_context = nullptr;  // where an exited fiber's context is dropped
  void* main_stack_bottom = nullptr;
  size_t main_stack_size = 0;
  void* main_fake_stack = nullptr;
  std::vector<unsigned char> smem_storage;
  unsigned stacks_held = 0;  // threads [0, stacks_held) have a fiber stack

  Worker() : threads(kMaxThreads) {}
  ~Worker() { release_stacks_from(0); }
  void release_stacks_from(unsigned first) {
    for (unsigned i = first; i < stacks_held; ++i)
      release_fiber_stack(threads[i].stack);
    stacks_held = std::min(stacks_held, first);
  }
};

thread_local Worker* tl_worker = nullptr;

Worker& worker() {
  return *tl_worker;
}

Thread& lane_thread(Worker& w, unsigned warp, unsigned lane) {
  return w.threads[warp * kWarpSize + lane];
}

// ASan must be told about every stack switch, or it reports the other stacks' frames as
// overflows; a null fake-stack slot tells it the fiber we leave is finished.
void begin_switch(void** fake_stack_slot, const void* bottom, size_t size) {
#if defined(LINACT_EMU_SANITIZE)
  __sanitizer_start_switch_fiber(fake_stack_slot, bottom, size);
#else
  (void)fake_stack_slot, (void)bottom, (void)size;
#endif
}
void end_switch(void* fake_stack) {
#if defined(LINACT_EMU_SANITIZE)
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  (void)fake_stack;
#endif
}

void enter(Worker& w, Thread* to) {
  w.running = to;
  detail::g_thread = to;
}

// Suspends `from` and resumes `to`; returns when some fiber switches back to `from`.
void switch_to(Worker& w, Thread* from, Thread* to) {
  if (from == to) return;
  enter(w, to);
  begin_switch(&from->asan_fake_stack, to->stack.bottom, to->stack.size);
  fctx::transfer_t t = fctx::jump_fcontext(to->context, &from->context);
  *static_cast<fctx::fcontext_t*>(t.data) = t.fctx;
  end_switch(from->asan_fake_stack);
}

// Leaves a finished fiber for good, to `to` or (null) back to the worker's own stack.
[[noreturn]] void leave_to(Worker& w, Thread* to) {
  if (to != nullptr) {
    enter(w, to);
    begin_switch(nullptr, to->stack.bottom, to->stack.size);
    fctx::jump_fcontext(to->context, &w.dead_context);
  } else {
    w.running = nullptr;
    detail::g_thread = nullptr;
    begin_switch(nullptr, w.main_stack_bottom, w.main_stack_size);
    fctx::jump_fcontext(w.main_context, &w.dead_context);
  }
  __builtin_unreachable();
}

void print_thread_line(const Worker& w, const Thread* t) {
  std::fprintf(stderr, "  block (%u, %u, %u), thread (%u, %u, %u) (warp %u, lane %u)\n",
               w.block_idx.x, w.block_idx.y, w.block_idx.z, t->thread_idx.x, t->thread_idx.y,
               t->thread_idx.z, t->warp, t->lane);
}

std::string describe_wait(const Thread& t) {
  char buf[256];
  switch (t.wait) {
    case Wait::kRunnable:
      return "runnable";
    case Wait::kExited:
      return "exited";
    case Wait::kBarrier:
      std::snprintf(buf, sizeof(buf), "__syncthreads at %s:%d", t.file, t.line);
      return buf;
    case Wait::kWarp:
      std::snprintf(buf, sizeof(buf), "%s (mask 0x%08x) at %s:%d", op_name(t.op), t.mask, t.file,
                    t.line);
      return buf;
  }
  return "";
}

// Lists who waits where, one line per run of consecutive threads waiting at the same place.
void print_waits(const Worker& w) {
  unsigned i = 0;
  while (i < w.nthreads) {
    const std::string what = describe_wait(w.threads[i]);
    unsigned j = i + 1;
    while (j < w.nthreads && describe_wait(w.threads[j]) == what)
      ++j;
    if (j - i == 1) {
      std::fprintf(stderr, "    thread %u: %s\n", i, what.c_str());
    } else {
      std::fprintf(stderr, "    threads %u-%u: %s\n", i, j - 1, what.c_str());
    }
    i = j;
  }
}

// Explains a deadlock: a warp collective that waits for a lane which waits elsewhere (at a
// barrier, since collectives of one warp never overlap), then lists every thread's wait.
[[noreturn]] void deadlock(Worker& w, Thread* self) {
  for (unsigned warp_index = 0; warp_index < w.warps.size(); ++warp_index) {
    const Warp& warp = w.warps[warp_index];
    for (unsigned g = 0; g < warp.ngroups; ++g) {
      const WarpGroup& group = warp.groups[g];
      const unsigned missing = group.mask & ~group.arrived;
      const Thread& absent =
          lane_thread(w, warp_index, static_cast<unsigned>(__builtin_ctz(missing)));
      const Thread& waiter =
          lane_thread(w, warp_index, static_cast<unsigned>(__builtin_ctz(group.arrived)));
      fail(&waiter, group.file, group.line,
           "deadlock: lane missing from a warp collective: lanes 0x%08x of warp %u wait at %s "
           "with mask 0x%08x (%s:%d) for lane %u, which waits at %s",
           group.arrived, warp_index, op_name(group.op), group.mask, group.file, group.line,
           absent.lane, describe_wait(absent).c_str());
    }
  }
  fail(self, self->file, self->line, "deadlock: no thread of the block can run");
}

// Next runnable thread after `cur` in the policy's order: lockstep cycles over the whole block;
// warp-reverse finishes the current warp before moving to the next one.
Thread* runnable_after(Worker& w, const Thread* cur) {
  const unsigned n = w.nthreads;
  const unsigned pos = cur->position;
  if (w.plan->policy == Policy::kWarpReverse) {
    const unsigned start = cur->warp_position;
    const unsigned len = static_cast<unsigned>(__builtin_popcount(w.warps[cur->warp].present));
    for (unsigned k = 1; k < len; ++k) {
      Thread* t = w.order[start + (pos - start + k) % len];
      if (t->wait == Wait::kRunnable) return t;
    }
    for (unsigned k = 0; k + len < n; ++k) {
      Thread* t = w.order[(start + len + k) % n];
      if (t->wait == Wait::kRunnable) return t;
    }
    return nullptr;
  }
  for (unsigned p = pos + 1; p < n; ++p) {
    if (w.order[p]->wait == Wait::kRunnable) return w.order[p];
  }
  for (unsigned p = 0; p < pos; ++p) {
    if (w.order[p]->wait == Wait::kRunnable) return w.order[p];
  }
  return nullptr;
}

// Suspends the current thread, which has just started waiting, until it is runnable again.
void wait_here(Worker& w, Thread* self) {
  Thread* next = runnable_after(w, self);
  if (next == nullptr) deadlock(w, self);
  switch_to(w, self, next);
}

const Thread* first_with(const Worker& w, Wait wait) {
  for (unsigned i = 0; i < w.nthreads; ++i) {
    if (w.threads[i].wait == wait) return &w.threads[i];
  }
  return nullptr;
}

[[noreturn]] void exit_current_thread(Worker& w, Thread* self);

void fiber_main(fctx::transfer_t t) {
  *static_cast<fctx::fcontext_t*>(t.data) = t.fctx;
  end_switch(nullptr);
  Worker& w = worker();
  (*w.plan->body)();
  exit_current_thread(w, w.running);
}

const WarpGroup* group_waiting_for(const Warp& warp, unsigned bit) {
  for (unsigned g = 0; g < warp.ngroups; ++g) {
    if (warp.groups[g].mask & bit) return &warp.groups[g];
  }
  return nullptr;
}

[[noreturn]] void exit_current_thread(Worker& w, Thread* self) {
  self->file = w.plan->site.file;
  self->line = w.plan->site.line;
  if (w.at_barrier > 0) {
    const Thread* waiter = first_with(w, Wait::kBarrier);
    fail(self, waiter->file, waiter->line,
         "thread exited while %u other thread(s) of its block wait at __syncthreads (%s:%d); "
         "every thread of a block must reach every barrier, so return only after the last one",
         w.at_barrier, waiter->file, waiter->line);
  }
  Warp& warp = w.warps[self->warp];
  const unsigned bit = 1u << self->lane;
  if (const WarpGroup* group = group_waiting_for(warp, bit)) {
    fail(self, group->file, group->line,
         "lane missing from a warp collective: lane %u exited while lanes 0x%08x of its warp "
         "wait for it at %s with mask 0x%08x (%s:%d)",
         self->lane, group->arrived, op_name(group->op), group->mask, group->file, group->line);
  }
  self->wait = Wait::kExited;
  warp.exited |= bit;
  ++w.exited;
  if (w.exited == w.nthreads) leave_to(w, nullptr);
  Thread* next = runnable_after(w, self);
  if (next == nullptr) deadlock(w, self);
  leave_to(w, next);
}

void build_order(Worker& w, Policy policy) {
  w.order.clear();
  const unsigned nwarps = (w.nthreads + kWarpSize - 1) / kWarpSize;
  if (policy == Policy::kWarpReverse) {
    // Highest warp first and, within a warp, highest lane first: a lane that reads a lower
    // lane's shared-memory write without a __syncwarp between them reads it unwritten.
    for (unsigned warp = nwarps; warp-- > 0;) {
      const unsigned first = warp * kWarpSize;
      const unsigned end = std::min(w.nthreads, first + kWarpSize);
      const auto start = static_cast<unsigned>(w.order.size());
      for (unsigned i = end; i-- > first;) {
        w.order.push_back(&w.threads[i]);
        w.threads[i].warp_position = start;
      }
    }
  } else {
    for (unsigned i = 0; i < w.nthreads; ++i) {
      w.order.push_back(&w.threads[i]);
      w.threads[i].warp_position = i / kWarpSize * kWarpSize;
    }
  }
  for (unsigned p = 0; p < w.order.size(); ++p)
    w.order[p]->position = p;
}

void run_block(Worker& w, const LaunchPlan& plan, uint64_t block_linear) {
  w.plan = &plan;
  w.block_dim = plan.block;
  w.grid_dim = plan.grid;
  w.block_idx.x = static_cast<unsigned>(block_linear % plan.grid.x);
  w.block_idx.y = static_cast<unsigned>(block_linear / plan.grid.x % plan.grid.y);
  w.block_idx.z = static_cast<unsigned>(block_linear / plan.grid.x / plan.grid.y);

  const unsigned n = plan.block.x * plan.block.y * plan.block.z;
  if (n != w.nthreads || plan.policy != w.order_policy || w.order.empty()) {
    w.nthreads = n;
    w.order_policy = plan.policy;
    build_order(w, plan.policy);
  }
  const unsigned nwarps = (n + kWarpSize - 1) / kWarpSize;
  w.warps.assign(nwarps, Warp{});
  for (unsigned warp = 0; warp < nwarps; ++warp) {
    const unsigned lanes = std::min(kWarpSize, n - warp * kWarpSize);
    w.warps[warp].present = lanes == kWarpSize ? ~0u : (1u << lanes) - 1;
  }

  // Dynamic shared memory starts as NaN bytes, so a read before the block wrote it shows.
#if defined(LINACT_EMU_SANITIZE)
  // Exactly the requested size, so ASan reports a read one past its end.
  unsigned char* smem = static_cast<unsigned char*>(std::malloc(plan.smem > 0 ? plan.smem : 1));
  std::memset(smem, 0xff, plan.smem);
  w.dynamic_smem = smem;
#else
  if (w.smem_storage.size() < plan.smem + 128) w.smem_storage.resize(plan.smem + 128);
  auto addr = reinterpret_cast<uintptr_t>(w.smem_storage.data());
  w.dynamic_smem = reinterpret_cast<unsigned char*>((addr + 127) & ~uintptr_t{127});
  std::memset(w.dynamic_smem, 0xff, plan.smem);
#endif

  const size_t stack_bytes = fiber_stack_bytes();
  for (unsigned i = 0; i < n; ++i) {
    Thread& t = w.threads[i];
    t.linear = i;
    t.warp = i / kWarpSize;
    t.lane = i % kWarpSize;
    t.thread_idx.x = i % plan.block.x;
    t.thread_idx.y = i / plan.block.x % plan.block.y;
    t.thread_idx.z = i / plan.block.x / plan.block.y;
    t.wait = Wait::kRunnable;
    t.file = plan.site.file;
    t.line = plan.site.line;
    t.copies.clear();
    t.committed_groups = 0;
    if (t.stack.bottom == nullptr) t.stack = allocate_fiber_stack(stack_bytes);
    t.context = fctx::make_fcontext(t.stack.top(), t.stack.size, fiber_main);
  }
  w.stacks_held = std::max(w.stacks_held, n);
  w.at_barrier = 0;
  w.exited = 0;
  w.reduce_count = 0;

  detail::g_block = &w;
  Thread* first = w.order[0];
  enter(w, first);
  begin_switch(&w.main_fake_stack, first->stack.bottom, first->stack.size);
  fctx::jump_fcontext(first->context, &w.main_context);
  end_switch(w.main_fake_stack);
  detail::g_block = nullptr;
#if defined(LINACT_EMU_SANITIZE)
  std::free(w.dynamic_smem);
#endif
  w.dynamic_smem = nullptr;
}

void record_main_stack(Worker& w) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &w.main_stack_bottom, &w.main_stack_size);
    pthread_attr_destroy(&attr);
  }
}

// Persistent workers, one block at a time each. A forked child (a death test) gets a fresh pool
// on its first launch: fork copies only the calling thread, not the workers.
//
// Every worker keeps the fiber stacks of the largest block it ran, two mappings each, and the
// process may hold only vm.max_map_count mappings: 32 workers with 1024-thread blocks would
// exceed Linux's default. So a launch uses only as many workers as the stack budget allows for
// its block size, and idle workers give back stacks when the launch would not fit otherwise.
class Pool {
 public:
  explicit Pool(unsigned nworkers) : workers_(nworkers, nullptr) {
    for (unsigned i = 0; i < nworkers; ++i)
      threads_.emplace_back([this, i] { work(i); });
  }

  void run(const LaunchPlan& plan) {
    const uint64_t total_blocks = static_cast<uint64_t>(plan.grid.x) * plan.grid.y * plan.grid.z;
    const unsigned block_threads = plan.block.x * plan.block.y * plan.block.z;
    std::unique_lock<std::mutex> lock(mutex_);
    const unsigned active = fit_stacks(block_threads, total_blocks);
    plan_ = &plan;
    active_ = active;
    total_blocks_ = total_blocks;
    next_block_.store(0, std::memory_order_relaxed);
    busy_ = static_cast<unsigned>(threads_.size());
    ++generation_;
    work_cv_.notify_all();
    done_cv_.wait(lock, [this] { return busy_ == 0; });
    plan_ = nullptr;
  }

 private:
  // Number of workers this launch may use, after releasing idle workers' stacks if the launch
  // would otherwise exceed the budget. Called with the workers idle (mutex_ held, busy_ == 0).
  unsigned fit_stacks(unsigned block_threads, uint64_t total_blocks) {
    const size_t budget = fiber_stack_budget();
    if (block_threads > budget) {
      std::fprintf(stderr,
                   "linact_emu: error: a block of %u threads needs %u fiber stacks of two "
                   "mappings each, but vm.max_map_count (%zu) leaves room for %zu; raise "
                   "vm.max_map_count (sysctl vm.max_map_count=...)\n",
                   block_threads, block_threads, max_map_count(), budget);
      std::abort();
    }
    const uint64_t by_budget = budget / block_threads;
    const unsigned active = static_cast<unsigned>(
        std::max<uint64_t>(1, std::min<uint64_t>({workers_.size(), by_budget, total_blocks})));
    auto needed = [&] {
      size_t sum = 0;
      for (unsigned i = 0; i < workers_.size(); ++i) {
        const unsigned held = workers_[i] != nullptr ? workers_[i]->stacks_held : 0;
        sum += i < active ? std::max(held, block_threads) : held;
      }
      return sum;
    };
    if (needed() > budget) {
      for (unsigned i = active; i < workers_.size(); ++i)
        if (workers_[i] != nullptr) workers_[i]->release_stacks_from(0);
    }
    if (needed() > budget) {
      for (unsigned i = 0; i < active; ++i)
        if (workers_[i] != nullptr) workers_[i]->release_stacks_from(block_threads);
    }
    return active;
  }

  void work(unsigned index) {
    install_overflow_handler();
    Worker w;
    tl_worker = &w;
    record_main_stack(w);
    uint64_t seen = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      workers_[index] = &w;
    }
    for (;;) {
      const LaunchPlan* plan;
      bool take_blocks;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        plan = plan_;
        take_blocks = index < active_;
      }
      while (take_blocks) {
        const uint64_t b = next_block_.fetch_add(1, std::memory_order_relaxed);
        if (b >= total_blocks_) break;
        run_block(w, *plan, b);
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_ == 0) done_cv_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::vector<Worker*> workers_;  // registered by each worker thread once it runs
  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  const LaunchPlan* plan_ = nullptr;
  uint64_t generation_ = 0;
  unsigned busy_ = 0;
  unsigned active_ = 0;
  uint64_t total_blocks_ = 0;
  std::atomic<uint64_t> next_block_{0};
};

unsigned worker_count() {
#if defined(LINACT_EMU_SANITIZE)
  return 1;
#else
  if (const char* env = std::getenv("LINACT_EMU_WORKERS")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(env, &end, 10);
    if (end == env || *end != '\0' || v < 1 || v > 1024) {
      std::fprintf(stderr,
                   "linact_emu: LINACT_EMU_WORKERS='%s' is not a worker count; give an integer "
                   "from 1 to 1024, or unset it to use every hardware thread\n",
                   env);
      std::abort();
    }
    return static_cast<unsigned>(v);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
#endif
}

Pool* g_pool = nullptr;
std::mutex g_launch_mutex;

void forget_pool_in_child() {
  // The parent's workers do not exist in the child; the old pool is abandoned, not destroyed.
  g_pool = nullptr;
  new (&g_launch_mutex) std::mutex();
}

}  // namespace

const char* policy_name(Policy policy) {
  return policy == Policy::kWarpReverse ? "warp-reverse" : "lockstep";
}

Policy policy_from_env() {
  const char* env = std::getenv("LINACT_EMU_POLICY");
  if (env == nullptr || *env == '\0' || std::strcmp(env, "lockstep") == 0) {
    return Policy::kLockstep;
  }
  if (std::strcmp(env, "warp-reverse") == 0) return Policy::kWarpReverse;
  std::fprintf(stderr,
               "linact_emu: LINACT_EMU_POLICY='%s' is not a scheduling policy; use 'lockstep' "
               "(the default) or 'warp-reverse'\n",
               env);
  std::abort();
}

void run_grid(const LaunchPlan& plan) {
  std::lock_guard<std::mutex> lock(g_launch_mutex);
  if (g_pool == nullptr) {
    static std::once_flag atfork_once;
    std::call_once(atfork_once, [] { pthread_atfork(nullptr, nullptr, forget_pool_in_child); });
    g_pool = new Pool(worker_count());
  }
  g_pool->run(plan);
}

void fail(const Thread* thread, const char* file, int line, const char* fmt, ...) {
  char msg[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(msg, sizeof(msg), fmt, args);
  va_end(args);
  std::fprintf(stderr, "linact_emu: error: %s\n", msg);
  Worker* w = tl_worker;
  if (w != nullptr && w->plan != nullptr) {
    std::fprintf(stderr, "  kernel %s, launched at %s:%d (policy %s)\n", w->plan->site.kernel_name,
                 w->plan->site.file, w->plan->site.line, policy_name(w->plan->policy));
    if (thread != nullptr) print_thread_line(*w, thread);
    if (std::strncmp(msg, "deadlock", 8) == 0) {
      std::fprintf(stderr, "  who waits where (threads by linear index):\n");
      print_waits(*w);
    }
  }
  if (file != nullptr) std::fprintf(stderr, "  at %s:%d\n", file, line);
  std::fflush(stderr);
  std::abort();
}

Thread* current_thread(const char* what, const char* file, int line) {
  Worker* w = tl_worker;
  if (w == nullptr || w->running == nullptr) {
    fail(nullptr, file, line, "%s called outside a kernel", what);
  }
  return w->running;
}

const FiberStack* running_fiber_stack() {
  Worker* w = tl_worker;
  return w != nullptr && w->running != nullptr ? &w->running->stack : nullptr;
}

void report_stack_overflow(const void* pc) {
  Worker* w = tl_worker;
  const Thread* t = w->running;
  // Kernels are mostly internal functions without a dynamic symbol, so the instruction is given
  // as an offset into its binary, for addr2line; the source line is the thread's last barrier or
  // collective (the launch site if it reached none).
  char where[512] = "unknown instruction";
  Dl_info info{};
  if (pc != nullptr && dladdr(pc, &info) != 0 && info.dli_fname != nullptr) {
    const auto offset =
        reinterpret_cast<uintptr_t>(pc) - reinterpret_cast<uintptr_t>(info.dli_fbase);
    std::snprintf(where, sizeof(where), "instruction %s+0x%zx%s%s (addr2line -f -C -e %s 0x%zx)",
                  info.dli_fname, static_cast<size_t>(offset), info.dli_sname ? " in " : "",
                  info.dli_sname ? info.dli_sname : "", info.dli_fname,
                  static_cast<size_t>(offset));
  }
  fail(t, t->file, t->line,
       "fiber stack overflow (%zu bytes per emulated thread) at %s, after the thread's last "
       "barrier or collective at %s:%d: the kernel's locals or recursion are too deep; raise "
       "LINACT_EMU_STACK_KIB if the kernel is meant to use that much",
       t->stack.size, where, t->file, t->line);
}

int syncthreads_reduce(int op, int predicate, const char* file, int line) {
  Thread* self = current_thread("__syncthreads", file, line);
  Worker& w = worker();
  self->file = file;
  self->line = line;
  if (w.exited > 0) {
    const Thread* gone = first_with(w, Wait::kExited);
    fail(self, file, line,
         "__syncthreads can never complete: thread (%u, %u, %u) of this block already exited; "
         "every thread of a block must reach every barrier",
         gone->thread_idx.x, gone->thread_idx.y, gone->thread_idx.z);
  }
  if (w.at_barrier == 0) {
    w.barrier_thread = self;
  } else if (!same_site(w.barrier_thread->file, w.barrier_thread->line, file, line)) {
    const Thread* waiter = w.barrier_thread;
    fail(self, file, line,
         "__syncthreads reached at different places: thread (%u, %u, %u) waits at %s:%d; "
         "CUDA leaves a barrier in divergent code undefined, so every thread of the block "
         "must reach the same __syncthreads",
         waiter->thread_idx.x, waiter->thread_idx.y, waiter->thread_idx.z, waiter->file,
         waiter->line);
  }
  w.reduce_count += predicate != 0;
  if (++w.at_barrier < w.nthreads) {
    self->wait = Wait::kBarrier;
    wait_here(w, self);
    return static_cast<int>(self->result);
  }

  // Last arrival: release everyone and restart from the head of the policy's order.
  const int count = w.reduce_count;
  const int total = static_cast<int>(w.nthreads);
  const uint64_t result = op == 0 ? count : op == 1 ? count == total : count != 0;
  for (unsigned i = 0; i < w.nthreads; ++i) {
    w.threads[i].wait = Wait::kRunnable;
    w.threads[i].result = result;
  }
  w.at_barrier = 0;
  w.reduce_count = 0;
  switch_to(w, self, w.order[0]);
  return static_cast<int>(self->result);
}

void syncthreads(const char* file, int line) {
  syncthreads_reduce(0, 0, file, line);
}

namespace {

void complete_shuffle(Worker& w, unsigned warp_index, unsigned mask, WarpOp op) {
  for (unsigned lanes = mask; lanes != 0; lanes &= lanes - 1) {
    const unsigned lane = static_cast<unsigned>(__builtin_ctz(lanes));
    Thread& t = lane_thread(w, warp_index, lane);
    const unsigned width = static_cast<unsigned>(t.width);
    const unsigned seg_start = lane & ~(width - 1);
    const unsigned seg_end = seg_start + width;  // one past the segment's last lane
    // shfl.sync uses only the low five bits of the lane, delta or xor mask: a delta of 33 is
    // a delta of 1, and a negative source lane counts from the top of the segment.
    const unsigned arg = static_cast<unsigned>(t.arg) & (kWarpSize - 1);
    unsigned src = lane;
    bool valid = true;
    switch (op) {
      case WarpOp::kShflIdx:
        src = seg_start + (arg & (width - 1));
        break;
      case WarpOp::kShflUp:
        valid = lane >= seg_start + arg;
        src = lane - arg;
        break;
      case WarpOp::kShflDown:
        src = lane + arg;
        valid = src < seg_end;
        break;
      default:
        src = lane ^ arg;
        valid = src < seg_end;
        break;
    }
    if (!valid) src = lane;
    if (!(mask & (1u << src))) {
      fail(&t, t.file, t.line,
           "%s reads lane %u, which is not in the mask 0x%08x; the value would be undefined on "
           "a GPU",
           op_name(op), src, mask);
    }
    t.result = lane_thread(w, warp_index, src).value;
  }
}

void complete_collective(Worker& w, unsigned warp_index, unsigned mask, WarpOp op) {
  switch (op) {
    case WarpOp::kSyncwarp:
      return;
    case WarpOp::kBallot:
    case WarpOp::kAny:
    case WarpOp::kAll: {
      unsigned votes = 0;
      for (unsigned lanes = mask; lanes != 0; lanes &= lanes - 1) {
        const unsigned lane = static_cast<unsigned>(__builtin_ctz(lanes));
        if (lane_thread(w, warp_index, lane).value != 0) votes |= 1u << lane;
      }
      const uint64_t result = op == WarpOp::kBallot ? votes
                              : op == WarpOp::kAny  ? votes != 0
                                                    : votes == mask;
      for (unsigned lanes = mask; lanes != 0; lanes &= lanes - 1) {
        lane_thread(w, warp_index, static_cast<unsigned>(__builtin_ctz(lanes))).result = result;
      }
      return;
    }
    case WarpOp::kLdmatrix:
    case WarpOp::kMma: {
      Thread* lanes[kWarpSize];
      for (unsigned lane = 0; lane < kWarpSize; ++lane)
        lanes[lane] = &lane_thread(w, warp_index, lane);
      if (op == WarpOp::kLdmatrix) {
        complete_ldmatrix(lanes);
      } else {
        complete_mma(lanes);
      }
      return;
    }
    default:
      complete_shuffle(w, warp_index, mask, op);
      return;
  }
}

bool needs_convergence(WarpOp op) {
  return op == WarpOp::kLdmatrix || op == WarpOp::kMma;
}

}  // namespace

uint64_t collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width, const void* in,
                    void* out, const char* file, int line) {
  Thread* self = current_thread(op_name(op), file, line);
  Worker& w = worker();
  Warp& warp = w.warps[self->warp];
  const unsigned bit = 1u << self->lane;
  self->file = file;
  self->line = line;

  if (width < 1 || width > 32 || (width & (width - 1)) != 0) {
    fail(self, file, line, "%s with width %d; the width must be a power of two from 1 to 32",
         op_name(op), width);
  }
  if (!(mask & bit)) {
    fail(self, file, line, "%s with mask 0x%08x, which does not include the calling lane %u",
         op_name(op), mask, self->lane);
  }
  if (mask & ~warp.present) {
    fail(self, file, line,
         "%s with mask 0x%08x names lanes 0x%08x that do not exist: warp %u of this %u-thread "
         "block has lanes 0x%08x",
         op_name(op), mask, mask & ~warp.present, self->warp, w.nthreads, warp.present);
  }
  if (mask & warp.exited) {
    fail(self, file, line,
         "lane missing from a warp collective: %s with mask 0x%08x waits for lanes 0x%08x, "
         "which already exited",
         op_name(op), mask, mask & warp.exited);
  }
  // Join the group waiting at this collective, or open one. A lane of our mask waiting at a
  // different collective whose mask includes us is a mismatch: each waits for the other.
  const bool strict_site = needs_convergence(op);
  WarpGroup* group = nullptr;
  for (unsigned g = 0; g < warp.ngroups; ++g) {
    WarpGroup& other = warp.groups[g];
    const bool same =
        other.op == op && other.mask == mask &&
        (!strict_site || (other.arg == arg && same_site(other.file, other.line, file, line)));
    if (same) {
      group = &other;
      if (other.width != width) {
        const Thread& rep =
            lane_thread(w, self->warp, static_cast<unsigned>(__builtin_ctz(other.arrived)));
        fail(self, file, line,
             "%s with width %d, while lane %u of the same collective passed width %d (%s:%d); "
             "all lanes of a shuffle must pass the same width",
             op_name(op), width, rep.lane, other.width, other.file, other.line);
      }
    } else if ((other.arrived & mask) && (other.mask & bit)) {
      const Thread& rep =
          lane_thread(w, self->warp, static_cast<unsigned>(__builtin_ctz(other.arrived & mask)));
      fail(self, file, line,
           "%s%s with mask 0x%08x, while lane %u of the same warp waits at %s with mask 0x%08x "
           "(%s:%d); all lanes of a collective must reach it with the same mask%s",
           strict_site ? "non-converged warp: " : "mismatched masks: ", op_name(op), mask, rep.lane,
           op_name(other.op), other.mask, other.file, other.line,
           strict_site ? ", at the same instruction" : "");
    }
  }
  if (group == nullptr) {
    group = &warp.groups[warp.ngroups++];
    *group = WarpGroup{op, mask, 0, arg, width, file, line};
  }

  self->value = value;
  self->arg = arg;
  self->width = width;
  self->in = in;
  self->out = out;
  group->arrived |= bit;
  if (group->arrived != mask) {
    self->wait = Wait::kWarp;
    self->op = op;
    self->mask = mask;
    wait_here(w, self);
    return self->result;
  }

  complete_collective(w, self->warp, mask, op);
  *group = warp.groups[--warp.ngroups];
  for (unsigned lanes = mask & ~bit; lanes != 0; lanes &= lanes - 1) {
    lane_thread(w, self->warp, static_cast<unsigned>(__builtin_ctz(lanes))).wait = Wait::kRunnable;
  }
  return self->result;
}

uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width,
                         const char* file, int line) {
  return collective(op, mask, value, arg, width, nullptr, nullptr, file, line);
}

unsigned active_mask() {
  Thread* self = current_thread("__activemask", nullptr, 0);
  const Warp& warp = worker().warps[self->warp];
  return warp.present & ~warp.exited;
}

}  // namespace linact_emu
