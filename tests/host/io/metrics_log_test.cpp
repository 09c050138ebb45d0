#include "io/metrics_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include "test_files.h"

namespace linact::host {
namespace {

using testing::contains;
using testing::io_error_of;
using testing::TempDir;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

TEST(MetricsLog, EachRecordIsOneFlushedLine) {
  TempDir dir;
  MetricsLog log(dir.file("metrics.jsonl"), 0);
  log.write({{"epoch", 1}, {"loss_d", 0.5}});
  // Read while the log is still open: the line must already be on disk.
  auto lines = lines_of(dir.file("metrics.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["loss_d"], 0.5);

  log.write({{"epoch", 2}, {"loss_d", 0.25}});
  lines = lines_of(dir.file("metrics.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["epoch"], 2);
}

int64_t epoch_of(const std::string& line) {
  return nlohmann::json::parse(line)["epoch"].get<int64_t>();
}

TEST(MetricsLog, ReopeningAfterTheLastEpochAppends) {
  TempDir dir;
  MetricsLog(dir.file("m.jsonl"), 0).write({{"epoch", 1}});
  MetricsLog(dir.file("m.jsonl"), 1).write({{"epoch", 2}});
  const auto lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(epoch_of(lines[0]), 1) << lines[0];
  EXPECT_EQ(epoch_of(lines[1]), 2) << lines[1];
}

// A run resumed from epoch 2's checkpoint after the first run reached epoch 3: epoch 3 is
// trained again and must be listed once.
TEST(MetricsLog, ReopeningAtAnEarlierEpochDropsTheLaterLines) {
  TempDir dir;
  {
    MetricsLog first(dir.file("m.jsonl"), 0);
    for (int epoch = 1; epoch <= 3; ++epoch)
      first.write({{"epoch", epoch}, {"d_loss", 1.0}});
  }
  MetricsLog resumed(dir.file("m.jsonl"), 2);
  auto lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 2u) << "before the resumed run wrote";
  EXPECT_EQ(epoch_of(lines[1]), 2) << lines[1];
  resumed.write({{"epoch", 3}, {"d_loss", 0.5}});
  lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(lines[2])["d_loss"], 0.5) << lines[2];
}

// A fresh run in the folder of an earlier one, and the partial last line a killed run can leave.
TEST(MetricsLog, AFreshRunStartsAnEmptyLog) {
  TempDir dir;
  {
    std::ofstream old(dir.file("m.jsonl"));
    old << "{\"epoch\": 1}\n{\"epoch\": 2}\n{\"epo";
  }
  MetricsLog log(dir.file("m.jsonl"), 0);
  EXPECT_TRUE(lines_of(dir.file("m.jsonl")).empty());
  log.write({{"epoch", 1}});
  EXPECT_EQ(lines_of(dir.file("m.jsonl")).size(), 1u);
}

TEST(MetricsLog, ReopeningDropsALineCutShort) {
  TempDir dir;
  {
    std::ofstream old(dir.file("m.jsonl"));
    old << "{\"epoch\": 1}\n{\"epo";
  }
  MetricsLog(dir.file("m.jsonl"), 1).write({{"epoch", 2}});
  const auto lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(epoch_of(lines[0]), 1) << lines[0];
  EXPECT_EQ(epoch_of(lines[1]), 2) << lines[1];
}

TEST(MetricsLog, NanIsWrittenAsNull) {
  TempDir dir;
  MetricsLog log(dir.file("m.jsonl"), 0);
  log.write({{"score", std::numeric_limits<double>::quiet_NaN()}});
  const auto lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(nlohmann::json::parse(lines[0])["score"].is_null()) << lines[0];
}

TEST(MetricsLog, RefusesARecordThatIsNotAnObject) {
  TempDir dir;
  MetricsLog log(dir.file("m.jsonl"), 0);
  const std::string msg = io_error_of([&] { log.write(nlohmann::json::array({1, 2})); });
  EXPECT_TRUE(contains(msg, "must be a JSON object, got array")) << msg;
}

TEST(MetricsLog, UnopenablePathErrorNamesIt) {
  TempDir dir;
  const std::string path = dir.file("missing/m.jsonl");
  const std::string msg = io_error_of([&] { MetricsLog log(path, 0); });
  EXPECT_TRUE(contains(msg, path + ": cannot open the metrics log")) << msg;
}

}  // namespace
}  // namespace linact::host
