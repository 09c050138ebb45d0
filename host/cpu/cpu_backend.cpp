#include "cpu/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <cblas.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/bce_with_logits.h"

namespace linact::host::cpu {

void set_cpu_threads(int threads) {
  if (threads <= 0) return;
  openblas_set_num_threads(threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
}

std::string blas_kernels() {
  const char* name = openblas_get_corename();
  return name != nullptr ? std::string(name) : std::string("unknown");
}

namespace {
void check_state(const GanConfig& config, const GanState& s) {
  const auto g = static_cast<size_t>(config.generator.param_count());
  const auto d = static_cast<size_t>(config.discriminator.param_count());
  auto ok = [](const NetState& n, size_t count) {
    return n.params.size() == count && n.exp_avg.size() == count && n.exp_avg_sq.size() == count &&
           n.step >= 0;
  };
  if (!ok(s.generator, g) || !ok(s.discriminator, d)) {
    throw std::invalid_argument("training state has " + std::to_string(s.generator.params.size()) +
                                " generator and " + std::to_string(s.discriminator.params.size()) +
                                " discriminator parameters where the model needs " +
                                std::to_string(g) + " and " + std::to_string(d) +
                                ": use a checkpoint made with the same widths");
  }
}
}  // namespace

CpuBackend::CpuBackend(const GanConfig& config, const GanState& state)
    : config_(config),
      adam_{config.lr, config.beta1, config.beta2, config.eps},
      generator_(config.generator, config.batch_size),
      discriminator_(config.discriminator, 2 * config.batch_size),
      d_input_(static_cast<size_t>(2 * config.batch_size * kImagePixels)),
      g_grad_(static_cast<size_t>(config.generator.param_count())),
      d_grad_(static_cast<size_t>(config.discriminator.param_count())),
      fake_grad_(static_cast<size_t>(config.batch_size * kImagePixels)) {
  set_state(state);
}

void CpuBackend::set_state(const GanState& state) {
  check_state(config_, state);
  state_ = state;
}

StepStats CpuBackend::discriminator_step(const float* real, const float* noise, int64_t batch) {
  StepStats stats;
  if (batch <= 0) return stats;
  const size_t image_floats = static_cast<size_t>(batch * kImagePixels);

  // Real rows first, then the fakes, so one pass of D serves both losses.
  const float* fake = generator_.forward(state_.generator.params.data(), noise, batch);
  std::memcpy(d_input_.data(), real, image_floats * sizeof(float));
  std::memcpy(d_input_.data() + image_floats, fake, image_floats * sizeof(float));

  NetState& d = state_.discriminator;
  const float* logits = discriminator_.forward(d.params.data(), d_input_.data(), 2 * batch);
  float* dlogits = discriminator_.output_grad();
  const BceResult on_real = bce_with_logits(batch, logits, 1.0f, dlogits);
  const BceResult on_fake = bce_with_logits(batch, logits + batch, 0.0f, dlogits + batch);
  discriminator_.backward(d.params.data(), 2 * batch, d_grad_.data(), nullptr);
  adam_step(adam_, ++d.step, static_cast<int64_t>(d.params.size()), d.params.data(), d_grad_.data(),
            d.exp_avg.data(), d.exp_avg_sq.data());

  stats.d_loss = on_real.loss + on_fake.loss;
  stats.d_real = on_real.mean_prob;
  stats.d_fake = on_fake.mean_prob;
  return stats;
}

float CpuBackend::generator_step(int64_t batch) {
  if (batch <= 0) return 0.0f;
  const size_t image_floats = static_cast<size_t>(batch * kImagePixels);
  const float* fake = d_input_.data() + image_floats;

  // Non-saturating loss: the generator wants D to call its fakes real.
  NetState& d = state_.discriminator;
  const float* logits = discriminator_.forward(d.params.data(), fake, batch);
  const BceResult result = bce_with_logits(batch, logits, 1.0f, discriminator_.output_grad());
  discriminator_.backward(d.params.data(), batch, nullptr, fake_grad_.data());

  NetState& g = state_.generator;
  std::memcpy(generator_.output_grad(), fake_grad_.data(), image_floats * sizeof(float));
  generator_.backward(g.params.data(), batch, g_grad_.data(), nullptr);
  adam_step(adam_, ++g.step, static_cast<int64_t>(g.params.size()), g.params.data(), g_grad_.data(),
            g.exp_avg.data(), g.exp_avg_sq.data());
  return result.loss;
}

StepStats CpuBackend::train_step(const float* real, const float* noise, int64_t batch) {
  if (batch < 0 || batch > config_.batch_size) {
    throw std::invalid_argument("batch is " + std::to_string(batch) + ": give 0 to " +
                                std::to_string(config_.batch_size) + " rows");
  }
  StepStats stats = discriminator_step(real, noise, batch);
  stats.g_loss = generator_step(batch);
  return stats;
}

void CpuBackend::generate(const float* noise, int64_t count, float* images) {
  const int64_t chunk = generator_.max_batch();
  for (int64_t start = 0; start < count; start += chunk) {
    const int64_t rows = std::min(chunk, count - start);
    const float* out = generator_.forward(state_.generator.params.data(),
                                          noise + start * config_.noise_dim(), rows);
    std::memcpy(images + start * kImagePixels, out,
                static_cast<size_t>(rows * kImagePixels) * sizeof(float));
  }
}

}  // namespace linact::host::cpu
