// linact-gan train's own code path, files included: resume and outputs.
#include "runner.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <cblas.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "backend_select.h"
#include "cpu/cpu_backend.h"
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

  // A 28x28 IDX image file of `count` grey images in the test's folder.
  std::string idx_file(const std::string& name, int64_t count) const {
    IdxImages images;
    images.count = count;
    images.rows = 28;
    images.cols = 28;
    images.pixels.assign(static_cast<size_t>(count * 784), 100);
    const std::string path = (dir_ / name).string();
    write_idx_images(path, images);
    return path;
  }

  fs::path dir_;
};

// The thread counts of OpenMP and OpenBLAS, as "omp N blas M".
std::string thread_counts() {
  return "omp " + std::to_string(omp_get_max_threads()) + " blas " +
         std::to_string(openblas_get_num_threads());
}

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

// The score's classifier and references are built before the backend: the thread count must
// already hold when the data is read, which a missing data folder makes the last step taken.
TEST_F(RunnerTest, ThreadsHoldBeforeTheScoreIsBuilt) {
  const int before = omp_get_max_threads();
  const int wanted = before == 1 ? 2 : 1;
  const std::string expected = "omp " + std::to_string(wanted) + " blas " + std::to_string(wanted);

  TrainOptions t = options("out", 1);
  t.threads = wanted;
  t.score_samples = 100;
  t.data_dir = (dir_ / "no_data_here").string();
  EXPECT_THROW(train(t), IoError);
  EXPECT_EQ(thread_counts(), expected) << "after run_train stopped at the data";
  cpu::set_cpu_threads(before);

  ScoreOptions s;
  s.images = {idx_file("four.idx", 4)};
  s.data_dir = t.data_dir;
  s.threads = wanted;
  std::FILE* sink = std::tmpfile();
  EXPECT_THROW(run_score(s, sink), IoError);
  std::fclose(sink);
  EXPECT_EQ(thread_counts(), expected) << "after run_score stopped at the data";
  cpu::set_cpu_threads(before);
}

// Options that cannot work stop before the data is read: the folder given here does not exist,
// so an IoError would show the check came too late.
TEST_F(RunnerTest, ScoreOfOneSampleIsRefusedBeforeTheData) {
  TrainOptions o = options("out", 1);
  o.score_samples = 1;
  o.data_dir = (dir_ / "no_data_here").string();
  try {
    train(o);
    FAIL() << "--score-samples 1 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--score-samples is 1"), std::string::npos) << e.what();
  }
}

TEST_F(RunnerTest, ResumeWithNegativeEpochsIsRefused) {
  train(options("out", 1));
  TrainOptions again = options("out", -1);
  again.resume = (dir_ / "out" / "epoch_001.ckpt").string();
  again.epochs_given = true;
  try {
    train(again);
    FAIL() << "--epochs -1 was accepted with --resume";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--epochs is -1"), std::string::npos) << e.what();
  }
}

// metrics.jsonl lists each epoch once: a resumed run replaces the epochs it trains again, and a
// fresh run in the same folder starts the file anew.
TEST_F(RunnerTest, MetricsListEachEpochOnce) {
  const std::string metrics = (dir_ / "out" / "metrics.jsonl").string();
  auto epochs_listed = [&] {
    std::vector<int64_t> epochs;
    const std::vector<uint8_t> bytes = read_file(metrics);
    std::string text(bytes.begin(), bytes.end());
    for (size_t begin = 0, end; (end = text.find('\n', begin)) != std::string::npos;
         begin = end + 1) {
      epochs.push_back(
          nlohmann::json::parse(text.substr(begin, end - begin))["epoch"].get<int64_t>());
    }
    return epochs;
  };
  train(options("out", 3));
  ASSERT_EQ(epochs_listed(), (std::vector<int64_t>{1, 2, 3}));

  TrainOptions resumed = options("out", 3);
  resumed.resume = (dir_ / "out" / "epoch_001.ckpt").string();
  train(resumed);
  EXPECT_EQ(epochs_listed(), (std::vector<int64_t>{1, 2, 3})) << "after resuming at epoch 1";

  TrainOptions fresh = options("out", 1);
  fresh.overwrite = true;
  train(fresh);
  EXPECT_EQ(epochs_listed(), (std::vector<int64_t>{1})) << "after a fresh run";
}

