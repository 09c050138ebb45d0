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
  // The matrix square root of S * S gives S back only to rounding: measured -4.3e-7 here, on
  // distances of order 100; 1e-5 leaves room for other BLAS kernels.
  EXPECT_NEAR(same.distance, 0.0, 1e-5);

  // A collapsed generator: every sample is the same image, so its features do not vary at all.
  std::vector<float> collapsed(test.images.size());
  for (int64_t i = 0; i < test.count; ++i)
    std::copy_n(test.images.begin(), kImagePixels, collapsed.begin() + i * kImagePixels);
  const QualityScore::Judgement one = quality.judge(collapsed.data());
  // Identical features have a covariance of zero up to rounding in the mean: measured 8.3e-15.
  EXPECT_LT(one.spread, 1e-12);
  EXPECT_GT(one.distance, 0.0);
  EXPECT_EQ(one.distance, quality.score(collapsed.data()));
  EXPECT_GT(quality.noise_spread(), 0.0);
  std::filesystem::remove(path);
}

// The cache's folder is checked before the classifier is trained, so training is not wasted on
// a cache that cannot be written. A file where the folder should be fails even for root.
TEST(QualityScore, UnwritableCacheFolderIsRefusedBeforeTraining) {
  const auto file = std::filesystem::temp_directory_path() / "linact_quality_test_not_a_folder";
  save_checkpoint(file.string(), Checkpoint{});
  const std::string path = (file / "classifier.ckpt").string();
  const FashionMnist set = synthetic_set(200);
  bool trained = false;
  try {
    QualityScore score(path, set, set, 100, [&](const std::string& line) {
      if (line.find("training") != std::string::npos) trained = true;
    });
    FAIL() << "a cache under a file was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--classifier"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(trained) << "the classifier was trained before the cache folder was checked";
  std::filesystem::remove(file);
}

// A bare file name is a cache in the working folder.
TEST(QualityScore, BareCacheFileNameIsWrittenInTheWorkingFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "linact_quality_test_bare";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  const FashionMnist train = banded_set(500, 5), test = banded_set(200, 6);
  EXPECT_NO_THROW(QualityScore("bare.ckpt", train, test, test.count, {}));
  EXPECT_TRUE(std::filesystem::exists(dir / "bare.ckpt"));
  std::filesystem::current_path(before);
  std::filesystem::remove_all(dir);
}

TEST(QualityScore, DefaultCachePathFollowsXdgCacheHome) {
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(default_classifier_path("/out"), "/tmp/xdg-test/linact/fashion-classifier-2.ckpt");
  unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace linact::host
