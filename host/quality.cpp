#include "quality.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "io/checkpoint.h"
#include "io/file_bytes.h"
#include "rng.h"

namespace linact::host {

namespace {
// Version 2 reads pixels in [0, 1]; version 1 files (kind without a suffix) read [-1, 1] and
// would give meaningless features, so they are refused rather than reused.
constexpr const char* kKind = "linact-fashion-classifier-2";
constexpr const char* kKindVersion1 = "linact-fashion-classifier";

std::string percent(double fraction) {
  std::ostringstream s;
  s.precision(2);
  s << std::fixed << 100.0 * fraction << "%";
  return s.str();
}

// Creates the cache file's folder (none for a bare file name: the working folder) and checks
// that a file can be written there.
void make_cache_folder(const std::string& cache_path) {
  const std::filesystem::path parent = std::filesystem::path(cache_path).parent_path();
  const std::filesystem::path folder = parent.empty() ? std::filesystem::path(".") : parent;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || ::access(folder.c_str(), W_OK) != 0) {
    const std::string why = error ? error.message() : std::strerror(errno);
    throw IoError(cache_path + ": cannot write the score's classifier cache in " + folder.string() +
                  " (" + why + "); give --classifier a path in a writable folder");
  }
}
}  // namespace

std::string default_classifier_path(const std::string& out_dir) {
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    dir = std::filesystem::path(xdg) / "linact";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".cache" / "linact";
  } else {
    dir = out_dir;
  }
  return (dir / kClassifierFileName).string();
}

QualityScore::QualityScore(const std::string& cache_path, const FashionMnist& train,
                           const FashionMnist& test, int64_t samples, const Log& log)
    : samples_(std::min(samples, test.count)) {
  if (samples_ < 2) {
    throw std::invalid_argument("--score-samples is " + std::to_string(samples) +
                                ": give at least 2 (10000 is the standard)");
  }
  const int64_t param_count = classifier_spec().param_count();
  if (std::filesystem::exists(cache_path)) {
    const Checkpoint c = load_checkpoint(cache_path);
    const std::string kind = checkpoint_text(c, "kind", cache_path);
    if (kind == kKindVersion1) {
      throw IoError(cache_path +
                    ": is a classifier cached by an earlier linact-gan, trained on pixels in "
                    "[-1, 1] where the score now uses [0, 1]; delete it so it is trained again, "
                    "or pass another --classifier path");
    }
    if (kind != kKind) {
      throw IoError(cache_path +
                    ": is not a cached classifier; delete it or pass another "
                    "--classifier path");
    }
    classifier_ = std::make_unique<Classifier>(
        checkpoint_tensor(c, "params", static_cast<size_t>(param_count), cache_path));
    if (log) log("quality score: classifier loaded from " + cache_path);
  } else {
    // Checked before the minutes of training, so a cache that cannot be written does not throw
    // the trained classifier away.
    make_cache_folder(cache_path);
    if (log) log("quality score: training the 784-256-128-10 classifier (once; cached)");
    classifier_ = std::make_unique<Classifier>(Classifier::train(
        train.images.data(), train.labels.data(), train.count, ClassifierTraining{}, log));
    Checkpoint c;
    c.texts["kind"] = kKind;
    c.tensors["params"] = classifier_->params();
    save_checkpoint(cache_path, c);
    if (log) log("quality score: classifier saved to " + cache_path);
  }

  accuracy_ = classifier_->accuracy(test.images.data(), test.labels.data(), test.count);
  if (accuracy_ < kMinClassifierAccuracy) {
    throw std::runtime_error("the score's classifier reaches " + percent(accuracy_) +
                             " test accuracy, below the " + percent(kMinClassifierAccuracy) +
                             " it needs; delete " + cache_path + " to train it again");
  }

  test_ = classifier_->feature_gaussian(test.images.data(), samples_);
  const int64_t train_samples = std::min(samples_, train.count);
  floor_ =
      frechet_distance(classifier_->feature_gaussian(train.images.data(), train_samples), test_);
  Rng rng(12345);
  std::vector<float> noise(static_cast<size_t>(samples_ * kImagePixels));
  for (auto& v : noise)
    v = rng.uniform(-1.0f, 1.0f);
  const Judgement noise_judgement = judge(noise.data());
  noise_ = noise_judgement.distance;
  noise_spread_ = noise_judgement.spread;
  if (log) {
    std::ostringstream line;
    line << "quality score: classifier test accuracy " << percent(accuracy_) << "; floor (real "
         << "train vs real test) " << floor_ << "; uniform noise " << noise_ << " (spread "
         << noise_spread_ << "); " << samples_ << " images per side";
    log(line.str());
  }
}

QualityScore::Judgement QualityScore::judge(const float* generated) const {
  const Gaussian g = classifier_->feature_gaussian(generated, samples_);
  return {frechet_distance(g, test_), g.cov.trace() / test_.cov.trace()};
}

}  // namespace linact::host