// A fresh run in the folder of an earlier one would mix the two runs' epochs: refused, and with
// overwrite the earlier run's files go first, files of other names stay.
TEST_F(RunnerTest, FreshRunInTheFolderOfAnEarlierRunNeedsOverwrite) {
  train(options("out", 2));
  const fs::path own = dir_ / "out" / "notes.txt";
  std::FILE* notes = std::fopen(own.c_str(), "w");
  ASSERT_NE(notes, nullptr);
  std::fclose(notes);
  try {
    train(options("out", 1));
    FAIL() << "a fresh run was let into the folder of an earlier one";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(dir_ / "out" / "epoch_002.ckpt")) << "the refused run deleted files";

  TrainOptions again = options("out", 1);
  again.overwrite = true;
  train(again);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "epoch_001.ckpt"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "epoch_002.ckpt")) << "the earlier run's epoch 2 stayed";
  EXPECT_FALSE(fs::exists(dir_ / "out" / "samples_epoch_002.png"));
  EXPECT_TRUE(fs::exists(own)) << "a file the run did not write was deleted";
}

// The earlier run's files go only once the new run can start: with its data missing, the new
// run fails and the earlier run stays whole.
TEST_F(RunnerTest, OverwriteThatCannotStartKeepsTheEarlierRun) {
  train(options("out", 1));
  TrainOptions again = options("out", 1);
  again.overwrite = true;
  again.data_dir = (dir_ / "no_data_here").string();
  EXPECT_THROW(train(again), IoError);
  for (const char* name : {"epoch_001.ckpt", "samples_epoch_001.png", "metrics.jsonl"})
    EXPECT_TRUE(fs::exists(dir_ / "out" / name)) << name << " was deleted by a run that failed";
}

TEST_F(RunnerTest, OverwriteWithResumeIsRefused) {
  train(options("out", 1));
  TrainOptions again = options("out", 2);
  again.resume = (dir_ / "out" / "epoch_001.ckpt").string();
  again.overwrite = true;
  try {
    train(again);
    FAIL() << "--overwrite was accepted with --resume";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("drop --overwrite"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(dir_ / "out" / "epoch_001.ckpt"));
}

// A folder where the run would write a file is no earlier run's file: it is not deleted, and
// the run is refused before anything else goes.
TEST_F(RunnerTest, OverwriteLeavesAnEntryThatIsNotAPlainFileToTheUser) {
  train(options("out", 1));
  fs::create_directories(dir_ / "out" / "epoch_002.ckpt");
  TrainOptions again = options("out", 1);
  again.overwrite = true;
  try {
    train(again);
    FAIL() << "a folder named epoch_002.ckpt was passed over";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not a plain file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(dir_ / "out" / "epoch_002.ckpt"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "epoch_001.ckpt"));
}

TEST_F(RunnerTest, SampleCountAboveTheBoundIsRefusedBeforeTheCheckpoint) {
  SampleOptions s;
  s.checkpoint = (dir_ / "never-written.ckpt").string();
  s.count = kMaxSampleCount + 1;
  s.out = (dir_ / "many.idx").string();
  std::FILE* sink = std::tmpfile();
  try {
    run_sample(s, backend_factory(BackendKind::kCpu, 0), sink);
    ADD_FAILURE() << "--count " << s.count << " was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--count is " + std::to_string(s.count)),
              std::string::npos)
        << e.what();
  }
  std::fclose(sink);
  EXPECT_FALSE(fs::exists(s.out));
}

// More images than one chunk of generation: the noise goes on across the chunks instead of
// starting again, so the first image of the second chunk is not the first image again. (That
// the chunks draw the one sequence a single draw gives follows from each chunk's even count of
// normals; this test does not show it.)
TEST_F(RunnerTest, SampleOfManyImagesDrawsFreshNoiseInEveryChunk) {
  train(options("out", 1));
  SampleOptions s;
  s.checkpoint = (dir_ / "out" / "epoch_001.ckpt").string();
  s.count = 1030;
  s.out = (dir_ / "many.idx").string();
  std::FILE* sink = std::tmpfile();
  run_sample(s, backend_factory(BackendKind::kCpu, 0), sink);
  std::fclose(sink);
  const IdxImages images = load_idx_images(s.out);
  ASSERT_EQ(images.count, 1030);
  const auto image = [&](int64_t i) {
    return std::vector<uint8_t>(images.pixels.begin() + i * 784,
                                images.pixels.begin() + (i + 1) * 784);
  };
  EXPECT_NE(image(1024), image(0));
  EXPECT_NE(image(1029), image(5));
}

TEST_F(RunnerTest, ResumeWithAnotherLimitIsRefused) {
  train(options("out", 1));
  TrainOptions again = options("out", 2);
  again.resume = (dir_ / "out" / "epoch_001.ckpt").string();
  again.epochs_given = true;
  again.limit = 100;
  try {
    train(again);
    FAIL() << "--limit 100 was accepted to resume a run of --limit 200";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("give --limit 200"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace linact::host
