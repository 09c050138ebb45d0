// Binary cross-entropy on logits, the discriminator's Sigmoid fused into its loss.
#ifndef LINACT_HOST_CPU_BCE_WITH_LOGITS_H_
#define LINACT_HOST_CPU_BCE_WITH_LOGITS_H_

#include <cstdint>

namespace linact::host::cpu {

struct BceResult {
  float loss = 0.0f;       // mean over the n logits
  float mean_prob = 0.0f;  // mean of sigmoid(z): D(x) or D(G(z)) in the logs
};

// loss = mean(max(z, 0) - z t + log1p(exp(-|z|))) and dlogits = (sigmoid(z) - t) / n against a
// constant target t. This form never takes the log of a rounded probability, so a logit of -50
// against t = 1 still yields a gradient of -1/n where sigmoid-then-log would yield almost 0.
// dlogits may be null. Sums run in double in index order.
BceResult bce_with_logits(int64_t n, const float* logits, float target, float* dlogits);

}  // namespace linact::host::cpu

#endif  // LINACT_HOST_CPU_BCE_WITH_LOGITS_H_
