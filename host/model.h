// The GAN's shape and training settings, their defaults (the seed article's model), validation
// with messages that name the fix, the JSON form used by --config and by checkpoints, and the
// parameter layout every backend shares.
#ifndef LINACT_HOST_MODEL_H_
#define LINACT_HOST_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "linact/activation.h"

namespace linact::host {

class Rng;

constexpr int64_t kImagePixels = 28 * 28;

// A stack of Linear layers: layer i maps widths[i] to widths[i + 1] and applies activations[i].
// Parameters are one flat array: for each layer its weight [out, in] row-major, then its bias.
struct MlpSpec {
  std::vector<int64_t> widths;
  std::vector<Activation> activations;
  float alpha = 0.2f;  // LeakyReLU slope

  int64_t num_layers() const { return static_cast<int64_t>(widths.size()) - 1; }
  int64_t in_features(int64_t layer) const { return widths[layer]; }
  int64_t out_features(int64_t layer) const { return widths[layer + 1]; }
  int64_t weight_offset(int64_t layer) const;
  int64_t bias_offset(int64_t layer) const;
  int64_t param_count() const;
};

// nn.Linear's default initialisation: kaiming_uniform(a = sqrt(5)) on the weight is
// U(-1/sqrt(in), 1/sqrt(in)), and the bias draws from the same range. Layers in order, each
// weight then bias, in row-major order.
void init_parameters(const MlpSpec& spec, Rng& rng, float* params);

struct GanConfig {
  MlpSpec generator{{100, 128, 256, 512, kImagePixels},
                    {Activation::kRelu, Activation::kRelu, Activation::kRelu, Activation::kTanh}};
  // The last layer produces logits: its Sigmoid is fused into the loss (BCE with logits), so the
  // layer itself runs as identity. The config names it "sigmoid" to describe the model.
  MlpSpec discriminator{{kImagePixels, 512, 256, 128, 1},
                        {Activation::kLeakyRelu, Activation::kLeakyRelu, Activation::kLeakyRelu,
                         Activation::kIdentity}};
  int64_t batch_size = 128;
  int64_t epochs = 10;
  float lr = 2e-4f;
  float beta1 = 0.5f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  uint64_t seed = 1;

  int64_t noise_dim() const { return generator.widths.front(); }
  void set_slope(float alpha);
};

// Throws std::invalid_argument naming the setting, its value and the fix. A model whose
// estimated_memory_bytes exceed the machine's memory is refused too: it would end in
// std::bad_alloc or the out-of-memory killer rather than a message.
void validate(const GanConfig& config);

// About how many bytes of host memory a training run of `config` holds (parameters, Adam
// moments, gradients, activations and the runner's copy of the state).
double estimated_memory_bytes(const GanConfig& config);

nlohmann::json to_json(const GanConfig& config);
// Reads the keys present in `j` over `config`. An unknown key, a value of the wrong JSON type, a
// whole-number setting given as 2.7, true or 1e3, a negative seed, or a number the setting cannot
// hold throws std::invalid_argument naming the key, the value and what to give.
void update_from_json(GanConfig& config, const nlohmann::json& j);

// "relu" etc. (activation_name); throws std::invalid_argument listing the valid names.
Activation parse_activation(const std::string& name);

}  // namespace linact::host

#endif  // LINACT_HOST_MODEL_H_
