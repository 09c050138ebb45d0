// Adam as torch.optim.Adam defines it (no weight decay, no amsgrad).
#ifndef LINACT_HOST_CPU_ADAM_H_
#define LINACT_HOST_CPU_ADAM_H_

#include <cstdint>

namespace linact::host::cpu {

struct AdamParams {
  float lr = 2e-4f;
  float beta1 = 0.5f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
};

// Step factors of step t (t >= 1), computed in double as PyTorch computes them in Python:
// step_size = lr / (1 - beta1^t) and bias2_sqrt = sqrt(1 - beta2^t), then rounded to float.
struct AdamFactors {
  float step_size;
  float bias2_sqrt;
};
AdamFactors adam_factors(const AdamParams& params, int64_t step);

// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= step_size * m / (sqrt(v) / bias2_sqrt +
// eps), for step t >= 1 (the caller counts from 1).
void adam_step(const AdamParams& params, int64_t step, int64_t count, float* param,
               const float* grad, float* exp_avg, float* exp_avg_sq);

}  // namespace linact::host::cpu

#endif  // LINACT_HOST_CPU_ADAM_H_
