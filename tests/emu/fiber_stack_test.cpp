// Fiber stacks: kernels with sizeable locals run; an overflow stops with a message naming the
// kernel, block and thread instead of a bare SIGSEGV.
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "emu_test_util.h"
#include "launch.cuh"

namespace {

__global__ void local_array_sum(int* out) {
  int local[4096];  // 16 KiB per thread, well within the default stack
  for (int i = 0; i < 4096; ++i)
    local[i] = i + static_cast<int>(threadIdx.x);
  long long sum = 0;
  for (int i = 0; i < 4096; ++i)
    sum += local[i];
  out[threadIdx.x] = static_cast<int>(sum % 100000);
}

TEST(FiberStack, KernelsWithSixteenKibOfLocalsRun) {
  DeviceBuffer<int> out(64);
  LINACT_LAUNCH(2, 32, 0, nullptr, local_array_sum)(out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (int t = 0; t < 32; ++t) {
    const long long want = 4095LL * 4096 / 2 + 4096LL * t;
    EXPECT_EQ(got[t], static_cast<int>(want % 100000)) << "thread " << t;
  }
}

// The pause keeps a worker busy long enough that every worker takes a block of the launch.
__global__ void write_block_index(int* out, unsigned pause_us) {
  if (threadIdx.x == 0 && pause_us > 0) usleep(pause_us);
  out[blockIdx.x * blockDim.x + threadIdx.x] = static_cast<int>(blockIdx.x);
}

// Exits 0 when 1024-thread blocks, then 64-thread blocks, on 40 workers fill every element.
[[noreturn]] void run_full_blocks_on_forty_workers() {
  setenv("LINACT_EMU_WORKERS", "40", 1);
  const int blocks = 48, threads = 1024;
  DeviceBuffer<int> out(blocks * threads);
  LINACT_LAUNCH(blocks, threads, 0, nullptr, write_block_index)(out.get(), 2000u);
  const auto big = out.download();
  LINACT_LAUNCH(blocks * 16, 64, 0, nullptr, write_block_index)(out.get(), 0u);
  const auto small = out.download();
  bool ok = cudaGetLastError() == cudaSuccess;
  for (int i = 0; i < blocks * threads; ++i)
    ok = ok && big[i] == i / threads && small[i] == i / 64;
  std::exit(ok ? 0 : 1);
}

// Each worker keeps a stack (two mappings) per thread of the largest block it ran: 40 workers of
// 1024-thread blocks would need 81920 mappings, past Linux's default vm.max_map_count of 65530.
// The launch must use fewer workers instead of failing. A fresh process, so the pool is new.
TEST(FiberStack, FullSizeBlocksOnManyWorkersStayWithinTheMapLimit) {
#if defined(LINACT_EMU_SANITIZE)
  GTEST_SKIP() << "the sanitizer build runs one worker";
#endif
  EXPECT_EXIT(run_full_blocks_on_forty_workers(), testing::ExitedWithCode(0), "");
}

// Unbounded recursion: each frame holds a buffer the optimiser cannot drop.
__device__ __attribute__((noinline)) int recurse(volatile int* sink, int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  *sink = frame[0];
  return recurse(sink, depth + 1) + frame[1];
}

__global__ void overflow_stack(int* out) {
  out[0] = recurse(out, 0);
}

TEST(FiberStackDeathTest, OverflowIsReportedWithKernelBlockAndThread) {
  DeviceBuffer<int> out(1);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, overflow_stack)(out.get()),
               "fiber stack overflow \\([0-9]+ bytes per emulated thread\\) at instruction "
               ".*emu_fiber_stack_test\\+0x[0-9a-f]+.* \\(addr2line .*\\), after the thread's "
               "last barrier or collective at .*fiber_stack_test.cpp:[0-9]+(.|\n)*"
               "kernel overflow_stack(.|\n)*block \\(0, 0, 0\\), thread \\((0|31), 0, 0\\)");
}

}  // namespace
