#include "score.h"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace linact::host
