#include "backend.h"

#include "rng.h"

namespace linact::host {

namespace {
NetState initial_net(const MlpSpec& spec, Rng& rng) {
  NetState net;
  const auto count = static_cast<size_t>(spec.param_count());
  net.params.resize(count);
  init_parameters(spec, rng, net.params.data());
  net.exp_avg.assign(count, 0.0f);
  net.exp_avg_sq.assign(count, 0.0f);
  return net;
}
}  // namespace

GanState initial_state(const GanConfig& config, Rng& rng) {
  GanState state;
  state.generator = initial_net(config.generator, rng);
  state.discriminator = initial_net(config.discriminator, rng);
  return state;
}

}  // namespace linact::host
