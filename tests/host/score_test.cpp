#include "score.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "cpu/mlp.h"
#include "rng.h"
#include "test_support.h"

namespace linact::host {
namespace {

// Samples of a Gaussian with independent coordinates, means `mean` and deviations `sd`.
std::vector<float> samples(int64_t count, const std::vector<double>& mean,
                           const std::vector<double>& sd, uint64_t seed) {
  Rng rng(seed);
  const int64_t dim = static_cast<int64_t>(mean.size());
  std::vector<float> x(count * dim);
  rng.fill_normal(x.data(), count * dim);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t d = 0; d < dim; ++d)
      x[i * dim + d] = float(mean[d] + sd[d] * x[i * dim + d]);
  }
  return x;
}

TEST(Score, FrechetDistanceOfExactGaussiansMatchesClosedForm) {
  // For commuting covariances the distance is |dm|^2 + sum (sqrt(s1) - sqrt(s2))^2.
  Gaussian a{Eigen::Vector3d(0, 1, 2), Eigen::Vector3d(1, 4, 9).asDiagonal()};
  Gaussian b{Eigen::Vector3d(1, 1, 0), Eigen::Vector3d(4, 4, 1).asDiagonal()};
  const double expected = (1 + 0 + 4) + (1 + 0 + 4);
  EXPECT_NEAR(frechet_distance(a, b), expected, 1e-9);
  EXPECT_NEAR(frechet_distance(a, a), 0.0, 1e-9);
}

TEST(Score, FrechetDistanceIsSymmetricForNonCommutingCovariances) {
  Eigen::Matrix2d s1, s2;
  s1 << 2.0, 0.8, 0.8, 1.0;
  s2 << 1.0, -0.3, -0.3, 3.0;
  const Gaussian a{Eigen::Vector2d(0, 0), s1}, b{Eigen::Vector2d(0.5, -1), s2};
  EXPECT_NEAR(frechet_distance(a, b), frechet_distance(b, a), 1e-9);
  EXPECT_GT(frechet_distance(a, b), 0.0);
}

TEST(Score, FittedGaussianRecoversMomentsOfSamples) {
  const auto x = samples(20000, {1.0, -2.0}, {0.5, 2.0}, 9);
  const Gaussian g = fit_gaussian(x.data(), 20000, 2);
  // Standard errors at n = 2e4: 0.0035 and 0.014 for the means; 4 sigma.
  EXPECT_NEAR(g.mean(0), 1.0, 0.014);
  EXPECT_NEAR(g.mean(1), -2.0, 0.056);
  EXPECT_NEAR(g.cov(0, 0), 0.25, 0.01);
  EXPECT_NEAR(g.cov(1, 1), 4.0, 0.16);
  EXPECT_NEAR(g.cov(0, 1), 0.0, 0.03);
}

TEST(Score, ClassifierLearnsSeparableClassesAndGivesFeatures) {
  // Ten classes, each a bright band at its own rows: a correct classifier gets them all.
  const int64_t count = 500;
  std::vector<float> images(count * kImagePixels, -1.0f);
  std::vector<uint8_t> labels(count);
  Rng rng(5);
  for (int64_t i = 0; i < count; ++i) {
    labels[i] = static_cast<uint8_t>(i % 10);
    for (int64_t p = 0; p < kImagePixels; ++p) {
      const bool band = (p / 28) / 2 == labels[i];
      images[i * kImagePixels + p] = band ? rng.uniform(0.5f, 1.0f) : rng.uniform(-1.0f, -0.5f);
    }
  }
  ClassifierTraining options;
  options.epochs = 3;
  options.batch_size = 50;
  const Classifier c = Classifier::train(images.data(), labels.data(), count, options);
  EXPECT_EQ(c.accuracy(images.data(), labels.data(), count), 1.0);
  const auto f = c.features(images.data(), 3);
  EXPECT_EQ(f.size(), 3u * 128u);
  for (float v : f)
    EXPECT_GE(v, 0.0f);  // after ReLU
}

constexpr int64_t kFeatures = 128;

// Random pixels as the runner holds them, value / 127.5 - 1, and the same as value / 255.
void random_pixels(Rng& rng, int64_t count, std::vector<float>& images, std::vector<float>& unit) {
  images.resize(count * kImagePixels);
  unit.resize(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    images[i] = static_cast<float>(rng.below(256)) / 127.5f - 1.0f;
    unit[i] = 0.5f * (images[i] + 1.0f);
  }
}

