#include "model.h"

#include <cmath>
#include <stdexcept>

#include "rng.h"

namespace linact::host {

int64_t MlpSpec::weight_offset(int64_t layer) const {
  int64_t offset = 0;
  for (int64_t i = 0; i < layer; ++i)
    offset += (widths[i] + 1) * widths[i + 1];
  return offset;
}

int64_t MlpSpec::bias_offset(int64_t layer) const {
  return weight_offset(layer) + widths[layer] * widths[layer + 1];
}

int64_t MlpSpec::param_count() const {
  return weight_offset(num_layers());
}

void init_parameters(const MlpSpec& spec, Rng& rng, float* params) {
  for (int64_t l = 0; l < spec.num_layers(); ++l) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(spec.in_features(l)));
    const int64_t count = (spec.in_features(l) + 1) * spec.out_features(l);
    float* p = params + spec.weight_offset(l);
    for (int64_t i = 0; i < count; ++i)
      p[i] = rng.uniform(-bound, bound);
  }
}

void GanConfig::set_slope(float alpha) {
  generator.alpha = alpha;
  discriminator.alpha = alpha;
}

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw std::invalid_argument(message);
}

std::string widths_text(const std::vector<int64_t>& widths) {
  std::string s;
  for (size_t i = 0; i < widths.size(); ++i)
    s += (i ? "," : "") + std::to_string(widths[i]);
  return s;
}

void validate_mlp(const MlpSpec& spec, const char* name, const char* width_flag,
                  const char* act_flag) {
  if (spec.widths.size() < 2) {
    invalid(std::string(width_flag) + " is '" + widths_text(spec.widths) +
            "': give at least two widths (input,output)");
  }
  for (int64_t w : spec.widths) {
    if (w < 1 || w > (1 << 16)) {
      invalid(std::string(width_flag) + " is '" + widths_text(spec.widths) +
              "': every width must be between 1 and 65536");
    }
  }
  if (static_cast<int64_t>(spec.activations.size()) != spec.num_layers()) {
    invalid(std::string(act_flag) + " has " + std::to_string(spec.activations.size()) +
            " entries but the " + name + " has " + std::to_string(spec.num_layers()) +
            " layers: give one activation per layer");
  }
  if (!std::isfinite(spec.alpha)) invalid("--slope is not finite: give a finite LeakyReLU slope");
}

}  // namespace

void validate(const GanConfig& c) {
  validate_mlp(c.generator, "generator", "--g-widths", "--g-activations");
  validate_mlp(c.discriminator, "discriminator", "--d-widths", "--d-activations");
  if (c.generator.widths.back() != kImagePixels) {
    invalid("--g-widths ends in " + std::to_string(c.generator.widths.back()) +
            ": the generator's last width must be 784 (28x28 images)");
  }
  if (c.discriminator.widths.front() != kImagePixels) {
    invalid("--d-widths starts with " + std::to_string(c.discriminator.widths.front()) +
            ": the discriminator's first width must be 784 (28x28 images)");
  }
  if (c.discriminator.widths.back() != 1) {
    invalid("--d-widths ends in " + std::to_string(c.discriminator.widths.back()) +
            ": the discriminator's last width must be 1 (one logit per image)");
  }
  if (c.discriminator.activations.back() != Activation::kIdentity) {
    invalid(std::string("the discriminator's last activation is '") +
            activation_name(c.discriminator.activations.back()) +
            "': it must be 'sigmoid', which the loss applies (BCE with logits)");
  }
  if (c.batch_size < 1 || c.batch_size > 65536) {
    invalid("--batch-size is " + std::to_string(c.batch_size) + ": give 1 to 65536");
  }
  if (c.epochs < 0) invalid("--epochs is " + std::to_string(c.epochs) + ": give 0 or more");
  if (!(c.lr > 0.0f) || !std::isfinite(c.lr)) {
    invalid("--lr is " + std::to_string(c.lr) + ": give a positive finite learning rate");
  }
  if (!(c.beta1 >= 0.0f && c.beta1 < 1.0f) || !(c.beta2 >= 0.0f && c.beta2 < 1.0f)) {
    invalid("beta1/beta2 are " + std::to_string(c.beta1) + "/" + std::to_string(c.beta2) +
            ": each must lie in [0, 1)");
  }
  if (!(c.eps > 0.0f)) invalid("eps is " + std::to_string(c.eps) + ": give a positive epsilon");
}

