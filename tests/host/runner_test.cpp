// linact-gan train's own code path, files included: resume and outputs.
#include "runner.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "backend_select.h"
#include "gan_checkpoint.h"
#include "io/file_bytes.h"
#include "io/idx.h"
#include "test_support.h"

namespace linact::host {
namespace {

namespace fs = std::filesystem;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("linact_runner_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  TrainOptions options(const std::string& out, int64_t epochs) const {
    TrainOptions o;
    o.config = testing::tiny_config(32);
    o.config.epochs = epochs;
    o.out_dir = (dir_ / out).string();
    o.limit = 200;  // 7 steps per epoch, the last one of 8 images
    o.score_samples = 0;
    return o;
  }

  TrainResult train(const TrainOptions& o) {
    std::FILE* sink = std::tmpfile();
    TrainResult r = run_train(o, backend_factory(BackendKind::kCpu, 0), sink, false);
    std::fclose(sink);
    return r;
  }

  fs::path dir_;
};

TEST_F(RunnerTest, ResumeFromCheckpointFileMatchesStraightRun) {
  const TrainResult straight = train(options("straight", 2));
  train(options("split", 1));
  TrainOptions second = options("split", 2);
  second.resume = (dir_ / "split" / "epoch_001.ckpt").string();
  second.epochs_given = true;
  const TrainResult resumed = train(second);

  ASSERT_EQ(straight.steps.size(), 14u);
  ASSERT_EQ(resumed.steps.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(resumed.steps[i].d_loss, straight.steps[7 + i].d_loss) << "epoch 2 step " << i;
    EXPECT_EQ(resumed.steps[i].g_loss, straight.steps[7 + i].g_loss) << "epoch 2 step " << i;
  }
  const Checkpoint a = load_checkpoint((dir_ / "straight" / "epoch_002.ckpt").string());
  const Checkpoint b = load_checkpoint((dir_ / "split" / "epoch_002.ckpt").string());
  EXPECT_EQ(a.tensors, b.tensors);
  EXPECT_EQ(a.scalars, b.scalars);
  EXPECT_EQ(a.texts, b.texts);
}

TEST_F(RunnerTest, NothingToTrainStopsBeforeReadingTheData) {
  train(options("out", 1));
  TrainOptions again = options("out", 1);
  again.resume = (dir_ / "out" / "epoch_001.ckpt").string();
  again.epochs_given = true;
  // A folder without the data: reading it would throw, so returning shows it was not read.
  again.data_dir = (dir_ / "no_data_here").string();
  again.score_samples = 10000;
  const TrainResult r = train(again);
  EXPECT_TRUE(r.steps.empty()) << r.steps.size() << " steps trained";
  EXPECT_TRUE(r.epochs.empty()) << r.epochs.size() << " epochs trained";
}

TEST_F(RunnerTest, EachEpochWritesGridMetricsAndCheckpoint) {
  train(options("out", 2));
  for (const char* name : {"samples_epoch_001.png", "samples_epoch_002.png", "epoch_001.ckpt",
                           "epoch_002.ckpt", "metrics.jsonl"}) {
    EXPECT_TRUE(fs::exists(dir_ / "out" / name)) << name;
  }
  const TrainingSnapshot snap = from_checkpoint(
      load_checkpoint((dir_ / "out" / "epoch_002.ckpt").string()), "epoch_002.ckpt");
  EXPECT_EQ(snap.epochs_done, 2);
  EXPECT_EQ(snap.state.generator.step, 14);
  EXPECT_EQ(snap.config.generator.widths, testing::tiny_config().generator.widths);
}

TEST_F(RunnerTest, SampleWritesIdxImagesOfTheRequestedCount) {
  train(options("out", 1));
  SampleOptions s;
  s.checkpoint = (dir_ / "out" / "epoch_001.ckpt").string();
  s.count = 5;
  s.out = (dir_ / "five.idx").string();
  std::FILE* sink = std::tmpfile();
  run_sample(s, backend_factory(BackendKind::kCpu, 0), sink);
  std::fclose(sink);
  // IDX images: 16-byte header then 28 x 28 bytes per image.
  EXPECT_EQ(fs::file_size(s.out), 16u + 5u * 784u);
}

TEST_F(RunnerTest, ScoreRefusesImagesThatAreNot28By28NamingTheFile) {
  IdxImages small;
  small.count = 4;
  small.rows = 10;
  small.cols = 10;
  small.pixels.assign(400, 7);
  const std::string path = (dir_ / "small.idx").string();
  write_idx_images(path, small);
  ScoreOptions o;
  o.images = {path};
  o.classifier = (dir_ / "never-made.ckpt").string();
  std::FILE* sink = std::tmpfile();
  try {
    run_score(o, sink);
    ADD_FAILURE() << "10x10 images were scored";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("10x10"), std::string::npos) << e.what();
  }
  std::fclose(sink);
  EXPECT_FALSE(fs::exists(o.classifier))
      << "the classifier was trained before the files were checked";
}

TEST_F(RunnerTest, TruncatedCheckpointIsRefusedWithItsName) {
  train(options("out", 1));
  const fs::path ckpt = dir_ / "out" / "epoch_001.ckpt";
  fs::resize_file(ckpt, fs::file_size(ckpt) / 2);
  TrainOptions o = options("again", 2);
  o.resume = ckpt.string();
  try {
    train(o);
    FAIL() << "a truncated checkpoint was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("epoch_001.ckpt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace linact::host
