#include "gan_checkpoint.h"

#include <stdexcept>

#include "io/file_bytes.h"
#include "rng.h"

namespace linact::host {

namespace {

constexpr const char* kKind = "linact-gan";

// Calls f(name, offset, size) for each tensor of the flat parameter layout.
template <typename F>
void for_each_tensor(const MlpSpec& spec, const std::string& net, F&& f) {
  for (int64_t l = 0; l < spec.num_layers(); ++l) {
    const std::string prefix = net + "." + std::to_string(l) + ".";
    f(prefix + "weight", spec.weight_offset(l), spec.in_features(l) * spec.out_features(l));
    f(prefix + "bias", spec.bias_offset(l), spec.out_features(l));
  }
}

void put_net(Checkpoint& c, const MlpSpec& spec, const std::string& net, const NetState& s) {
  auto slice = [](const std::vector<float>& v, int64_t offset, int64_t size) {
    return std::vector<float>(v.begin() + offset, v.begin() + offset + size);
  };
  for_each_tensor(spec, net, [&](const std::string& name, int64_t offset, int64_t size) {
    c.tensors[name] = slice(s.params, offset, size);
    c.tensors[name + ".adam_m"] = slice(s.exp_avg, offset, size);
    c.tensors[name + ".adam_v"] = slice(s.exp_avg_sq, offset, size);
  });
  c.scalars[net + ".step"] = s.step;
}

NetState get_net(const Checkpoint& c, const MlpSpec& spec, const std::string& net,
                 const std::string& source) {
  NetState s;
  const auto count = static_cast<size_t>(spec.param_count());
  s.params.resize(count);
  s.exp_avg.resize(count);
  s.exp_avg_sq.resize(count);
  for_each_tensor(spec, net, [&](const std::string& name, int64_t offset, int64_t size) {
    auto copy = [&](const std::string& key, std::vector<float>& into) {
      const auto& t = checkpoint_tensor(c, key, static_cast<size_t>(size), source);
      std::copy(t.begin(), t.end(), into.begin() + offset);
    };
    copy(name, s.params);
    copy(name + ".adam_m", s.exp_avg);
    copy(name + ".adam_v", s.exp_avg_sq);
  });
  s.step = checkpoint_scalar(c, net + ".step", source);
  if (s.step < 0) throw IoError(source + ": " + net + ".step is negative");
  return s;
}

}  // namespace

Checkpoint to_checkpoint(const TrainingSnapshot& snap) {
  Checkpoint c;
  c.texts["kind"] = kKind;
  c.texts["config"] = to_json(snap.config).dump();
  c.texts["rng"] = snap.rng_state;
  c.scalars["epochs_done"] = snap.epochs_done;
  put_net(c, snap.config.generator, "G", snap.state.generator);
  put_net(c, snap.config.discriminator, "D", snap.state.discriminator);
  return c;
}

TrainingSnapshot from_checkpoint(const Checkpoint& c, const std::string& source) {
  const std::string& kind = checkpoint_text(c, "kind", source);
  if (kind != kKind) {
    throw IoError(source + ": is a '" + kind + "' checkpoint, not a linact-gan training run");
  }
  TrainingSnapshot snap;
  try {
    update_from_json(snap.config, nlohmann::json::parse(checkpoint_text(c, "config", source)));
    validate(snap.config);
  } catch (const std::exception& e) {
    throw IoError(source + ": its config is unusable: " + e.what());
  }
  snap.rng_state = checkpoint_text(c, "rng", source);
  if (!Rng(0).set_state(snap.rng_state)) {
    throw IoError(source + ": its random generator state is malformed");
  }
  snap.epochs_done = checkpoint_scalar(c, "epochs_done", source);
  if (snap.epochs_done < 0) throw IoError(source + ": epochs_done is negative");
  snap.state.generator = get_net(c, snap.config.generator, "G", source);
  snap.state.discriminator = get_net(c, snap.config.discriminator, "D", source);
  return snap;
}

}  // namespace linact::host
