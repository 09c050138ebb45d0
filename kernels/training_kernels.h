// Launchers of the training kernels (loss and optimizer), callable from plain C++. Arguments
// arrive validated by the C API (training_api.cpp). Each returns the launch's cudaError_t.
#ifndef LINACT_KERNELS_TRAINING_KERNELS_H_
#define LINACT_KERNELS_TRAINING_KERNELS_H_

#include <stdint.h>

#include <cuda_runtime_api.h>

namespace linact::kernels {

struct BceWithLogitsArgs {
  int64_t n;  // >= 1
  const float* logits;
  float target;
  float* loss;       // may be null
  float* mean_prob;  // may be null
  float* dlogits;    // may be null
};

cudaError_t launch_bce_with_logits(const BceWithLogitsArgs& args, cudaStream_t stream);

struct AdamArgs {
  int64_t count;  // >= 1
  float lr, beta1, beta2, eps;
  float* param;
  const float* grad;
  float* exp_avg;
  float* exp_avg_sq;
  const int64_t* step;  // device memory, t >= 1
};

cudaError_t launch_adam(const AdamArgs& args, cudaStream_t stream);

}  // namespace linact::kernels

#endif  // LINACT_KERNELS_TRAINING_KERNELS_H_
