// Softmax cross-entropy on logits against class labels, for the quality score's classifier.
#ifndef LINACT_HOST_CPU_SOFTMAX_CROSS_ENTROPY_H_
#define LINACT_HOST_CPU_SOFTMAX_CROSS_ENTROPY_H_

#include <cstdint>

namespace linact::host::cpu {

struct SoftmaxResult {
  float loss = 0.0f;    // mean of -log softmax(z)[label]
  int64_t correct = 0;  // rows whose largest logit is the label's (first index wins ties)
};

// logits [rows, classes], labels in [0, classes). dlogits = (softmax(z) - onehot) / rows, may be
// null. Each row subtracts its maximum before exp, so no logit can overflow.
SoftmaxResult softmax_cross_entropy(int64_t rows, int64_t classes, const float* logits,
                                    const uint8_t* labels, float* dlogits);

}  // namespace linact::host::cpu

#endif  // LINACT_HOST_CPU_SOFTMAX_CROSS_ENTROPY_H_
