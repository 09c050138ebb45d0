// The block scheduler: built-in variables, barriers, shared memory, warp collectives against
// their documented semantics, the two policies, and one death test per strictness check.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "emu_test_util.h"
#include "launch.cuh"

namespace {

constexpr unsigned kFull = 0xffffffffu;

__global__ void write_builtins(unsigned* out) {
  const unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  unsigned* o = out + 8 * (block * blockDim.x * blockDim.y * blockDim.z + thread);
  o[0] = threadIdx.x;
  o[1] = threadIdx.y;
  o[2] = threadIdx.z;
  o[3] = blockIdx.x;
  o[4] = blockIdx.y;
  o[5] = blockIdx.z;
  o[6] = blockDim.x * blockDim.y * blockDim.z;
  o[7] = gridDim.x * gridDim.y * gridDim.z;
}

TEST(Builtins, MatchTheLaunchConfigurationIn3d) {
  const dim3 grid(3, 2, 2), block(4, 3, 2);
  const unsigned blocks = 12, threads = 24;
  DeviceBuffer<unsigned> out(8 * blocks * threads);
  LINACT_LAUNCH(grid, block, 0, nullptr, write_builtins)(out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (unsigned bz = 0; bz < 2; ++bz)
    for (unsigned by = 0; by < 2; ++by)
      for (unsigned bx = 0; bx < 3; ++bx)
        for (unsigned tz = 0; tz < 2; ++tz)
          for (unsigned ty = 0; ty < 3; ++ty)
            for (unsigned tx = 0; tx < 4; ++tx) {
              const unsigned b = bx + 3 * (by + 2 * bz), t = tx + 4 * (ty + 3 * tz);
              const unsigned* o = &got[8 * (b * threads + t)];
              const unsigned want[8] = {tx, ty, tz, bx, by, bz, threads, blocks};
              for (int i = 0; i < 8; ++i) {
                ASSERT_EQ(o[i], want[i]) << "block " << b << " thread " << t << " field " << i;
              }
            }
}

// Each thread writes one element; after the barrier each reads the element of its mirror
// thread, which a later-scheduled thread wrote.
__global__ void reverse_in_shared(const int* in, int* out) {
  __shared__ int buf[256];
  buf[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
  __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = buf[blockDim.x - 1 - threadIdx.x];
}

TEST(Syncthreads, PublishesSharedMemoryWritesToTheWholeBlock) {
  const int blocks = 16, threads = 256;
  std::vector<int> in(blocks * threads);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<int>(i);
  DeviceBuffer<int> din(in.size()), dout(in.size());
  din.upload(in);
  LINACT_LAUNCH(blocks, threads, 0, nullptr, reverse_in_shared)(din.get(), dout.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = dout.download();
  for (int b = 0; b < blocks; ++b) {
    for (int t = 0; t < threads; ++t) {
      ASSERT_EQ(got[b * threads + t], b * threads + threads - 1 - t) << "block " << b;
    }
  }
}

__global__ void count_predicates(int* out) {
  const int t = static_cast<int>(threadIdx.x);
  out[0] = __syncthreads_count(t % 3 == 0);
  out[1] = __syncthreads_and(t >= 0);
  out[2] = __syncthreads_and(t != 5);
  out[3] = __syncthreads_or(t == 77);
  out[4] = __syncthreads_or(t > 1000);
}

TEST(Syncthreads, CountAndOrReduceThePredicateOverTheBlock) {
  DeviceBuffer<int> out(5);
  LINACT_LAUNCH(1, 100, 0, nullptr, count_predicates)(out.get());
  EMU_CHECK(cudaGetLastError());
  EXPECT_EQ(out.download(), (std::vector<int>{34, 1, 0, 1, 0}));
}

// Blocks run in parallel on the worker pool; each must see only its own shared array.
__global__ void shared_is_per_block(int* out) {
  __shared__ int tag[64];
  tag[threadIdx.x] = static_cast<int>(blockIdx.x);
  __syncthreads();
  int sum = 0;
  for (int i = 0; i < 64; ++i)
    sum += tag[i];
  __syncthreads();
  out[blockIdx.x * 64 + threadIdx.x] = sum;
}

TEST(SharedMemory, IsOneCopyPerBlock) {
  const int blocks = 64;
  DeviceBuffer<int> out(blocks * 64);
  LINACT_LAUNCH(blocks, 64, 0, nullptr, shared_is_per_block)(out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (int i = 0; i < blocks * 64; ++i)
    ASSERT_EQ(got[i], 64 * (i / 64)) << "index " << i;
}

__global__ void read_dynamic_smem(float* out) {
  LINACT_DYNAMIC_SMEM(float, smem);
  out[threadIdx.x] = smem[threadIdx.x];
  out[blockDim.x + threadIdx.x] = static_cast<float>(reinterpret_cast<uintptr_t>(smem) % 16);
}

TEST(SharedMemory, DynamicStartsAsNanAndIs16ByteAligned) {
  DeviceBuffer<float> out(64);
  LINACT_LAUNCH(1, 32, 32 * sizeof(float), nullptr, read_dynamic_smem)(out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (int i = 0; i < 32; ++i)
    EXPECT_TRUE(std::isnan(got[i])) << "index " << i;
  for (int i = 32; i < 64; ++i)
    EXPECT_EQ(got[i], 0.0f) << "index " << i;
}

// Warp collectives. The references below restate the CUDA Programming Guide's definitions.
enum class Shfl { kIdx, kUp, kDown, kXor };

template <Shfl kKind>
__global__ void shuffle(const int* in, int* out, int arg, int width) {
  const int v = in[threadIdx.x];
  int r;
  if (kKind == Shfl::kIdx) r = __shfl_sync(kFull, v, arg, width);
  if (kKind == Shfl::kUp) r = __shfl_up_sync(kFull, v, static_cast<unsigned>(arg), width);
  if (kKind == Shfl::kDown) r = __shfl_down_sync(kFull, v, static_cast<unsigned>(arg), width);
  if (kKind == Shfl::kXor) r = __shfl_xor_sync(kFull, v, arg, width);
  out[threadIdx.x] = r;
}

// Source lane per the guide: idx reads lane (src mod width) of the caller's segment; up/down
// keep the caller's value when the source falls outside its segment; xor may read an earlier
// segment but not a later one. The PTX ISA's shfl.sync reads only bits 4:0 of the lane, delta
// or xor operand, so 33 acts as 1 and -1 as 31.
int reference_source(Shfl kind, int lane, int arg, int width) {
  arg = static_cast<int>(static_cast<unsigned>(arg) & 31u);
  const int seg = lane / width * width;
  switch (kind) {
    case Shfl::kIdx:
      return seg + ((arg % width) + width) % width;
    case Shfl::kUp:
      return lane - seg >= arg ? lane - arg : lane;
    case Shfl::kDown:
      return lane - seg + arg < width ? lane + arg : lane;
    case Shfl::kXor:
      return (lane ^ arg) < seg + width ? lane ^ arg : lane;
  }
  return lane;
}

template <Shfl kKind>
void check_shuffle(Shfl kind, const char* name) {
  std::vector<int> in(64);
  for (int i = 0; i < 64; ++i)
    in[i] = 1000 + i * 7;
  DeviceBuffer<int> din(64), dout(64);
  din.upload(in);
  for (int width : {1, 2, 4, 8, 16, 32}) {
    for (int arg : {0, 1, 3, 5, 8, 13, 31, 32, 33, 63, -1, -31, 0x7fffffff}) {
      LINACT_LAUNCH(1, 64, 0, nullptr, shuffle<kKind>)(din.get(), dout.get(), arg, width);
      EMU_CHECK(cudaGetLastError());
      const auto got = dout.download();
      for (int t = 0; t < 64; ++t) {
        const int lane = t % 32, warp_base = t - lane;
        const int want = in[warp_base + reference_source(kind, lane, arg, width)];
        ASSERT_EQ(got[t], want) << name << " width " << width << " arg " << arg << " thread " << t;
      }
    }
  }
}

TEST(WarpShuffle, IdxFollowsTheGuideForEveryWidth) {
  check_shuffle<Shfl::kIdx>(Shfl::kIdx, "idx");
}
TEST(WarpShuffle, UpFollowsTheGuideForEveryWidth) {
  check_shuffle<Shfl::kUp>(Shfl::kUp, "up");
}
TEST(WarpShuffle, DownFollowsTheGuideForEveryWidth) {
  check_shuffle<Shfl::kDown>(Shfl::kDown, "down");
}
TEST(WarpShuffle, XorFollowsTheGuideForEveryWidth) {
  check_shuffle<Shfl::kXor>(Shfl::kXor, "xor");
}

__global__ void shuffle_float_reduce(const float* in, float* out) {
  float v = in[threadIdx.x];
  for (int offset = 16; offset > 0; offset /= 2)
    v += __shfl_xor_sync(kFull, v, offset);
  out[threadIdx.x] = v;
}

TEST(WarpShuffle, XorButterflyReducesFloatsToTheSumOnEveryLane) {
  std::vector<float> in(32);
  float sum = 0;
  for (int i = 0; i < 32; ++i)
    sum += in[i] = 0.5f * static_cast<float>(i);
  DeviceBuffer<float> din(32), dout(32);
  din.upload(in);
  LINACT_LAUNCH(1, 32, 0, nullptr, shuffle_float_reduce)(din.get(), dout.get());
  EMU_CHECK(cudaGetLastError());
  EXPECT_TRUE(all_close(dout.download(), std::vector<float>(32, sum), 0.0f));
}

// Lanes 0-15 and 16-31 vote in two separate groups with their own masks.
__global__ void votes(const int* pred, unsigned* out) {
  const unsigned lane = threadIdx.x % 32;
  const unsigned mask = lane < 16 ? 0x0000ffffu : 0xffff0000u;
  const int p = pred[threadIdx.x];
  out[4 * threadIdx.x + 0] = __ballot_sync(mask, p);
  out[4 * threadIdx.x + 1] = static_cast<unsigned>(__any_sync(mask, p));
  out[4 * threadIdx.x + 2] = static_cast<unsigned>(__all_sync(mask, p));
  __syncwarp(mask);
  out[4 * threadIdx.x + 3] = __ballot_sync(kFull, 1);
}

TEST(WarpVote, BallotAnyAllCoverExactlyTheLanesOfTheMask) {
  std::vector<int> pred(32, 0);
  pred[3] = pred[9] = 1;  // some of the low half
  for (int i = 16; i < 32; ++i)
    pred[i] = i * 5;  // all of the high half
  DeviceBuffer<int> dpred(32);
  DeviceBuffer<unsigned> out(4 * 32);
  dpred.upload(pred);
  LINACT_LAUNCH(1, 32, 0, nullptr, votes)(dpred.get(), out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (unsigned t = 0; t < 32; ++t) {
    const bool low = t < 16;
    EXPECT_EQ(got[4 * t + 0], low ? 0x208u : 0xffff0000u) << "ballot, thread " << t;
    EXPECT_EQ(got[4 * t + 1], 1u) << "any, thread " << t;
    EXPECT_EQ(got[4 * t + 2], low ? 0u : 1u) << "all, thread " << t;
    EXPECT_EQ(got[4 * t + 3], kFull) << "full ballot, thread " << t;
  }
}

// The first thread to run records itself: the policies differ exactly there.
__global__ void first_thread_to_run(int* first) {
  atomicCAS(first, -1, static_cast<int>(threadIdx.x));
}

TEST(Policy, LockstepRunsThread0FirstAndWarpReverseTheHighestLaneOfTheHighestWarp) {
  DeviceBuffer<int> first(1);
  for (const auto& [policy, want] : {std::pair<const char*, int>{"lockstep", 0},
                                     std::pair<const char*, int>{"warp-reverse", 255}}) {
    ScopedPolicy scoped(policy);
    EMU_CHECK(cudaMemset(first.get(), 0xff, sizeof(int)));
    LINACT_LAUNCH(1, 256, 0, nullptr, first_thread_to_run)(first.get());
    EMU_CHECK(cudaGetLastError());
    EXPECT_EQ(first.download()[0], want) << "policy " << policy;
  }
}

// Each lane publishes a value in shared memory and reads its lower neighbour's; without the
// __syncwarp between the two, the read is a race within the warp.
template <bool kSyncwarp>
__global__ void read_lower_lane(float* out) {
  LINACT_DYNAMIC_SMEM(float, slot);
  const unsigned lane = threadIdx.x % 32;
  slot[threadIdx.x] = static_cast<float>(threadIdx.x);
  if (kSyncwarp) __syncwarp();
  out[threadIdx.x] = slot[threadIdx.x - lane + (lane + 31) % 32];
}

TEST(Policy, WarpReverseExposesAMissingSyncwarpBetweenLanes) {
  DeviceBuffer<float> out(64);
  for (const char* policy : {"lockstep", "warp-reverse"}) {
    ScopedPolicy scoped(policy);
    LINACT_LAUNCH(1, 64, 64 * sizeof(float), nullptr, read_lower_lane<true>)(out.get());
    EMU_CHECK(cudaGetLastError());
    const auto got = out.download();
    for (int t = 0; t < 64; ++t) {
      const int want = t - t % 32 + (t % 32 + 31) % 32;
      ASSERT_EQ(got[t], static_cast<float>(want)) << "policy " << policy << ", thread " << t;
    }
  }
  ScopedPolicy scoped("warp-reverse");
  LINACT_LAUNCH(1, 64, 64 * sizeof(float), nullptr, read_lower_lane<false>)(out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (int t = 0; t < 64; ++t) {
    if (t % 32 != 0) EXPECT_TRUE(std::isnan(got[t])) << "thread " << t << " read " << got[t];
  }
}

TEST(PolicyDeathTest, UnknownPolicyIsAClearError) {
  EXPECT_DEATH(
      {
        setenv("LINACT_EMU_POLICY", "random", 1);
        LINACT_LAUNCH(1, 32, 0, nullptr, first_thread_to_run)(nullptr);
      },
      "LINACT_EMU_POLICY='random' is not a scheduling policy; use 'lockstep'");
}

// Strictness checks: each planted bug aborts with a message naming what went wrong and where.
__global__ void thread_zero_returns_before_barrier(int* out) {
  if (threadIdx.x == 0) return;
  __syncthreads();
  out[threadIdx.x] = 1;
}

// Warp-reverse runs thread 0 last: every other thread already waits when it exits.
TEST(StrictnessDeathTest, ThreadExitingWhileOthersWaitAtABarrierIsReported) {
  DeviceBuffer<int> out(64);
  ScopedPolicy scoped("warp-reverse");
  EXPECT_DEATH(LINACT_LAUNCH(1, 64, 0, nullptr, thread_zero_returns_before_barrier)(out.get()),
               "thread exited while 63 other thread\\(s\\) of its block wait at __syncthreads "
               "\\(.*scheduler_test.cpp:[0-9]+\\)(.|\n)*thread \\(0, 0, 0\\)");
}

// Lockstep runs thread 0 first: it exits before anyone waits, and the next arrival reports it.
TEST(StrictnessDeathTest, BarrierReachedAfterAThreadExitedIsReported) {
  DeviceBuffer<int> out(64);
  ScopedPolicy scoped("lockstep");
  EXPECT_DEATH(LINACT_LAUNCH(1, 64, 0, nullptr, thread_zero_returns_before_barrier)(out.get()),
               "__syncthreads can never complete: thread \\(0, 0, 0\\) of this block already "
               "exited(.|\n)*thread \\(1, 0, 0\\)(.|\n)*scheduler_test.cpp");
}

// Lanes 0-7 wait for lanes 0-8; lane 8 arrives with the full mask and waits for everyone.
__global__ void mismatched_masks(int* out) {
  const unsigned mask = threadIdx.x < 8 ? 0x000001ffu : kFull;
  out[threadIdx.x] = __shfl_sync(mask, static_cast<int>(threadIdx.x), 0);
}

TEST(StrictnessDeathTest, WarpCollectiveWithMismatchedMasksIsReported) {
  DeviceBuffer<int> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, mismatched_masks)(out.get()),
               "mismatched masks: __shfl_sync with mask 0x(ffffffff|000001ff), while lane [0-9]+ "
               "of the same warp waits at __shfl_sync with mask 0x(000001ff|ffffffff)"
               "(.|\n)*scheduler_test.cpp");
}

__global__ void lane_exits_before_shuffle(int* out) {
  if (threadIdx.x == 31) return;
  out[threadIdx.x] = __shfl_down_sync(kFull, static_cast<int>(threadIdx.x), 1);
}

TEST(StrictnessDeathTest, WarpCollectiveWithAnExitedLaneIsReported) {
  DeviceBuffer<int> out(32);
  // Lockstep exits lane 31 while lanes 0-30 wait for it; warp-reverse exits lane 31 first, and
  // lane 30 then finds it gone.
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, lane_exits_before_shuffle)(out.get()),
               "lane missing from a warp collective: (lane 31 exited|.* waits for lanes "
               "0x80000000, which already exited)");
}

__global__ void lane_at_barrier_during_shuffle(int* out) {
  if (threadIdx.x != 3) out[threadIdx.x] = __shfl_sync(kFull, static_cast<int>(threadIdx.x), 3);
  __syncthreads();
}

TEST(StrictnessDeathTest, DeadlockReportsWhoWaitsWhere) {
  DeviceBuffer<int> out(64);
  EXPECT_DEATH(LINACT_LAUNCH(1, 64, 0, nullptr, lane_at_barrier_during_shuffle)(out.get()),
               "deadlock: lane missing from a warp collective: lanes 0xfffffff7 of warp 0 wait at "
               "__shfl_sync with mask 0xffffffff \\(.*scheduler_test.cpp:[0-9]+\\) for lane 3, "
               "which waits at __syncthreads at .*scheduler_test.cpp(.|\n)*"
               "who waits where(.|\n)*thread 3: __syncthreads at");
}

__global__ void shuffle_in_half_warp(int* out) {
  out[threadIdx.x] = __shfl_sync(kFull, static_cast<int>(threadIdx.x), 0);
}

TEST(StrictnessDeathTest, MaskNamingLanesBeyondThePartialWarpIsReported) {
  DeviceBuffer<int> out(16);
  EXPECT_DEATH(LINACT_LAUNCH(1, 16, 0, nullptr, shuffle_in_half_warp)(out.get()),
               "names lanes 0xffff0000 that do not exist");
}

__global__ void barriers_on_two_lines(int* out) {
  if (threadIdx.x < 32) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}

TEST(StrictnessDeathTest, SyncthreadsReachedAtDifferentLinesIsReported) {
  DeviceBuffer<int> out(64);
  EXPECT_DEATH(LINACT_LAUNCH(1, 64, 0, nullptr, barriers_on_two_lines)(out.get()),
               "__syncthreads reached at different places: thread .* waits at "
               ".*scheduler_test.cpp:[0-9]+(.|\n)*at .*scheduler_test.cpp");
}

__global__ void shuffle_widths_differ(int* out) {
  const int width = threadIdx.x < 16 ? 16 : 32;
  out[threadIdx.x] = __shfl_xor_sync(kFull, static_cast<int>(threadIdx.x), 1, width);
}

TEST(StrictnessDeathTest, LanesPassingDifferentWidthsToOneShuffleAreReported) {
  DeviceBuffer<int> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, shuffle_widths_differ)(out.get()),
               "__shfl_xor_sync with width (16|32), while lane [0-9]+ of the same collective "
               "passed width (16|32)");
}

__global__ void shuffle_from_outside_the_mask(int* out) {
  if (threadIdx.x < 16) {
    out[threadIdx.x] = __shfl_sync(0x0000ffffu, static_cast<int>(threadIdx.x), 20);
  }
}

TEST(StrictnessDeathTest, SourceLaneOutsideTheMaskIsReported) {
  DeviceBuffer<int> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, shuffle_from_outside_the_mask)(out.get()),
               "__shfl_sync reads lane 20, which is not in the mask 0x0000ffff");
}

__global__ void mask_without_the_caller(int* out) {
  const unsigned mask = threadIdx.x == 7 ? 0xffffff7fu : kFull;
  out[threadIdx.x] = __shfl_sync(mask, static_cast<int>(threadIdx.x), 0);
}

TEST(StrictnessDeathTest, MaskWithoutTheCallingLaneIsReported) {
  DeviceBuffer<int> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, mask_without_the_caller)(out.get()),
               "__shfl_sync with mask 0xffffff7f, which does not include the calling lane 7");
}

__global__ void shuffle_with_width(int* out, int width) {
  out[threadIdx.x] = __shfl_sync(kFull, static_cast<int>(threadIdx.x), 0, width);
}

TEST(StrictnessDeathTest, WidthThatIsNotAPowerOfTwoUpTo32IsReported) {
  DeviceBuffer<int> out(32);
  for (int width : {0, 3, 64}) {
    EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, shuffle_with_width)(out.get(), width),
                 "__shfl_sync with width " + std::to_string(width) +
                     "; the width must be a power of two from 1 to 32");
  }
}

}  // namespace
