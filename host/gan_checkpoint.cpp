#include "gan_checkpoint.h"

#include <algorithm>
#include <stdexcept>

#include "io/file_bytes.h"
#include "rng.h"

namespace linact::host {

namespace {

constexpr const char* kKind = "linact-gan";

// Calls f(name, offset, size) for each tensor of the flat parameter layout, in layout order. The
// offset is summed as it goes, so a config of many layers costs one pass, not one per layer.
template <typename F>
void for_each_tensor(const MlpSpec& spec, const std::string& net, F&& f) {
  int64_t offset = 0;
  for (int64_t l = 0; l < spec.num_layers(); ++l) {
    const std::string prefix = net + "." + std::to_string(l) + ".";
    const int64_t weights = spec.in_features(l) * spec.out_features(l);
    f(prefix + "weight", offset, weights);
    offset += weights;
    f(prefix + "bias", offset, spec.out_features(l));
    offset += spec.out_features(l);
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

// Widths that validate() allows (up to 65536, any number of layers) can describe terabytes, so
// every tensor is found and its size checked before the state is allocated: what is then
// allocated is no more than the file holds.
NetState get_net(const Checkpoint& c, const MlpSpec& spec, const std::string& net,
                 const std::string& source) {
  struct Found {
    int64_t offset;
    const std::vector<float>* params;
    const std::vector<float>* exp_avg;
    const std::vector<float>* exp_avg_sq;
  };
  std::vector<Found> found;
  for_each_tensor(spec, net, [&](const std::string& name, int64_t offset, int64_t size) {
    auto find = [&](const std::string& key) {
      return &checkpoint_tensor(c, key, static_cast<size_t>(size), source);
    };
    found.push_back({offset, find(name), find(name + ".adam_m"), find(name + ".adam_v")});
  });

  NetState s;
  const auto count = static_cast<size_t>(spec.param_count());
  s.params.resize(count);
  s.exp_avg.resize(count);
  s.exp_avg_sq.resize(count);
  for (const Found& f : found) {
    std::copy(f.params->begin(), f.params->end(), s.params.begin() + f.offset);
    std::copy(f.exp_avg->begin(), f.exp_avg->end(), s.exp_avg.begin() + f.offset);
    std::copy(f.exp_avg_sq->begin(), f.exp_avg_sq->end(), s.exp_avg_sq.begin() + f.offset);
  }
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
  c.scalars["limit"] = snap.limit;
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
  snap.limit = checkpoint_scalar(c, "limit", source);
  if (snap.limit < 0) throw IoError(source + ": limit is negative");
  snap.state.generator = get_net(c, snap.config.generator, "G", source);
  snap.state.discriminator = get_net(c, snap.config.discriminator, "D", source);
  return snap;
}

}  // namespace linact::host
