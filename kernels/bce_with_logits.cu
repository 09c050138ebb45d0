// Binary cross-entropy on logits against a constant target, averaged over n:
//   loss = mean(max(z, 0) - z t + log1p(exp(-|z|))),  mean_prob = mean(sigmoid(z)),
//   dlogits = (sigmoid(z) - t) / n.
// The loss never takes the log of a rounded probability, so a logit of -50 against t = 1 keeps
// its gradient of -1/n.
//
// One block: n is a batch of logits (hundreds), far too few to fill a GPU, and a single block
// gives a fixed reduction order without atomics. Thread i sums elements i, i + kThreads, ... in
// double, then a shared-memory tree halves the partials in a fixed pairing, so the result is
// bitwise the same on every run.
#include "launch.cuh"
#include "linact/activation.h"
#include "training_kernels.h"

namespace linact::kernels {
namespace {

constexpr int kThreads = 256;  // a power of two for the tree

__global__ void __launch_bounds__(kThreads)
    bce_with_logits_kernel(int64_t n, const float* __restrict__ logits, float target,
                           float* __restrict__ loss, float* __restrict__ mean_prob,
                           float* __restrict__ dlogits) {
  __shared__ double loss_part[kThreads];
  __shared__ double prob_part[kThreads];
  const int tid = threadIdx.x;
  const float inv_n = 1.0f / static_cast<float>(n);

  double l = 0.0;
  double p = 0.0;
  for (int64_t i = tid; i < n; i += kThreads) {
    const float z = logits[i];
    const float s = Sigmoid::forward(z, 0.0f);
    l += fmaxf(z, 0.0f) - z * target + log1pf(expf(-fabsf(z)));
    p += s;
    if (dlogits != nullptr) dlogits[i] = (s - target) * inv_n;
  }
  loss_part[tid] = l;
  prob_part[tid] = p;
  __syncthreads();

  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (tid < half) {
      loss_part[tid] += loss_part[tid + half];
      prob_part[tid] += prob_part[tid + half];
    }
    __syncthreads();
  }
  if (tid == 0) {
    if (loss != nullptr) *loss = static_cast<float>(loss_part[0] / static_cast<double>(n));
    if (mean_prob != nullptr)
      *mean_prob = static_cast<float>(prob_part[0] / static_cast<double>(n));
  }
}

}  // namespace

cudaError_t launch_bce_with_logits(const BceWithLogitsArgs& a, cudaStream_t stream) {
  LINACT_LAUNCH(1, kThreads, 0, stream, bce_with_logits_kernel)
  (a.n, a.logits, a.target, a.loss, a.mean_prob, a.dlogits);
  return cudaGetLastError();
}

}  // namespace linact::kernels