Activation parse_activation(const std::string& name) {
  for (int a = 0; a < kNumActivations; ++a) {
    if (name == activation_name(static_cast<Activation>(a))) return static_cast<Activation>(a);
  }
  std::string valid;
  for (int a = 0; a < kNumActivations; ++a) {
    valid += std::string(a ? ", " : "") + activation_name(static_cast<Activation>(a));
  }
  invalid("activation '" + name + "' is unknown: use one of " + valid);
}

namespace {

nlohmann::json mlp_json(const MlpSpec& spec, bool logits_last) {
  std::vector<std::string> acts;
  for (size_t i = 0; i < spec.activations.size(); ++i) {
    const bool fused = logits_last && i + 1 == spec.activations.size() &&
                       spec.activations[i] == Activation::kIdentity;
    acts.push_back(fused ? "sigmoid" : activation_name(spec.activations[i]));
  }
  return {{"widths", spec.widths}, {"activations", acts}};
}

void read_mlp(MlpSpec& spec, const nlohmann::json& j, const std::string& key, bool logits_last) {
  if (!j.is_object()) invalid("config key '" + key + "' must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "widths") {
      spec.widths = it->get<std::vector<int64_t>>();
    } else if (it.key() == "activations") {
      spec.activations.clear();
      const auto names = it->get<std::vector<std::string>>();
      for (size_t i = 0; i < names.size(); ++i) {
        // The discriminator's final Sigmoid lives in the loss.
        const bool fused = logits_last && i + 1 == names.size() && names[i] == "sigmoid";
        spec.activations.push_back(fused ? Activation::kIdentity : parse_activation(names[i]));
      }
    } else {
      invalid("config key '" + key + "." + it.key() + "' is unknown: use widths, activations");
    }
  }
}

}  // namespace

nlohmann::json to_json(const GanConfig& c) {
  return {{"generator", mlp_json(c.generator, false)},
          {"discriminator", mlp_json(c.discriminator, true)},
          {"leaky_relu_slope", c.generator.alpha},
          {"batch_size", c.batch_size},
          {"epochs", c.epochs},
          {"lr", c.lr},
          {"beta1", c.beta1},
          {"beta2", c.beta2},
          {"eps", c.eps},
          {"seed", c.seed}};
}

void update_from_json(GanConfig& c, const nlohmann::json& j) {
  if (!j.is_object()) invalid("the config must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    try {
      if (key == "generator") {
        read_mlp(c.generator, *it, key, false);
      } else if (key == "discriminator") {
        read_mlp(c.discriminator, *it, key, true);
      } else if (key == "leaky_relu_slope") {
        c.set_slope(it->get<float>());
      } else if (key == "batch_size") {
        c.batch_size = it->get<int64_t>();
      } else if (key == "epochs") {
        c.epochs = it->get<int64_t>();
      } else if (key == "lr") {
        c.lr = it->get<float>();
      } else if (key == "beta1") {
        c.beta1 = it->get<float>();
      } else if (key == "beta2") {
        c.beta2 = it->get<float>();
      } else if (key == "eps") {
        c.eps = it->get<float>();
      } else if (key == "seed") {
        c.seed = it->get<uint64_t>();
      } else {
        invalid("config key '" + key +
                "' is unknown: use generator, discriminator, leaky_relu_slope, batch_size, "
                "epochs, lr, beta1, beta2, eps, seed");
      }
    } catch (const nlohmann::json::exception& e) {
      invalid("config key '" + key + "' has the wrong type: " + e.what());
    }
  }
}

}  // namespace linact::host
