// An MLP on the CPU backend: the layer loop over linear_forward / linear_backward with the
// activations it keeps for the backward. Parameters live outside (MlpSpec's flat layout).
#ifndef LINACT_HOST_CPU_MLP_H_
#define LINACT_HOST_CPU_MLP_H_

#include <cstdint>
#include <vector>

#include "cpu/linear.h"
#include "model.h"

namespace linact::host::cpu {

class Mlp {
 public:
  Mlp(MlpSpec spec, int64_t max_batch);

  const MlpSpec& spec() const { return spec_; }
  int64_t max_batch() const { return max_batch_; }

  // Runs all layers on x [batch, widths[0]]; returns the output [batch, widths.back()], valid
  // until the next forward. `layers` < num_layers stops early (the classifier's features).
  const float* forward(const float* params, const float* x, int64_t batch);
  const float* forward_layers(const float* params, const float* x, int64_t batch, int64_t layers);

  // Output gradient buffer [batch, widths.back()] for the caller to fill before backward().
  float* output_grad() { return grads_.back().data(); }

  // Backward of the last forward (same x, batch). grad (flat like params) and dx may be null.
  void backward(const float* params, int64_t batch, float* grad, float* dx);

 private:
  LinearShape shape(int64_t layer, int64_t batch) const;

  MlpSpec spec_;
  int64_t max_batch_;
  const float* input_ = nullptr;
  std::vector<std::vector<float>> outputs_;  // y of each layer
  std::vector<std::vector<float>> preacts_;  // z where the backward needs it, else empty
  std::vector<std::vector<float>> grads_;    // dy of each layer, overwritten with dz
};

}  // namespace linact::host::cpu

#endif  // LINACT_HOST_CPU_MLP_H_
