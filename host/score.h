// The runner's quality score: a Frechet distance between Gaussians fitted to the 128-d
// penultimate features of a 784-256-128-10 ReLU classifier, real test images against generated
// ones (the FID recipe with a Fashion-MNIST classifier in place of Inception). The classifier
// trains on the CPU backend once and is cached in a checkpoint file.
//
// The classifier's functions take images as the runner holds them, pixels in [-1, 1], and feed
// the network value / 255 in [0, 1], the usual input of a Fashion-MNIST classifier. The choice
// is not neutral: the same generated samples, judged by classifiers trained the same way but on
// [-1, 1] inputs, scored 0.66 to 0.76 of the noise reference after 10 epochs where [0, 1]
// classifiers gave 0.24 to 0.33, and the [-1, 1] ones rated a one-epoch generator far worse
// than uniform noise (host/README.md, "Quality score", has the measurement).
#ifndef LINACT_HOST_SCORE_H_
#define LINACT_HOST_SCORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "model.h"

namespace linact::host {

struct Gaussian {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;  // unbiased (divides by n - 1)
};

// Rows of features [count, dim], count >= 2.
Gaussian fit_gaussian(const float* features, int64_t count, int64_t dim);

// |m1 - m2|^2 + tr(S1) + tr(S2) - 2 tr(sqrt(sqrt(S1) S2 sqrt(S1))). The middle product is
// symmetric, so both square roots come from SelfAdjointEigenSolver; eigenvalues that rounding
// pushes below zero count as zero.
double frechet_distance(const Gaussian& a, const Gaussian& b);

// The classifier's shape: 784-256-128-10, ReLU after the hidden layers.
MlpSpec classifier_spec();

struct ClassifierTraining {
  int64_t epochs = 8;
  int64_t batch_size = 128;
  float lr = 1e-3f;
  uint64_t seed = 20240;
};

class Classifier {
 public:
  explicit Classifier(std::vector<float> params);

  // Trains on images [count, 784] (pixels in [-1, 1]) with labels in 0..9; `log` receives one
  // line per epoch.
  static Classifier train(const float* images, const uint8_t* labels, int64_t count,
                          const ClassifierTraining& options,
                          const std::function<void(const std::string&)>& log = {});

  const std::vector<float>& params() const { return params_; }
  double accuracy(const float* images, const uint8_t* labels, int64_t count) const;
  // Penultimate (128-d, after ReLU) features [count, 128].
  std::vector<float> features(const float* images, int64_t count) const;
  Gaussian feature_gaussian(const float* images, int64_t count) const;

 private:
  std::vector<float> params_;
};

}  // namespace linact::host

#endif  // LINACT_HOST_SCORE_H_
