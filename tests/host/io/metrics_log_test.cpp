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
  MetricsLog log(dir.file("metrics.jsonl"));
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

TEST(MetricsLog, ReopeningAppends) {
  TempDir dir;
  MetricsLog(dir.file("m.jsonl")).write({{"step", 1}});
  MetricsLog(dir.file("m.jsonl")).write({{"step", 2}});
  const auto lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["step"], 1);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["step"], 2);
}

TEST(MetricsLog, NanIsWrittenAsNull) {
  TempDir dir;
  MetricsLog log(dir.file("m.jsonl"));
  log.write({{"score", std::numeric_limits<double>::quiet_NaN()}});
  const auto lines = lines_of(dir.file("m.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(nlohmann::json::parse(lines[0])["score"].is_null()) << lines[0];
}

TEST(MetricsLog, RefusesARecordThatIsNotAnObject) {
  TempDir dir;
  MetricsLog log(dir.file("m.jsonl"));
  const std::string msg = io_error_of([&] { log.write(nlohmann::json::array({1, 2})); });
  EXPECT_TRUE(contains(msg, "must be a JSON object, got array")) << msg;
}

TEST(MetricsLog, UnopenablePathErrorNamesIt) {
  TempDir dir;
  const std::string path = dir.file("missing/m.jsonl");
  const std::string msg = io_error_of([&] { MetricsLog log(path); });
  EXPECT_TRUE(contains(msg, path + ": cannot open the metrics log")) << msg;
}

}  // namespace
}  // namespace linact::host
