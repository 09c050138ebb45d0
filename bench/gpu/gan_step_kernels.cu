// The step counter and the generator's noise, in one tiny kernel per step.
#include "gan_step.h"

namespace linact_bench {
namespace {

constexpr int kBlock = 256;

__device__ __forceinline__ uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Block 0's first thread advances the counter after every block has read the old value, which
// is guaranteed only within one block: the whole noise tensor is drawn by one block.
__global__ void advance_step_kernel(int64_t* step, float* noise, int64_t count) {
  const uint64_t seed = mix(static_cast<uint64_t>(*step) + 1);
  for (int64_t i = threadIdx.x; i < count; i += kBlock) {
    noise[i] = static_cast<float>(mix(seed ^ mix(i)) >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
  __syncthreads();
  if (threadIdx.x == 0) *step += 1;
}

}  // namespace

void advance_step(int64_t* step, float* noise, int64_t count, cudaStream_t stream) {
  advance_step_kernel<<<1, kBlock, 0, stream>>>(step, noise, count);
  LINACT_BENCH_LAUNCH_CHECK();
}

}  // namespace linact_bench
