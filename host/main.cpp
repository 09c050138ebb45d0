// linact-gan: trains the MLP GAN on Fashion-MNIST (train) and draws images from a checkpoint
// (sample). Settings come from the defaults, then --config FILE, then the flags given.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "backend_select.h"
#include "io/fashion_mnist.h"
#include "io/file_bytes.h"
#include "quality.h"
#include "runner.h"

namespace {

using linact::host::BackendKind;

std::vector<linact::Activation> parse_activations(const std::vector<std::string>& names) {
  std::vector<linact::Activation> acts;
  for (const auto& n : names)
    acts.push_back(linact::host::parse_activation(n));
  return acts;
}

// Applies the flags the user gave over `config` (already holding defaults and --config).
struct ModelFlags {
  std::vector<int64_t> g_widths, d_widths;
  std::vector<std::string> g_acts, d_acts;
  float slope = 0.2f;
  int64_t batch_size = 0, epochs = 0;
  float lr = 0.0f;
  uint64_t seed = 0;
};

// More threads than this only queue for the cores, each with its own stack.
constexpr long long kMaxThreads = 1024;
constexpr const char* kThreadsWhy = "more threads than cores only wait for them";

// CLI11's own range checks print the whole double range; this one names the bound to give.
CLI::Validator at_least(long long min) {
  const std::string bound = std::to_string(min);
  return CLI::Validator(
      [min, bound](std::string& text) -> std::string {
        size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size()) {
          return "'" + text + "' is not a whole number: give " + bound + " or more";
        }
        if (value < min) return "is " + text + ": give " + bound + " or more";
        return "";
      },
      ">=" + bound);
}

// An upper bound beside at_least; `why` says what the bound protects.
CLI::Validator at_most(long long max, const std::string& why) {
  const std::string bound = std::to_string(max);
  return CLI::Validator(
      [max, bound, why](std::string& text) -> std::string {
        try {
          if (std::stoll(text) <= max) return "";
        } catch (const std::exception&) {
        }
        return "is " + text + ": give at most " + bound + " (" + why + ")";
      },
      "<=" + bound);
}

// The --config file as JSON: the whole file one value (nothing after it), no key twice in an
// object, as either would leave it unclear which setting holds.
nlohmann::json read_config(const std::string& path) {
  const std::vector<uint8_t> bytes = linact::host::read_file(path);
  // Per object being parsed: its path ("generator.") and the keys seen so far.
  std::vector<std::pair<std::string, std::set<std::string>>> objects;
  std::string last_key, repeated;
  auto note_keys = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      objects.emplace_back(objects.empty() ? "" : objects.back().first + last_key + ".",
                           std::set<std::string>{});
    } else if (event == Event::object_end) {
      objects.pop_back();
    } else if (event == Event::key && !objects.empty()) {
      last_key = parsed.get<std::string>();
      if (!objects.back().second.insert(last_key).second && repeated.empty()) {
        repeated = objects.back().first + last_key;
      }
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.begin(), bytes.end(), note_keys);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("--config " + path + " is not valid JSON: " + e.what());
  }
  if (!repeated.empty()) {
    throw std::invalid_argument("--config " + path + " gives key '" + repeated +
                                "' twice in one object: keep one");
  }
  return j;
}