TEST(Score, ClassifierFeaturesReadRunnerPixelsMappedToUnitRange) {
  // The runner's pixel x in [-1, 1] reaches the network as (x + 1) / 2, i.e. value / 255.
  const MlpSpec spec = classifier_spec();
  std::vector<float> params(spec.param_count());
  Rng rng(21);
  init_parameters(spec, rng, params.data());
  const Classifier c(params);
  const int64_t count = 7;
  std::vector<float> images, unit;
  random_pixels(rng, count, images, unit);
  const std::vector<float> got = c.features(images.data(), count);
  const int64_t hidden = spec.num_layers() - 1;
  cpu::Mlp mapped(spec, count), raw(spec, count);
  const float* want = mapped.forward_layers(params.data(), unit.data(), count, hidden);
  const float* unmapped = raw.forward_layers(params.data(), images.data(), count, hidden);
  int64_t differs_from_unmapped = 0;
  for (int64_t i = 0; i < count * kFeatures; ++i) {
    ASSERT_EQ(got[i], want[i]) << "feature " << i % kFeatures << " of image " << i / kFeatures;
    differs_from_unmapped += got[i] != unmapped[i];
  }
  EXPECT_GT(differs_from_unmapped, count * kFeatures / 4)
      << "inputs in [-1, 1] give the same features";
}

TEST(Score, ClassifierAccuracyReadsRunnerPixelsMappedToUnitRange) {
  // Labels are the network's own predictions on value / 255, so the accuracy must be exactly 1;
  // on the unmapped pixels some predictions differ.
  const MlpSpec spec = classifier_spec();
  std::vector<float> params(spec.param_count());
  Rng rng(22);
  init_parameters(spec, rng, params.data());
  const int64_t count = 200;
  std::vector<float> images, unit;
  random_pixels(rng, count, images, unit);
  cpu::Mlp mapped(spec, count), raw(spec, count);
  const float* logits = mapped.forward(params.data(), unit.data(), count);
  const float* raw_logits = raw.forward(params.data(), images.data(), count);
  std::vector<uint8_t> labels(count);
  int64_t raw_disagrees = 0;
  for (int64_t i = 0; i < count; ++i) {
    labels[i] = static_cast<uint8_t>(std::max_element(logits + i * 10, logits + i * 10 + 10) -
                                     (logits + i * 10));
    const auto raw_label =
        std::max_element(raw_logits + i * 10, raw_logits + i * 10 + 10) - (raw_logits + i * 10);
    raw_disagrees += raw_label != labels[i];
  }
  ASSERT_GT(raw_disagrees, 0) << "the test cannot tell the two input ranges apart";
  EXPECT_EQ(Classifier(params).accuracy(images.data(), labels.data(), count), 1.0);
}

TEST(Score, ClassifierTrainingLeavesWeightsOfAlwaysBlankPixelsUntouched) {
  // A pixel at -1 (value 0) in every training image reaches the network as exactly 0, so its
  // first-layer weights get zero gradients and Adam leaves them at their initial values. On
  // [-1, 1] inputs they would move like any other weight.
  const int64_t count = 100;
  const int64_t blank = 3;  // pixel index blank in every image
  std::vector<float> images(count * kImagePixels);
  std::vector<uint8_t> labels(count);
  Rng rng(23);
  for (int64_t i = 0; i < count; ++i) {
    labels[i] = static_cast<uint8_t>(i % 10);
    for (int64_t p = 0; p < kImagePixels; ++p)
      images[i * kImagePixels + p] = static_cast<float>(rng.below(256)) / 127.5f - 1.0f;
    images[i * kImagePixels + blank] = -1.0f;
  }
  ClassifierTraining options;
  options.epochs = 1;
  options.batch_size = 50;
  const Classifier c = Classifier::train(images.data(), labels.data(), count, options);

  const MlpSpec spec = classifier_spec();
  std::vector<float> initial(spec.param_count());
  Rng init_rng(options.seed);
  init_parameters(spec, init_rng, initial.data());
  const int64_t w0 = spec.weight_offset(0);
  int64_t trained = 0;  // units whose weight for the next, varying pixel moved
  for (int64_t o = 0; o < spec.out_features(0); ++o) {
    const int64_t blank_weight = w0 + o * kImagePixels + blank;
    ASSERT_EQ(c.params()[blank_weight], initial[blank_weight]) << "unit " << o;
    trained += c.params()[blank_weight + 1] != initial[blank_weight + 1];
  }
  // Units that ReLU kept at zero for every image get no gradient at all; most do train.
  EXPECT_GT(trained, spec.out_features(0) / 2);
}

}  // namespace
}  // namespace linact::host
