#include "quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "io/checkpoint.h"
#include "io/file_bytes.h"
#include "rng.h"
#include "test_support.h"

namespace linact::host {
namespace {

FashionMnist synthetic_set(int64_t count) {
  FashionMnist set;
  set.count = count;
  set.rows = 28;
  set.cols = 28;
  set.images = testing::synthetic_images(count);
  set.labels.resize(count);
  for (int64_t i = 0; i < count; ++i)
    set.labels[i] = static_cast<uint8_t>(i % 10);
  return set;
}

TEST(QualityScore, ClassifierBelowRequiredAccuracyIsRefusedNamingTheCacheFile) {
  // An untrained classifier in the cache scores about 10% on any labels.
  const auto path = std::filesystem::temp_directory_path() / "linact_quality_test_bad.ckpt";
  Checkpoint c;
  c.texts["kind"] = "linact-fashion-classifier-2";
  std::vector<float> params(classifier_spec().param_count());
  Rng rng(1);
  init_parameters(classifier_spec(), rng, params.data());
  c.tensors["params"] = params;
  save_checkpoint(path.string(), c);
  const FashionMnist set = synthetic_set(200);
  try {
    QualityScore score(path.string(), set, set, 100, {});
    FAIL() << "a classifier at chance level was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("85.00%"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(QualityScore, ClassifierCachedForPixelsInMinusOneToOneIsRefused) {
  // Version 1 caches read [-1, 1]; their features on [0, 1] inputs would be meaningless.
  const auto path = std::filesystem::temp_directory_path() / "linact_quality_test_v1.ckpt";
  Checkpoint c;
  c.texts["kind"] = "linact-fashion-classifier";
  c.tensors["params"] = std::vector<float>(classifier_spec().param_count(), 0.0f);
  save_checkpoint(path.string(), c);
  const FashionMnist set = synthetic_set(200);
  try {
    QualityScore score(path.string(), set, set, 100, {});
    FAIL() << "a version 1 classifier was accepted";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("[-1, 1]"), std::string::npos) << what;
    EXPECT_NE(what.find("delete it"), std::string::npos) << what;
  }
  EXPECT_TRUE(std::filesystem::exists(path)) << "the refused cache file was removed";
  std::filesystem::remove(path);
}

// Ten classes, each a bright band at its own rows: separable, so the classifier passes 85%.
FashionMnist banded_set(int64_t count, uint64_t seed) {
  FashionMnist set = synthetic_set(count);
  Rng rng(seed);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t p = 0; p < kImagePixels; ++p) {
      const bool band = (p / 28) / 2 == set.labels[i];
      set.images[i * kImagePixels + p] = band ? rng.uniform(0.5f, 1.0f) : rng.uniform(-1.0f, -0.5f);
    }
  }
  return set;
}

TEST(QualityScore, SpreadIsOneForTheTestImagesAndZeroForOneImageRepeated) {
  const auto path = std::filesystem::temp_directory_path() / "linact_quality_test_spread.ckpt";
  std::filesystem::remove(path);
  const FashionMnist train = banded_set(500, 5), test = banded_set(200, 6);
  const QualityScore quality(path.string(), train, test, test.count, {});

  const QualityScore::Judgement same = quality.judge(test.images.data());
  EXPECT_EQ(same.spread, 1.0);
  EXPECT_NEAR(same.distance, 0.0, 1e-6);

  // A collapsed generator: every sample is the same image, so its features do not vary at all.
  std::vector<float> collapsed(test.images.size());
  for (int64_t i = 0; i < test.count; ++i)
    std::copy_n(test.images.begin(), kImagePixels, collapsed.begin() + i * kImagePixels);
  const QualityScore::Judgement one = quality.judge(collapsed.data());
  EXPECT_LT(one.spread, 1e-12);
  EXPECT_GT(one.distance, 0.0);
  EXPECT_EQ(one.distance, quality.score(collapsed.data()));
  EXPECT_GT(quality.noise_spread(), 0.0);
  std::filesystem::remove(path);
}

TEST(QualityScore, DefaultCachePathFollowsXdgCacheHome) {
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(default_classifier_path("/out"), "/tmp/xdg-test/linact/fashion-classifier-2.ckpt");
  unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace linact::host
