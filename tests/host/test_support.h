// Small models and synthetic data shared by the runner's tests.
#ifndef LINACT_TESTS_HOST_TEST_SUPPORT_H_
#define LINACT_TESTS_HOST_TEST_SUPPORT_H_

#include <vector>

#include "model.h"
#include "rng.h"

namespace linact::host::testing {

// A GAN small enough to train in milliseconds, with every activation kind the default uses.
inline GanConfig tiny_config(int64_t batch_size = 16) {
  GanConfig c;
  c.generator.widths = {8, 24, kImagePixels};
  c.generator.activations = {Activation::kRelu, Activation::kTanh};
  c.discriminator.widths = {kImagePixels, 32, 16, 1};
  c.discriminator.activations = {Activation::kLeakyRelu, Activation::kLeakyRelu,
                                 Activation::kIdentity};
  c.batch_size = batch_size;
  c.lr = 1e-3f;
  c.seed = 7;
  return c;
}

// `c` with a generator of 64 hidden layers of 65536: every width within validate's bound, yet
// 2.7e11 parameters, about 17 TB at the peak, beyond any machine's memory.
inline GanConfig with_generator_beyond_any_memory(GanConfig c) {
  c.generator.widths = {c.noise_dim()};
  c.generator.activations.clear();
  for (int l = 0; l < 64; ++l) {
    c.generator.widths.push_back(65536);
    c.generator.activations.push_back(Activation::kRelu);
  }
  c.generator.widths.push_back(kImagePixels);
  c.generator.activations.push_back(Activation::kTanh);
  return c;
}

// Images in [-1, 1] with some structure (a bright band) so D has something to learn.
inline std::vector<float> synthetic_images(int64_t count, uint64_t seed = 3) {
  Rng rng(seed);
  std::vector<float> images(static_cast<size_t>(count * kImagePixels));
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t p = 0; p < kImagePixels; ++p) {
      const bool band = (p / 28) >= 10 && (p / 28) < 18;
      images[i * kImagePixels + p] = band ? rng.uniform(0.5f, 1.0f) : rng.uniform(-1.0f, -0.8f);
    }
  }
  return images;
}

}  // namespace linact::host::testing

#endif  // LINACT_TESTS_HOST_TEST_SUPPORT_H_
