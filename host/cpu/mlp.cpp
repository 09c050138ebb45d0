#include "cpu/mlp.h"

#include <cstddef>
#include <utility>

namespace linact::host::cpu {

Mlp::Mlp(MlpSpec spec, int64_t max_batch) : spec_(std::move(spec)), max_batch_(max_batch) {
  for (int64_t l = 0; l < spec_.num_layers(); ++l) {
    const auto size = static_cast<size_t>(max_batch_ * spec_.out_features(l));
    outputs_.emplace_back(size);
    grads_.emplace_back(size);
    const bool keep_z = saves_preactivation(spec_.activations[l], spec_.alpha);
    preacts_.emplace_back(keep_z ? size : 0);
  }
}

LinearShape Mlp::shape(int64_t layer, int64_t batch) const {
  return {batch, spec_.in_features(layer), spec_.out_features(layer), spec_.activations[layer],
          spec_.alpha};
}

const float* Mlp::forward(const float* params, const float* x, int64_t batch) {
  return forward_layers(params, x, batch, spec_.num_layers());
}

const float* Mlp::forward_layers(const float* params, const float* x, int64_t batch,
                                 int64_t layers) {
  input_ = x;
  const float* in = x;
  for (int64_t l = 0; l < layers; ++l) {
    float* z = preacts_[l].empty() ? nullptr : preacts_[l].data();
    linear_forward(shape(l, batch), in, params + spec_.weight_offset(l),
                   params + spec_.bias_offset(l), outputs_[l].data(), z);
    in = outputs_[l].data();
  }
  return in;
}

void Mlp::backward(const float* params, int64_t batch, float* grad, float* dx) {
  for (int64_t l = spec_.num_layers() - 1; l >= 0; --l) {
    const float* in = l > 0 ? outputs_[l - 1].data() : input_;
    float* d_in = l > 0 ? grads_[l - 1].data() : dx;
    const float* z = preacts_[l].empty() ? nullptr : preacts_[l].data();
    linear_backward(shape(l, batch), in, params + spec_.weight_offset(l), outputs_[l].data(), z,
                    grads_[l].data(), d_in, grad ? grad + spec_.weight_offset(l) : nullptr,
                    grad ? grad + spec_.bias_offset(l) : nullptr);
  }
}

}  // namespace linact::host::cpu
