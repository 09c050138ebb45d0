// Activation derivative before the backward GEMMs: reads dy and the saved tensor, writes dz.
// One instantiation per activation.
#include <algorithm>

#include "baseline.h"
#include "support.h"

namespace linact_bench {
namespace {

constexpr int kBlock = 256;
constexpr int64_t kMaxBlocks = 1 << 16;

template <typename Act>
__global__ void act_backward_kernel(const float* dy, const float* saved, float* dz, int64_t count,
                                    float alpha) {
  const int64_t stride = int64_t{gridDim.x} * kBlock;
  for (int64_t i = int64_t{blockIdx.x} * kBlock + threadIdx.x; i < count; i += stride) {
    dz[i] = Act::backward(dy[i], saved[i], alpha);
  }
}

}  // namespace

void baseline_act_backward(linact::Activation act, float alpha, const float* dy, const float* saved,
                           float* dz, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  const auto blocks = static_cast<unsigned>(std::min(kMaxBlocks, (count + kBlock - 1) / kBlock));
  linact::dispatch_activation(act, [&](auto tag) {
    using Act = linact::ActivationT<decltype(tag)::value>;
    act_backward_kernel<Act><<<blocks, kBlock, 0, stream>>>(dy, saved, dz, count, alpha);
  });
  LINACT_BENCH_LAUNCH_CHECK();
}

}  // namespace linact_bench
