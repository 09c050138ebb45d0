#include "cpu/adam.h"

#include <cmath>

namespace linact::host::cpu {

AdamFactors adam_factors(const AdamParams& p, int64_t step) {
  const double t = static_cast<double>(step);
  const double bias1 = 1.0 - std::pow(static_cast<double>(p.beta1), t);
  const double bias2 = 1.0 - std::pow(static_cast<double>(p.beta2), t);
  return {static_cast<float>(static_cast<double>(p.lr) / bias1),
          static_cast<float>(std::sqrt(bias2))};
}

void adam_step(const AdamParams& p, int64_t step, int64_t count, float* param, const float* grad,
               float* exp_avg, float* exp_avg_sq) {
  // Scalars in locals: read through `p` they could alias the arrays, which keeps the loop scalar.
  const AdamFactors f = adam_factors(p, step);
  const float beta1 = p.beta1, beta2 = p.beta2, eps = p.eps;
  const float one_minus_b1 = 1.0f - beta1;
  const float one_minus_b2 = 1.0f - beta2;
  const float step_size = f.step_size, bias2_sqrt = f.bias2_sqrt;
#pragma omp parallel for simd schedule(static) if (count >= (1 << 16))
  for (int64_t i = 0; i < count; ++i) {
    const float g = grad[i];
    const float m = beta1 * exp_avg[i] + one_minus_b1 * g;
    const float v = beta2 * exp_avg_sq[i] + one_minus_b2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] -= step_size * (m / (std::sqrt(v) / bias2_sqrt + eps));
  }
}

}  // namespace linact::host::cpu