// CLI11 turns "-1" into 2^64 - 1 for an unsigned option; a seed must be written as one.
CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::string range = "give a whole number from 0 to 18446744073709551615";
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        if (!digits) return "'" + text + "' is not a seed: " + range;
        try {
          std::stoull(text);
        } catch (const std::exception&) {
          return "is " + text + ": " + range;
        }
        return "";
      },
      "0..2^64-1");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"linact-gan: an MLP GAN on Fashion-MNIST, trained with linact"};
  app.require_subcommand(1);

  linact::host::TrainOptions train;
  std::string config_file;
  std::string backend_name = "auto";
  ModelFlags flags;
  const std::map<std::string, BackendKind> backends = {
      {"auto", BackendKind::kAuto}, {"cpu", BackendKind::kCpu}, {"cuda", BackendKind::kCuda}};

  const std::string cache_name = std::string("linact/") + linact::host::kClassifierFileName;
  const std::string cache_help = "Cache file of the score's classifier (default $XDG_CACHE_HOME/" +
                                 cache_name + ", else ~/.cache/" + cache_name + ")";

  CLI::App* t = app.add_subcommand("train",
                                   "Train the GAN; writes sample grids, metrics and "
                                   "checkpoints to --out");
  // A flag given twice takes its last value, so wrappers such as scripts/train.sh can put
  // defaults first and let the caller's arguments override them.
  t->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  CLI::Option* epochs = t->add_option("--epochs", flags.epochs, "Total epochs (default 10)");
  CLI::Option* batch = t->add_option("--batch-size", flags.batch_size, "Batch size (default 128)");
  t->add_option("--backend", backend_name, "auto, cuda or cpu (default auto)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  CLI::Option* seed =
      t->add_option("--seed", flags.seed, "Random seed (default 1)")->check(seed_value());
  t->add_option("--config", config_file, "JSON file of settings; flags override it")
      ->check(CLI::ExistingFile);
  t->add_option("--resume", train.resume, "Continue from this .ckpt file")
      ->check(CLI::ExistingFile);
  t->add_option("--out", train.out_dir, "Output folder (default linact-gan-out)");
  t->add_flag("--overwrite", train.overwrite,
              "Delete the files of an earlier run in --out first (else such a folder is refused)");
  CLI::Option* lr = t->add_option("--lr", flags.lr, "Adam learning rate (default 2e-4)");
  t->add_option(
      "--data", train.data_dir,
      std::string("Fashion-MNIST folder (default ") + linact::host::kDefaultFashionMnistDir + ")");
  CLI::Option* gw =
      t->add_option("--g-widths", flags.g_widths, "Generator widths (default 100,128,256,512,784)")
          ->delimiter(',');
  CLI::Option* dw = t->add_option("--d-widths", flags.d_widths,
                                  "Discriminator widths (default 784,512,256,128,1)")
                        ->delimiter(',');
  CLI::Option* ga = t->add_option("--g-activations", flags.g_acts,
                                  "One per generator layer (default relu,relu,relu,tanh)")
                        ->delimiter(',');
  CLI::Option* da = t->add_option("--d-activations", flags.d_acts,
                                  "One per discriminator layer, the last 'sigmoid' (default "
                                  "leaky_relu,leaky_relu,leaky_relu,sigmoid)")
                        ->delimiter(',');
  CLI::Option* slope = t->add_option("--slope", flags.slope, "LeakyReLU slope (default 0.2)");
  t->add_option("--threads", train.threads,
                "CPU threads of the score and the CPU backend (default: all cores)")
      ->check(at_least(0))
      ->check(at_most(kMaxThreads, kThreadsWhy));
  t->add_option("--limit", train.limit, "Train on the first N images only (default: all)")
      ->check(at_least(0));
  t->add_option("--score-samples", train.score_samples,
                "Images per side of the quality score, 0 to skip it (default 10000)")
      ->check(at_least(0));
  t->add_option("--classifier", train.classifier, cache_help);
  t->add_option("--log-interval", train.log_interval,
                "Steps between log lines when not on a terminal (default 100)")
      ->check(at_least(1));

  linact::host::SampleOptions sample;
  CLI::App* s = app.add_subcommand("sample",
                                   "Write images generated from a checkpoint as an "
                                   "IDX file (ubyte, 28x28)");
  s->add_option("--checkpoint", sample.checkpoint, "A .ckpt file written by train")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--count", sample.count, "Number of images (default 64)")->check(at_least(1));
  s->add_option("--out", sample.out, "Output IDX file")->required();
  s->add_option("--seed", sample.seed, "Seed of the noise (default 0)")->check(seed_value());
  s->add_option("--backend", backend_name, "auto, cuda or cpu (default auto)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));

  linact::host::ScoreOptions score;
  CLI::App* q = app.add_subcommand("score",
                                   "Score IDX image files (ubyte, 28x28) with the training "
                                   "run's quality score: Frechet distance on the classifier's "
                                   "features against the test images");
  q->add_option("--images", score.images, "IDX image files, e.g. written by sample")
      ->required()
      ->check(CLI::ExistingFile);
  q->add_option(
      "--data", score.data_dir,
      std::string("Fashion-MNIST folder (default ") + linact::host::kDefaultFashionMnistDir + ")");
  q->add_option("--classifier", score.classifier, cache_help);
  q->add_option("--score-samples", score.samples,
                "Images per side, at most each file's count (default 10000)")
      ->check(at_least(2));
  q->add_option("--threads", score.threads, "CPU threads (default: all cores)")
      ->check(at_least(0))
      ->check(at_most(kMaxThreads, kThreadsWhy));

  CLI11_PARSE(app, argc, argv);

  try {
    if (q->parsed()) {
      linact::host::run_score(score, stdout);
      return 0;
    }
    linact::host::require_backend(backends.at(backend_name));
    const auto factory = linact::host::backend_factory(backends.at(backend_name), train.threads);
    if (s->parsed()) {
      linact::host::run_sample(sample, factory, stdout);
      return 0;
    }

    linact::host::GanConfig& c = train.config;
    if (!config_file.empty()) {
      const nlohmann::json j = read_config(config_file);
      try {
        linact::host::update_from_json(c, j);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("--config " + config_file + ": " + e.what());
      }
    }
    if (*gw) c.generator.widths = flags.g_widths;
    if (*dw) c.discriminator.widths = flags.d_widths;
    if (*ga) c.generator.activations = parse_activations(flags.g_acts);
    if (*da) {
      c.discriminator.activations = parse_activations(flags.d_acts);
      if (!flags.d_acts.empty() && flags.d_acts.back() == "sigmoid") {
        c.discriminator.activations.back() = linact::Activation::kIdentity;
      }
    }
    if (*slope) c.set_slope(flags.slope);
    if (*batch) c.batch_size = flags.batch_size;
    if (*epochs) c.epochs = flags.epochs;
    if (*lr) c.lr = flags.lr;
    if (*seed) c.seed = flags.seed;
    // The flags' names in validate's messages may name a setting that came from the file.
    if (!config_file.empty() && train.resume.empty()) {
      try {
        linact::host::validate(c);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("the settings of --config " + config_file +
                                    " and the flags: " + e.what());
      }
    }
    train.epochs_given = static_cast<bool>(*epochs);
    if (!train.resume.empty() &&
        (*gw || *dw || *ga || *da || *slope || *batch || *lr || *seed || !config_file.empty())) {
      throw std::invalid_argument(
          "--resume continues the checkpoint's own settings: drop the model and training flags "
          "(only --epochs may change the total)");
    }
    linact::host::run_train(train, factory, stdout, isatty(fileno(stdout)) != 0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linact-gan: %s\n", e.what());
    return 1;
  }
  return 0;
}
