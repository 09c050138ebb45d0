#include "cpu/softmax_cross_entropy.h"

#include <cmath>

namespace linact::host::cpu {

SoftmaxResult softmax_cross_entropy(int64_t rows, int64_t classes, const float* logits,
                                    const uint8_t* labels, float* dlogits) {
  SoftmaxResult result;
  if (rows <= 0) return result;
  double loss = 0.0;
  const float inv_rows = 1.0f / static_cast<float>(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* z = logits + r * classes;
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c) {
      if (z[c] > z[best]) best = c;
    }
    double sum = 0.0;
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(double(z[c]) - z[best]);
    const int64_t label = labels[r];
    loss += std::log(sum) - (double(z[label]) - z[best]);
    if (best == label) ++result.correct;
    if (dlogits != nullptr) {
      for (int64_t c = 0; c < classes; ++c) {
        const double p = std::exp(double(z[c]) - z[best]) / sum;
        dlogits[r * classes + c] = static_cast<float>(p - (c == label ? 1.0 : 0.0)) * inv_rows;
      }
    }
  }
  result.loss = static_cast<float>(loss / static_cast<double>(rows));
  return result;
}

}  // namespace linact::host::cpu
