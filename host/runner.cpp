#include "runner.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "cpu/cpu_backend.h"
#include "gan_checkpoint.h"
#include "io/file_bytes.h"
#include "io/idx.h"
#include "io/metrics_log.h"
#include "io/pixels.h"
#include "io/png_grid.h"
#include "progress.h"
#include "quality.h"
#include "trainer.h"

namespace linact::host {

namespace {

// One split of Fashion-MNIST from --data (or Debian's folder). A file that cannot be read gets
// the hint a first run needs: where the files come from and which flag points elsewhere.
FashionMnist load_dataset(const std::string& data_option, const char* split) {
  const std::string dir = data_option.empty() ? kDefaultFashionMnistDir : data_option;
  try {
    return load_fashion_mnist(dir, split);
  } catch (const IoError& e) {
    throw IoError(std::string(e.what()) +
                  " (--data names the folder of the Fashion-MNIST .gz files; Debian's "
                  "dataset-fashion-mnist package installs them in " +
                  kDefaultFashionMnistDir + ")");
  }
}

constexpr int kGridSamples = 64;
constexpr int kGridColumns = 8;

std::string numbered(const std::string& dir, const char* stem, int64_t epoch, const char* ext) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s_%03lld%s", stem, static_cast<long long>(epoch), ext);
  return (std::filesystem::path(dir) / name).string();
}

nlohmann::json metrics_record(const EpochSummary& s, const QualityScore::Judgement* judgement,
                              const std::string& backend) {
  nlohmann::json j = {
      {"epoch", s.epoch},        {"steps", s.steps},        {"images", s.images},
      {"seconds", s.seconds},    {"d_loss", s.mean.d_loss}, {"g_loss", s.mean.g_loss},
      {"d_real", s.mean.d_real}, {"d_fake", s.mean.d_fake}, {"backend", backend}};
  if (judgement != nullptr) {
    j["score"] = judgement->distance;
    j["spread"] = judgement->spread;
  }
  return j;
}

// " score 101.234 spread 0.61 (floor 0.121, noise 295.3)": the part of a log line that judges
// one set of generated images.
std::string judgement_text(const QualityScore& quality, const QualityScore::Judgement& j) {
  char text[128];
  std::snprintf(text, sizeof(text), " score %.3f spread %.2f (floor %.3f, noise %.1f)", j.distance,
                j.spread, quality.floor(), quality.noise());
  return text;
}

// The files a training run writes in its folder, by name: its checkpoints, grids and metrics.
bool run_file(const std::string& name) {
  // stem, then the epoch's digits (three or more, as `numbered` writes them), then ext.
  auto numbered_as = [&](const std::string& stem, const std::string& ext) {
    if (name.size() < stem.size() + 3 + ext.size() || name.rfind(stem, 0) != 0 ||
        name.compare(name.size() - ext.size(), ext.size(), ext) != 0) {
      return false;
    }
    const std::string digits = name.substr(stem.size(), name.size() - stem.size() - ext.size());
    return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return name == "metrics.jsonl" || numbered_as("epoch_", ".ckpt") ||
         numbered_as("samples_epoch_", ".png");
}

// A fresh run in the folder of an earlier one would leave that run's later epochs beside its
// own: refused unless --overwrite, which deletes the files returned here once the new run has
// everything it needs to start (the data, the score, the backend), so a run that fails to start
// leaves the earlier one whole. An entry of such a name that is not a plain file (a folder, a
// dangling link) is left to the user.
std::vector<std::filesystem::path> earlier_run_files(const TrainOptions& o) {
  std::vector<std::filesystem::path> earlier;
  std::error_code error;
  if (!std::filesystem::is_directory(o.out_dir, error)) return earlier;
  for (const auto& entry : std::filesystem::directory_iterator(o.out_dir, error)) {
    if (!run_file(entry.path().filename().string())) continue;
    if (!entry.is_regular_file(error)) {
      throw std::invalid_argument("--out " + o.out_dir + " holds " + entry.path().string() +
                                  ", which is not a plain file: remove it or give another --out");
    }
    earlier.push_back(entry.path());
  }
  if (earlier.empty()) return earlier;
  std::sort(earlier.begin(), earlier.end());
  if (!o.overwrite) {
    throw std::invalid_argument(
        "--out " + o.out_dir + " holds an earlier run (" + std::to_string(earlier.size()) +
        " files, such as " + earlier.back().filename().string() +
        "): continue it with --resume and one of its checkpoints, give another --out, or add "
        "--overwrite to delete its files and start again");
  }
  return earlier;
}

}  // namespace

TrainResult run_train(const TrainOptions& o, const BackendFactory& make_backend, std::FILE* log_out,
                      bool terminal) {
  auto log = [&](const std::string& line) {
    std::fprintf(log_out, "%s\n", line.c_str());
    std::fflush(log_out);
  };
  // First of all: the score's classifier and references run on the CPU whatever the backend, and
  // the backend factory, which also sets the count, runs only after they are built.
  cpu::set_cpu_threads(o.threads);

  // The options' own checks, before anything is read: each later step can take minutes.
  if (o.limit < 0) {
    throw std::invalid_argument("--limit is " + std::to_string(o.limit) +
                                ": give 0 (all images) or a positive count");
  }
  if (o.score_samples < 0 || o.score_samples == 1) {
    throw std::invalid_argument("--score-samples is " + std::to_string(o.score_samples) +
                                ": give 0 (no score) or 2 or more (10000 is the standard)");
  }
  if (!o.resume.empty() && o.overwrite) {
    throw std::invalid_argument(
        "--overwrite is for a fresh run; --resume continues the files in "
        "--out: drop --overwrite");
  }

  // The run's state: fresh from the seed, or exactly where a checkpoint left it.
  TrainingSnapshot snap;
  if (o.resume.empty()) {
    snap.config = o.config;
    validate(snap.config);
    Rng rng(snap.config.seed);
    snap.state = initial_state(snap.config, rng);
    snap.rng_state = rng.state();
    snap.limit = o.limit;
  } else {
    snap = from_checkpoint(load_checkpoint(o.resume), o.resume);
    if (o.epochs_given) {
      snap.config.epochs = o.config.epochs;
      validate(snap.config);
    }
    log("resuming " + o.resume + " after epoch " + std::to_string(snap.epochs_done) + " of " +
        std::to_string(snap.config.epochs));
  }
  const GanConfig& config = snap.config;

  // Loading the data and the score's references takes seconds to minutes: skip them when
  // there is nothing to train.
  TrainResult result;
  if (snap.epochs_done >= config.epochs) {
    log("nothing to train: " + std::to_string(snap.epochs_done) + " of " +
        std::to_string(config.epochs) + " epochs are done; raise --epochs to continue");
    return result;
  }
  const std::vector<std::filesystem::path> earlier =
      o.resume.empty() ? earlier_run_files(o) : std::vector<std::filesystem::path>{};

  FashionMnist train = load_dataset(o.data_dir, "train");
  auto images_of = [&](int64_t limit) {
    return limit > 0 ? std::min(limit, train.count) : train.count;
  };
  const int64_t count = images_of(o.limit);
  // A resumed run on another count of images would differ from the straight run; --limit 0 and
  // --limit 60000 train on the same images and agree.
  if (!o.resume.empty() && count != images_of(snap.limit)) {
    throw std::invalid_argument("--limit is " + std::to_string(o.limit) + " but " + o.resume +
                                " was trained with --limit " + std::to_string(snap.limit) +
                                ": give --limit " + std::to_string(snap.limit) +
                                " to continue the same run");
  }
  std::filesystem::create_directories(o.out_dir);

  std::unique_ptr<QualityScore> quality;
  if (o.score_samples > 0) {
    const FashionMnist test = load_dataset(o.data_dir, "t10k");
    const std::string path =
        o.classifier.empty() ? default_classifier_path(o.out_dir) : o.classifier;
    quality = std::make_unique<QualityScore>(path, train, test, o.score_samples, log);
    result.score_floor = quality->floor();
    result.score_noise = quality->noise();
    result.noise_spread = quality->noise_spread();
  }

  std::unique_ptr<Backend> backend = make_backend(config, snap.state, log);
  Rng rng(0);
  rng.set_state(snap.rng_state);
  Trainer trainer(config, *backend, rng, snap.epochs_done);
  for (const auto& path : earlier)
    std::filesystem::remove(path);
  if (!earlier.empty()) {
    log("deleted the " + std::to_string(earlier.size()) + " files of the earlier run in " +
        o.out_dir + " (--overwrite)");
  }
  MetricsLog metrics((std::filesystem::path(o.out_dir) / "metrics.jsonl").string(),
                     trainer.epochs_done());
  Progress progress(log_out, terminal, o.log_interval);

  const std::vector<float> grid_noise = fixed_noise(config.seed, kGridSamples, config.noise_dim());
  std::vector<float> grid(kGridSamples * kImagePixels);
  std::vector<float> score_noise, generated;
  if (quality) {
    score_noise = fixed_noise(config.seed + 1, quality->samples(), config.noise_dim());
    generated.resize(static_cast<size_t>(quality->samples() * kImagePixels));
  }

  log("training " + std::to_string(count) + " images, batch " + std::to_string(config.batch_size) +
      ", " + std::to_string(steps_per_epoch(count, config.batch_size)) +
      " steps per epoch, epochs " + std::to_string(trainer.epochs_done() + 1) + " to " +
      std::to_string(config.epochs) + ", output in " + o.out_dir);
  while (trainer.epochs_done() < config.epochs) {
    progress.start_epoch(trainer.epochs_done() + 1, config.epochs,
                         steps_per_epoch(count, config.batch_size));
    const EpochSummary s = trainer.run_epoch(
        train.images.data(), count, [&](int64_t step, int64_t, const StepStats& st, int64_t n) {
          result.steps.push_back(st);
          progress.step(step, st, n);
        });
    progress.end_epoch();

    backend->generate(grid_noise.data(), kGridSamples, grid.data());
    write_png_grid(numbered(o.out_dir, "samples_epoch", s.epoch, ".png"), grid.data(), kGridSamples,
                   28, 28, kGridColumns);
    QualityScore::Judgement judgement{-1.0, -1.0};
    if (quality) {
      backend->generate(score_noise.data(), quality->samples(), generated.data());
      judgement = quality->judge(generated.data());
    }
    metrics.write(metrics_record(s, quality ? &judgement : nullptr, backend->name()));
    snap.state = backend->state();
    snap.rng_state = trainer.rng().state();
    snap.epochs_done = trainer.epochs_done();
    save_checkpoint(numbered(o.out_dir, "epoch", s.epoch, ".ckpt"), to_checkpoint(snap));

    char line[256];
    std::snprintf(line, sizeof(line),
                  "epoch %lld/%lld d_loss %.4f g_loss %.4f D(x) %.3f D(G(z)) %.3f %.1f s "
                  "%.0f img/s",
                  static_cast<long long>(s.epoch), static_cast<long long>(config.epochs),
                  s.mean.d_loss, s.mean.g_loss, s.mean.d_real, s.mean.d_fake, s.seconds,
                  s.seconds > 0 ? s.images / s.seconds : 0.0);
    std::string text = line;
    if (quality) text += judgement_text(*quality, judgement);
    log(text);
    result.epochs.push_back({s.epoch, s.mean, s.seconds, judgement.distance, judgement.spread});
  }
  return result;
}

void run_sample(const SampleOptions& o, const BackendFactory& make_backend, std::FILE* log_out) {
  if (o.count < 1 || o.count > kMaxSampleCount) {
    throw std::invalid_argument("--count is " + std::to_string(o.count) + ": give 1 to " +
                                std::to_string(kMaxSampleCount) +
                                " images per file (more files: other --seed values)");
  }
  const TrainingSnapshot snap = from_checkpoint(load_checkpoint(o.checkpoint), o.checkpoint);
  auto log = [&](const std::string& line) { std::fprintf(log_out, "%s\n", line.c_str()); };
  std::unique_ptr<Backend> backend = make_backend(snap.config, snap.state, log);

  // Generated in chunks, which keeps the float buffers small beside the file's bytes. Every
  // chunk but the last draws an even count of normals, so the noise is the one sequence a single
  // draw would give, whatever the chunk size.
  Rng rng(o.seed);
  const int64_t noise_dim = snap.config.noise_dim();
  IdxImages idx;
  idx.count = o.count;
  idx.rows = 28;
  idx.cols = 28;
  idx.pixels.resize(static_cast<size_t>(o.count * kImagePixels));
  constexpr int64_t kChunk = 1024;
  std::vector<float> noise(static_cast<size_t>(std::min(o.count, kChunk) * noise_dim));
  std::vector<float> images(static_cast<size_t>(std::min(o.count, kChunk) * kImagePixels));
  for (int64_t first = 0; first < o.count; first += kChunk) {
    const int64_t n = std::min(kChunk, o.count - first);
    rng.fill_normal(noise.data(), n * noise_dim);
    backend->generate(noise.data(), n, images.data());
    uint8_t* pixels = idx.pixels.data() + first * kImagePixels;
    for (int64_t i = 0; i < n * kImagePixels; ++i)
      pixels[i] = unit_to_pixel(images[static_cast<size_t>(i)]);
  }
  write_idx_images(o.out, idx);
  log("wrote " + std::to_string(o.count) + " images (epoch " + std::to_string(snap.epochs_done) +
      " generator) to " + o.out);
}

std::vector<double> run_score(const ScoreOptions& o, std::FILE* log_out) {
  auto log = [&](const std::string& line) {
    std::fprintf(log_out, "%s\n", line.c_str());
    std::fflush(log_out);
  };
  cpu::set_cpu_threads(o.threads);
  if (o.images.empty()) throw std::invalid_argument("--images is missing: give an IDX image file");
  if (o.samples < 2) {
    throw std::invalid_argument("--score-samples is " + std::to_string(o.samples) +
                                ": give at least 2 (10000 is the standard)");
  }
  std::vector<IdxImages> files;
  int64_t samples = o.samples;
  for (const std::string& path : o.images) {
    files.push_back(load_idx_images(path));
    const IdxImages& f = files.back();
    if (f.rows != 28 || f.cols != 28) {
      throw std::invalid_argument(path + ": images are " + std::to_string(f.rows) + "x" +
                                  std::to_string(f.cols) + ": the score needs 28x28 images");
    }
    if (f.count < 2) {
      throw std::invalid_argument(path + ": holds " + std::to_string(f.count) +
                                  " images: the score needs at least 2 (10000 is the standard)");
    }
    samples = std::min(samples, f.count);
  }

  const FashionMnist train = load_dataset(o.data_dir, "train");
  const FashionMnist test = load_dataset(o.data_dir, "t10k");
  const std::string cache = o.classifier.empty() ? default_classifier_path(".") : o.classifier;
  const QualityScore quality(cache, train, test, samples, log);

  std::vector<double> scores;
  std::vector<float> images(static_cast<size_t>(quality.samples() * kImagePixels));
  for (size_t i = 0; i < files.size(); ++i) {
    for (size_t p = 0; p < images.size(); ++p)
      images[p] = pixel_to_unit(files[i].pixels[p]);
    const QualityScore::Judgement judgement = quality.judge(images.data());
    scores.push_back(judgement.distance);
    log(o.images[i] + judgement_text(quality, judgement));
  }
  return scores;
}

}  // namespace linact::host
