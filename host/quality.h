// The score the runner prints per epoch: Frechet distance between classifier features of real
// test images and of generated ones (score.h), with the classifier loaded from its cache file or
// trained and cached, and two reference points: the floor (real training images against the
// real test images) and uniform noise in [-1, 1].
#ifndef LINACT_HOST_QUALITY_H_
#define LINACT_HOST_QUALITY_H_

#include <functional>
#include <memory>
#include <string>

#include "io/fashion_mnist.h"
#include "score.h"

namespace linact::host {

// The classifier must reach this test accuracy for its features to mean anything.
constexpr double kMinClassifierAccuracy = 0.85;

// The cache file's name. The "-2" marks classifiers that read pixels in [0, 1] (score.h);
// fashion-classifier.ckpt, written by earlier versions, read [-1, 1] and is no longer used.
constexpr const char* kClassifierFileName = "fashion-classifier-2.ckpt";

// Where the classifier is cached unless --classifier says otherwise: $XDG_CACHE_HOME/linact or
// ~/.cache/linact, falling back to the output folder when neither is set.
std::string default_classifier_path(const std::string& out_dir);

class QualityScore {
 public:
  using Log = std::function<void(const std::string&)>;

  // Loads the classifier from `cache_path`, or trains one on `train` and saves it there. Throws
  // std::runtime_error when its accuracy on `test` is below kMinClassifierAccuracy. `samples`
  // images (at most the test set's count) enter each Gaussian.
  QualityScore(const std::string& cache_path, const FashionMnist& train, const FashionMnist& test,
               int64_t samples, const Log& log);

  int64_t samples() const { return samples_; }
  double test_accuracy() const { return accuracy_; }
  double floor() const { return floor_; }
  double noise() const { return noise_; }
  // What the score says of generated images [samples(), 784].
  struct Judgement {
    double distance;  // the score: Frechet distance to the test images' features
    // tr(cov) of the generated features over tr(cov) of the test images': about 1 for a
    // generator as varied as the data, near 0 for one that draws the same image for every noise
    // vector (mode collapse, which a large distance alone does not tell apart from bad images).
    double spread;
  };
  Judgement judge(const float* generated) const;
  double score(const float* generated) const { return judge(generated).distance; }
  // The spread of uniform noise in [-1, 1], measured with noise().
  double noise_spread() const { return noise_spread_; }

 private:
  std::unique_ptr<Classifier> classifier_;
  Gaussian test_;
  int64_t samples_;
  double accuracy_ = 0.0;
  double floor_ = 0.0;
  double noise_ = 0.0;
  double noise_spread_ = 0.0;
};

}  // namespace linact::host

#endif  // LINACT_HOST_QUALITY_H_
