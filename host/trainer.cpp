#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>

namespace linact::host {

int64_t steps_per_epoch(int64_t count, int64_t batch_size) {
  return (count + batch_size - 1) / batch_size;
}

Trainer::Trainer(const GanConfig& config, Backend& backend, Rng rng, int64_t epochs_done)
    : config_(config),
      backend_(backend),
      rng_(std::move(rng)),
      epochs_done_(epochs_done),
      real_(static_cast<size_t>(config.batch_size * kImagePixels)),
      noise_(static_cast<size_t>(config.batch_size * config.noise_dim())) {}

EpochSummary Trainer::run_epoch(const float* images, int64_t count, const StepCallback& on_step) {
  const auto start = std::chrono::steady_clock::now();
  EpochSummary summary;
  summary.epoch = epochs_done_ + 1;
  const int64_t steps = steps_per_epoch(count, config_.batch_size);

  order_.resize(static_cast<size_t>(count));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  rng_.shuffle(order_);

  double d_loss = 0, g_loss = 0, d_real = 0, d_fake = 0;
  // start < count: every batch has at least one row, so no step runs on an empty batch.
  for (int64_t first = 0; first < count; first += config_.batch_size) {
    const int64_t rows = std::min(config_.batch_size, count - first);
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(real_.data() + r * kImagePixels, images + order_[first + r] * kImagePixels,
                  kImagePixels * sizeof(float));
    }
    rng_.fill_normal(noise_.data(), rows * config_.noise_dim());
    const StepStats stats = backend_.train_step(real_.data(), noise_.data(), rows);

    ++summary.steps;
    summary.images += rows;
    summary.last = stats;
    d_loss += stats.d_loss;
    g_loss += stats.g_loss;
    d_real += stats.d_real;
    d_fake += stats.d_fake;
    if (on_step) on_step(summary.steps, steps, stats, summary.images);
  }

  if (summary.steps > 0) {
    const double n = static_cast<double>(summary.steps);
    summary.mean = {float(d_loss / n), float(g_loss / n), float(d_real / n), float(d_fake / n)};
  }
  ++epochs_done_;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::vector<float> fixed_noise(uint64_t seed, int64_t count, int64_t noise_dim) {
  // A distinct stream from the training generator seeded with the same number.
  Rng rng(seed ^ 0x9E3779B97F4A7C15ull);
  std::vector<float> noise(static_cast<size_t>(count * noise_dim));
  rng.fill_normal(noise.data(), count * noise_dim);
  return noise;
}

}  // namespace linact::host
