// Device-side intrinsics under the emulator: atomics across blocks running in parallel, math
// intrinsics, min/max overloads, vector types.
#include <cmath>
#include <cstdint>
#include <vector>

#include "emu_test_util.h"
#include "launch.cuh"

namespace {

__global__ void atomics(int* ints, unsigned* uints, float* f, unsigned long long* ull) {
  const int t = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  atomicAdd(&ints[0], 1);
  atomicSub(&ints[1], 2);
  atomicMax(&ints[2], t);
  atomicMin(&ints[3], -t);
  atomicAdd(&uints[0], 3u);
  atomicMax(&uints[1], static_cast<unsigned>(t));
  atomicOr(&uints[2], 1u << (t % 32));
  atomicAdd(&f[0], 0.5f);
  atomicAdd(&ull[0], 1ull << 33);
  if (atomicCAS(&ints[4], 0, t + 1) == 0) atomicExch(&ints[5], t + 1);
}

TEST(Atomics, AreExactAcrossBlocksRunningInParallel) {
  const int blocks = 64, threads = 128, n = blocks * threads;
  DeviceBuffer<int> ints(6);
  DeviceBuffer<unsigned> uints(3);
  DeviceBuffer<float> f(1);
  DeviceBuffer<unsigned long long> ull(1);
  ints.upload({0, 0, -1, 1, 0, 0});
  uints.upload({0, 0, 0});
  f.upload({0.0f});
  ull.upload({0});
  LINACT_LAUNCH(blocks, threads, 0, nullptr, atomics)(ints.get(), uints.get(), f.get(), ull.get());
  EMU_CHECK(cudaGetLastError());
  const auto i = ints.download();
  const auto u = uints.download();
  EXPECT_EQ(i[0], n);
  EXPECT_EQ(i[1], -2 * n);
  EXPECT_EQ(i[2], n - 1);
  EXPECT_EQ(i[3], -(n - 1));
  EXPECT_GT(i[4], 0);
  EXPECT_EQ(i[5], i[4]) << "exactly one thread wins the compare-and-swap";
  EXPECT_EQ(u[0], 3u * n);
  EXPECT_EQ(u[1], static_cast<unsigned>(n - 1));
  EXPECT_EQ(u[2], 0xffffffffu);
  EXPECT_EQ(f.download()[0], 0.5f * n);  // exact: every partial sum is a multiple of 0.5
  EXPECT_EQ(ull.download()[0], static_cast<unsigned long long>(n) << 33);
}

__global__ void intrinsics(float* out, int* iout) {
  out[0] = rsqrtf(4.0f);
  out[1] = __fdividef(1.0f, 8.0f);
  out[2] = __fmaf_rn(2.0f, 3.0f, 1.0f);
  out[3] = __expf(0.0f);
  out[4] = __saturatef(1.5f);
  out[5] = max(2.0f, -1.0f);
  out[6] = __int_as_float(__float_as_int(3.25f));
  const float4 v = __ldg(reinterpret_cast<const float4*>(out));
  out[7] = v.x + v.w;
  iout[0] = min(-3, 2);
  iout[1] = static_cast<int>(max(1u, 7u));
  iout[2] = static_cast<int>(min(-1, 5u));  // mixed signedness compares as unsigned, like CUDA
  iout[3] = __popc(0xf0f0u);
  iout[4] = __clz(1);
  iout[5] = static_cast<int>(__brev(1u) >> 28);
  iout[6] = static_cast<int>(alignof(float4));
  iout[7] = static_cast<int>(alignof(float2));
}

TEST(Intrinsics, MatchTheirDocumentedResults) {
  DeviceBuffer<float> out(8);
  DeviceBuffer<int> iout(8);
  LINACT_LAUNCH(1, 1, 0, nullptr, intrinsics)(out.get(), iout.get());
  EMU_CHECK(cudaGetLastError());
  const auto f = out.download();
  EXPECT_EQ(f[0], 0.5f);
  EXPECT_EQ(f[1], 0.125f);
  EXPECT_EQ(f[2], 7.0f);
  EXPECT_EQ(f[3], 1.0f);
  EXPECT_EQ(f[4], 1.0f);
  EXPECT_EQ(f[5], 2.0f);
  EXPECT_EQ(f[6], 3.25f);
  EXPECT_EQ(f[7], 0.5f + 1.0f);
  const auto i = iout.download();
  EXPECT_EQ(i[0], -3);
  EXPECT_EQ(i[1], 7);
  EXPECT_EQ(i[2], 5);
  EXPECT_EQ(i[3], 8);
  EXPECT_EQ(i[4], 31);
  EXPECT_EQ(i[5], 8);
  EXPECT_EQ(i[6], 16);
  EXPECT_EQ(i[7], 8);
}

}  // namespace

namespace {

// The planted bug: the last thread writes one element past a shared array. UBSan's bounds
// check sees the indexing first; through a pointer, ASan's redzone would. Both name the line.
__global__ void shared_write_past_the_end(float* out) {
  __shared__ float buf[64];
  buf[threadIdx.x + 1] = 1.0f;
  __syncthreads();
  out[threadIdx.x] = buf[threadIdx.x];
}

TEST(SanitizerDeathTest, SharedMemoryWriteOnePastTheEndIsReportedWithItsLine) {
#if defined(LINACT_EMU_SANITIZE)
  DeviceBuffer<float> out(64);
  EXPECT_DEATH(LINACT_LAUNCH(1, 64, 0, nullptr, shared_write_past_the_end)(out.get()),
               "device_test.cpp:[0-9]+:[0-9]+: runtime error: index 64 out of bounds for type "
               "'float \\[64\\]'|AddressSanitizer: global-buffer-overflow(.|\n)*device_test.cpp");
#else
  GTEST_SKIP() << "needs the ASan build (cmake --preset asan): only there are __shared__ arrays "
                  "plain statics that ASan instruments";
#endif
}

__global__ void dynamic_shared_read_past_the_end(float* out) {
  LINACT_DYNAMIC_SMEM(float, smem);
  smem[threadIdx.x] = 2.0f;
  __syncthreads();
  out[threadIdx.x] = smem[threadIdx.x + 1];
}

TEST(SanitizerDeathTest, DynamicSharedMemoryReadOnePastTheEndIsReportedWithItsLine) {
#if defined(LINACT_EMU_SANITIZE)
  DeviceBuffer<float> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 32 * sizeof(float), nullptr,
                             dynamic_shared_read_past_the_end)(out.get()),
               "AddressSanitizer: heap-buffer-overflow(.|\n)*dynamic_shared_read_past_the_end"
               "(.|\n)*device_test.cpp");
#else
  GTEST_SKIP() << "needs the ASan build (cmake --preset asan): only there is dynamic shared "
                  "memory allocated at its exact size";
#endif
}

// cudaMalloc gives exactly the requested bytes, so the last thread's read lands in ASan's
// redzone.
__global__ void global_read_past_the_end(const float* in, float* out) {
  out[threadIdx.x] = in[threadIdx.x + 1];
}

TEST(SanitizerDeathTest, GlobalMemoryReadOnePastTheEndIsReportedWithItsLine) {
#if defined(LINACT_EMU_SANITIZE)
  DeviceBuffer<float> in(32), out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, global_read_past_the_end)(in.get(), out.get()),
               "AddressSanitizer: heap-buffer-overflow(.|\n)*global_read_past_the_end"
               "(.|\n)*device_test.cpp:[0-9]+");
#else
  GTEST_SKIP() << "needs the ASan build (cmake --preset asan)";
#endif
}

}  // namespace
