#include "score.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "cpu/adam.h"
#include "cpu/mlp.h"
#include "cpu/softmax_cross_entropy.h"
#include "rng.h"

namespace linact::host {

namespace {
constexpr int64_t kClasses = 10;
constexpr int64_t kFeatureDim = 128;
constexpr int64_t kEvalBatch = 1000;

// Runner pixels in [-1, 1] to the classifier's [0, 1]: (x + 1) / 2 is value / 255 to within
// rounding for the images the IDX reader makes.
void to_unit_range(const float* images, int64_t rows, float* out) {
  const int64_t count = rows * kImagePixels;
  for (int64_t i = 0; i < count; ++i)
    out[i] = 0.5f * (images[i] + 1.0f);
}

Eigen::MatrixXd symmetric_sqrt(const Eigen::MatrixXd& m) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m);
  const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
}
}  // namespace

Gaussian fit_gaussian(const float* features, int64_t count, int64_t dim) {
  if (count < 2) throw std::invalid_argument("fit_gaussian needs at least 2 samples");
  const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> x(
      features, count, dim);
  const Eigen::MatrixXd xd = x.cast<double>();
  Gaussian g;
  g.mean = xd.colwise().mean().transpose();
  const Eigen::MatrixXd centered = xd.rowwise() - g.mean.transpose();
  g.cov = (centered.transpose() * centered) / static_cast<double>(count - 1);
  return g;
}

double frechet_distance(const Gaussian& a, const Gaussian& b) {
  const Eigen::MatrixXd root_a = symmetric_sqrt(a.cov);
  Eigen::MatrixXd middle = root_a * b.cov * root_a;
  middle = 0.5 * (middle + middle.transpose());  // exact symmetry for the solver
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(middle, Eigen::EigenvaluesOnly);
  const double trace_root = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
  return (a.mean - b.mean).squaredNorm() + a.cov.trace() + b.cov.trace() - 2.0 * trace_root;
}

MlpSpec classifier_spec() {
  return {{kImagePixels, 256, kFeatureDim, kClasses},
          {Activation::kRelu, Activation::kRelu, Activation::kIdentity},
          0.0f};
}

Classifier::Classifier(std::vector<float> params) : params_(std::move(params)) {
  if (static_cast<int64_t>(params_.size()) != classifier_spec().param_count()) {
    throw std::invalid_argument("classifier has " + std::to_string(params_.size()) +
                                " parameters where 784-256-128-10 needs " +
                                std::to_string(classifier_spec().param_count()) +
                                ": delete the cached classifier file so it is trained again");
  }
}

Classifier Classifier::train(const float* images, const uint8_t* labels, int64_t count,
                             const ClassifierTraining& options,
                             const std::function<void(const std::string&)>& log) {
  const MlpSpec spec = classifier_spec();
  Rng rng(options.seed);
  std::vector<float> params(spec.param_count()), grad(params.size());
  std::vector<float> exp_avg(params.size()), exp_avg_sq(params.size());
  init_parameters(spec, rng, params.data());
  cpu::Mlp mlp(spec, options.batch_size);
  const cpu::AdamParams adam{options.lr, 0.9f, 0.999f, 1e-8f};

  std::vector<int64_t> order(count);
  std::vector<float> batch_images(options.batch_size * kImagePixels);
  std::vector<uint8_t> batch_labels(options.batch_size);
  int64_t step = 0;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), int64_t{0});
    rng.shuffle(order);
    double loss = 0.0;
    int64_t correct = 0, batches = 0;
    for (int64_t first = 0; first < count; first += options.batch_size) {
      const int64_t rows = std::min(options.batch_size, count - first);
      for (int64_t r = 0; r < rows; ++r) {
        to_unit_range(images + order[first + r] * kImagePixels, 1,
                      batch_images.data() + r * kImagePixels);
        batch_labels[r] = labels[order[first + r]];
      }
      const float* logits = mlp.forward(params.data(), batch_images.data(), rows);
      const cpu::SoftmaxResult r = cpu::softmax_cross_entropy(
          rows, kClasses, logits, batch_labels.data(), mlp.output_grad());
      mlp.backward(params.data(), rows, grad.data(), nullptr);
      cpu::adam_step(adam, ++step, static_cast<int64_t>(params.size()), params.data(), grad.data(),
                     exp_avg.data(), exp_avg_sq.data());
      loss += r.loss;
      correct += r.correct;
      ++batches;
    }
    if (log) {
      std::ostringstream line;
      line << "classifier epoch " << epoch << "/" << options.epochs << " loss " << loss / batches
           << " train accuracy " << 100.0 * correct / count << "%";
      log(line.str());
    }
  }
  return Classifier(std::move(params));
}

double Classifier::accuracy(const float* images, const uint8_t* labels, int64_t count) const {
  cpu::Mlp mlp(classifier_spec(), kEvalBatch);
  std::vector<float> batch(kEvalBatch * kImagePixels);
  int64_t correct = 0;
  for (int64_t first = 0; first < count; first += kEvalBatch) {
    const int64_t rows = std::min(kEvalBatch, count - first);
    to_unit_range(images + first * kImagePixels, rows, batch.data());
    const float* logits = mlp.forward(params_.data(), batch.data(), rows);
    correct += cpu::softmax_cross_entropy(rows, kClasses, logits, labels + first, nullptr).correct;
  }
  return count > 0 ? static_cast<double>(correct) / static_cast<double>(count) : 0.0;
}

std::vector<float> Classifier::features(const float* images, int64_t count) const {
  const MlpSpec spec = classifier_spec();
  cpu::Mlp mlp(spec, kEvalBatch);
  std::vector<float> batch(kEvalBatch * kImagePixels);
  std::vector<float> out(count * kFeatureDim);
  for (int64_t first = 0; first < count; first += kEvalBatch) {
    const int64_t rows = std::min(kEvalBatch, count - first);
    to_unit_range(images + first * kImagePixels, rows, batch.data());
    const float* f = mlp.forward_layers(params_.data(), batch.data(), rows, spec.num_layers() - 1);
    std::memcpy(out.data() + first * kFeatureDim, f, rows * kFeatureDim * sizeof(float));
  }
  return out;
}

Gaussian Classifier::feature_gaussian(const float* images, int64_t count) const {
  const std::vector<float> f = features(images, count);
  return fit_gaussian(f.data(), count, kFeatureDim);
}

}  // namespace linact::host
