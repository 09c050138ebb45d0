#include "model.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
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

// The memory this process may use in bytes: the machine's, or a smaller cgroup (v2) limit, as in
// a container; 0 when the system does not say.
double available_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  double bytes = pages > 0 && page_size > 0 ? static_cast<double>(pages) * page_size : 0.0;
  std::ifstream limit("/sys/fs/cgroup/memory.max");
  double cgroup = 0.0;
  if (limit >> cgroup && cgroup > 0.0 && (bytes == 0.0 || cgroup < bytes)) bytes = cgroup;
  return bytes;
}

}  // namespace

double estimated_memory_bytes(const GanConfig& c) {
  auto widths_sum = [](const MlpSpec& spec) {
    double sum = 0.0;
    for (int64_t w : spec.widths)
      sum += static_cast<double>(w);
    return sum;
  };
  const double params = static_cast<double>(c.generator.param_count()) +
                        static_cast<double>(c.discriminator.param_count());
  // Per parameter, 16 floats at the peak, when a checkpoint is written: the backend's weights,
  // moments and gradient (4), the runner's copy of the state (3), the backend's state() (3),
  // to_checkpoint's copy (3) and the file's bytes (3). Per batch row: y, z and dy of every layer,
  // the discriminator's for the real and the fake half. Beside them, a fixed 256 MiB: the
  // dataset as floats and the score's buffers. Peak resident sizes of one epoch (GNU time, %M):
  // 275 MiB for the default GAN (estimate 334 MiB) and 1507 MiB with --g-widths 100,4096,4096,784
  // (estimate 1554 MiB).
  const double rows = static_cast<double>(c.batch_size);
  const double activations =
      3.0 * rows * (widths_sum(c.generator) + 2.0 * widths_sum(c.discriminator));
  return 4.0 * (16.0 * params + activations) + 256.0 * 1048576.0;
}

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
  const double need = estimated_memory_bytes(c), have = available_memory_bytes();
  if (have > 0.0 && need > have) {
    char text[256];
    std::snprintf(text, sizeof(text),
                  "--g-widths, --d-widths and --batch-size ask for about %.1f GiB of memory, "
                  "more than this machine's %.1f GiB: give smaller widths or a smaller batch",
                  need / 1073741824.0, have / 1073741824.0);
    invalid(text);
  }
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

// The value as the config file wrote it, for messages: "config key 'seed' is -1".
std::string key_is(const std::string& key, const nlohmann::json& v) {
  return "config key '" + key + "' is " + v.dump();
}

// nlohmann's get<int64_t>() would truncate 2.7 and accept true as 1, so only JSON integers pass.
int64_t read_int64(const nlohmann::json& v, const std::string& key) {
  if (!v.is_number_integer()) {
    invalid(key_is(key, v) + ": give a whole number (a JSON integer, no fraction or exponent)");
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX}) {
    invalid(key_is(key, v) + ": give a whole number of at most 9223372036854775807");
  }
  return v.get<int64_t>();
}

// get<uint64_t>() would wrap -1 to 2^64 - 1.
uint64_t read_uint64(const nlohmann::json& v, const std::string& key) {
  const bool negative = v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0;
  if (!v.is_number_integer() || negative) {
    invalid(key_is(key, v) + ": give a whole number from 0 to 18446744073709551615");
  }
  return v.get<uint64_t>();
}

// get<float>() would accept true as 1 and turn 1e300 into infinity.
float read_float(const nlohmann::json& v, const std::string& key) {
  if (!v.is_number()) invalid(key_is(key, v) + ": give a number, such as 0.0002");
  const auto f = static_cast<float>(v.get<double>());
  if (!std::isfinite(f)) {
    invalid(key_is(key, v) + ": give a number within float range (magnitude below 3.4e38)");
  }
  return f;
}

std::vector<int64_t> read_widths(const nlohmann::json& v, const std::string& key) {
  if (!v.is_array()) {
    invalid(key_is(key, v) + ": give an array of whole numbers, such as [100, 256, 784]");
  }
  std::vector<int64_t> widths;
  for (size_t i = 0; i < v.size(); ++i)
    widths.push_back(read_int64(v[i], key + "[" + std::to_string(i) + "]"));
  return widths;
}

std::vector<Activation> read_activations(const nlohmann::json& v, const std::string& key,
                                         bool logits_last) {
  if (!v.is_array()) {
    invalid(key_is(key, v) + ": give an array of activation names, such as [\"relu\", \"tanh\"]");
  }
  std::vector<Activation> acts;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      invalid(key_is(key + "[" + std::to_string(i) + "]", v[i]) +
              ": give an activation name, such as \"relu\"");
    }
    const std::string& name = v[i].get_ref<const std::string&>();
    // The discriminator's final Sigmoid lives in the loss.
    if (logits_last && i + 1 == v.size() && name == "sigmoid") {
      acts.push_back(Activation::kIdentity);
      continue;
    }
    try {
      acts.push_back(parse_activation(name));
    } catch (const std::invalid_argument& e) {
      invalid("config key '" + key + "[" + std::to_string(i) + "]': " + e.what());
    }
  }
  return acts;
}

void read_mlp(MlpSpec& spec, const nlohmann::json& j, const std::string& key, bool logits_last) {
  if (!j.is_object()) invalid(key_is(key, j) + ": give an object with widths and activations");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string inner = key + "." + it.key();
    if (it.key() == "widths") {
      spec.widths = read_widths(*it, inner);
    } else if (it.key() == "activations") {
      spec.activations = read_activations(*it, inner, logits_last);
    } else {
      invalid("config key '" + inner + "' is unknown: use widths, activations");
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
    const nlohmann::json& v = *it;
    if (key == "generator") {
      read_mlp(c.generator, v, key, false);
    } else if (key == "discriminator") {
      read_mlp(c.discriminator, v, key, true);
    } else if (key == "leaky_relu_slope") {
      c.set_slope(read_float(v, key));
    } else if (key == "batch_size") {
      c.batch_size = read_int64(v, key);
    } else if (key == "epochs") {
      c.epochs = read_int64(v, key);
    } else if (key == "lr") {
      c.lr = read_float(v, key);
    } else if (key == "beta1") {
      c.beta1 = read_float(v, key);
    } else if (key == "beta2") {
      c.beta2 = read_float(v, key);
    } else if (key == "eps") {
      c.eps = read_float(v, key);
    } else if (key == "seed") {
      c.seed = read_uint64(v, key);
    } else {
      invalid("config key '" + key +
              "' is unknown: use generator, discriminator, leaky_relu_slope, batch_size, "
              "epochs, lr, beta1, beta2, eps, seed");
    }
  }
}

}  // namespace linact::host
