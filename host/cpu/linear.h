// Linear + bias + activation on the CPU: OpenBLAS for the GEMMs, the activation library's
// functors for everything else, each elementwise step fused into one pass over the outputs.
// Shapes as nn.Linear: x [batch, in_features], w [out_features, in_features], y [batch,
// out_features], all row-major and packed.
#ifndef LINACT_HOST_CPU_LINEAR_H_
#define LINACT_HOST_CPU_LINEAR_H_

#include <cstdint>

#include "linact/activation.h"

namespace linact::host::cpu {

struct LinearShape {
  int64_t batch = 0;
  int64_t in_features = 0;
  int64_t out_features = 0;
  Activation activation = Activation::kIdentity;
  float alpha = 0.0f;  // LeakyReLU slope
};

// y = act(x w^T + b). `z` receives the pre-activation when saves_preactivation() says the
// backward needs it, and may be null otherwise.
void linear_forward(const LinearShape& shape, const float* x, const float* w, const float* b,
                    float* y, float* z);

// Backward from the output gradient. `dy` is overwritten with dz = dy * act'(saved), where saved
// is z when saves_preactivation() and y otherwise. Then dx = dz w, dw = dz^T x, db = column sums
// of dz; each of dx, dw, db may be null. dw and db are overwritten, not accumulated. Column sums
// run over rows in order, so db is the same for every thread count.
void linear_backward(const LinearShape& shape, const float* x, const float* w, const float* y,
                     const float* z, float* dy, float* dx, float* dw, float* db);

}  // namespace linact::host::cpu

#endif  // LINACT_HOST_CPU_LINEAR_H_
