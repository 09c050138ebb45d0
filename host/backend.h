// What the training loop needs from a backend: one GAN training step on a batch, sampling, and
// the training state as host arrays for checkpoints. The CPU backend (OpenBLAS) and the CUDA
// backend (linact's C API) implement it; both use the same parameter layout (MlpSpec).
#ifndef LINACT_HOST_BACKEND_H_
#define LINACT_HOST_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model.h"

namespace linact::host {

// One network's parameters and Adam state; step is the number of Adam steps taken so far.
struct NetState {
  std::vector<float> params;
  std::vector<float> exp_avg;
  std::vector<float> exp_avg_sq;
  int64_t step = 0;
};

struct GanState {
  NetState generator;
  NetState discriminator;
};

// Fresh state: parameters from init_parameters (generator first, then discriminator, drawn from
// `rng`), zero moments, step 0.
GanState initial_state(const GanConfig& config, Rng& rng);

struct StepStats {
  float d_loss = 0.0f;  // BCE on real (target 1) + BCE on fakes (target 0)
  float g_loss = 0.0f;  // BCE on fakes against target 1, after the discriminator's update
  float d_real = 0.0f;  // mean D(x)
  float d_fake = 0.0f;  // mean D(G(z)) before the discriminator's update
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string name() const = 0;

  // One step: z -> G(z); the discriminator steps on [real; G(z)]; then the generator steps on
  // D(G(z)) with the updated discriminator (non-saturating loss). real is [batch, 784] and noise
  // [batch, noise_dim], host memory, 1 <= batch <= config.batch_size.
  virtual StepStats train_step(const float* real, const float* noise, int64_t batch) = 0;

  // images [count, 784] = G(noise), any count.
  virtual void generate(const float* noise, int64_t count, float* images) = 0;

  virtual GanState state() const = 0;
  // `state` must match the config's parameter counts.
  virtual void set_state(const GanState& state) = 0;
};

}  // namespace linact::host

#endif  // LINACT_HOST_BACKEND_H_
