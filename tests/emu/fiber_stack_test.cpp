// Fiber stacks: kernels with sizeable locals run; an overflow stops with a message naming the
// kernel, block and thread instead of a bare SIGSEGV.
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
               "fiber stack overflow(.|\n)*kernel overflow_stack(.|\n)*block \\(0, 0, 0\\), "
               "thread \\(0, 0, 0\\)");
}

}  // namespace
