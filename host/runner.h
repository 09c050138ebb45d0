// The two commands of linact-gan, apart from their command-line parsing (main.cpp), so tests can
// run them in-process.
#ifndef LINACT_HOST_RUNNER_H_
#define LINACT_HOST_RUNNER_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend.h"

namespace linact::host {

// Builds the backend for a run; `log` receives the line that says which one and why.
using BackendFactory =
    std::function<std::unique_ptr<Backend>(const GanConfig& config, const GanState& state,
                                           const std::function<void(const std::string&)>& log)>;

struct TrainOptions {
  GanConfig config;
  std::string out_dir = "linact-gan-out";
  std::string data_dir;           // Fashion-MNIST's folder
  std::string resume;             // checkpoint to continue from; empty = fresh run
  std::string classifier;         // score classifier cache; empty = default_classifier_path
  int64_t limit = 0;              // train on the first `limit` images only; 0 = all
  int64_t score_samples = 10000;  // 0 = no score
  int64_t log_interval = 100;
  int threads = 0;            // OpenBLAS and OpenMP threads, score included; 0 = all cores
  bool epochs_given = false;  // with --resume: --epochs overrides the checkpoint's total
  bool overwrite = false;     // a fresh run may replace the files of an earlier run in out_dir
};

struct EpochRecord {
  int64_t epoch = 0;
  StepStats mean;
  double seconds = 0.0;
  double score = -1.0;   // < 0 when not scored
  double spread = -1.0;  // QualityScore::Judgement::spread; < 0 when not scored
};

struct TrainResult {
  std::vector<EpochRecord> epochs;
  std::vector<StepStats> steps;  // every step of this run
  double score_floor = -1.0;
  double score_noise = -1.0;
  double noise_spread = -1.0;
};

// Trains as `linact-gan train` does: per epoch a PNG grid of the fixed noise batch
// (samples_epoch_NNN.png), a metrics line (metrics.jsonl), a checkpoint (epoch_NNN.ckpt) and
// the score. A fresh run refuses an out_dir that holds those files from an earlier run unless
// `overwrite` is set, which deletes them first. Throws std::exception subclasses with a message
// for the user.
TrainResult run_train(const TrainOptions& options, const BackendFactory& make_backend,
                      std::FILE* log_out, bool terminal);

// The most images `sample` writes to one file: 784 MB of pixels.
constexpr int64_t kMaxSampleCount = 1000000;

struct SampleOptions {
  std::string checkpoint;
  int64_t count = 64;
  std::string out;  // IDX image file
  uint64_t seed = 0;
};

void run_sample(const SampleOptions& options, const BackendFactory& make_backend,
                std::FILE* log_out);

struct ScoreOptions {
  std::vector<std::string> images;  // IDX image files (ubyte, 28x28), e.g. from `sample`
  std::string data_dir;             // Fashion-MNIST's folder
  std::string classifier;           // score classifier cache; empty = default_classifier_path
  int64_t samples = 10000;          // images per side; at most each file's count
  int threads = 0;                  // OpenBLAS and OpenMP threads; 0 = all cores
};

// The training run's quality score of images made elsewhere (another GAN, another run): one
// line per file with its Frechet distance, after the floor and noise references. Every file is
// checked before the classifier is loaded, so a bad file fails fast. Returns the scores in order.
std::vector<double> run_score(const ScoreOptions& options, std::FILE* log_out);

}  // namespace linact::host

#endif  // LINACT_HOST_RUNNER_H_
