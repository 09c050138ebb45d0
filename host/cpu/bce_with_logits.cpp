#include "cpu/bce_with_logits.h"

#include <cmath>

#include "linact/activation.h"

namespace linact::host::cpu {

BceResult bce_with_logits(int64_t n, const float* logits, float target, float* dlogits) {
  BceResult result;
  if (n <= 0) return result;
  double loss = 0.0;
  double prob = 0.0;
  const float inv_n = 1.0f / static_cast<float>(n);
  for (int64_t i = 0; i < n; ++i) {
    const float z = logits[i];
    const float p = Sigmoid::forward(z, 0.0f);
    loss += std::fmax(z, 0.0f) - z * target + std::log1p(std::exp(-std::fabs(z)));
    prob += p;
    if (dlogits != nullptr) dlogits[i] = (p - target) * inv_n;
  }
  result.loss = static_cast<float>(loss / static_cast<double>(n));
  result.mean_prob = static_cast<float>(prob / static_cast<double>(n));
  return result;
}

}  // namespace linact::host::cpu
