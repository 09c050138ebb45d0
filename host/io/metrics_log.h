// The JSON-lines metrics file: one JSON object per line, appended and flushed line by line, so a
// run that stops keeps every line it wrote and `tail -f` shows progress. Each line carries the
// "epoch" it describes, and the file holds each epoch once.
#ifndef LINACT_HOST_IO_METRICS_LOG_H_
#define LINACT_HOST_IO_METRICS_LOG_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace linact::host {

class MetricsLog {
 public:
  // Opens `path` for a run that has `epochs_done` epochs behind it and appends from there. Lines
  // of later epochs, or lines without a whole "epoch", are dropped first: they belong to a run
  // that went on past the checkpoint now resumed (or, with 0, to an earlier run in the same
  // folder), and keeping them would list those epochs twice. Throws IoError.
  MetricsLog(const std::string& path, int64_t epochs_done);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Writes `record` (an object) as one line and flushes it. NaN and infinities appear as null,
  // as JSON has no spelling for them. Throws IoError if the record is not an object or the
  // write fails.
  void write(const nlohmann::json& record);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_;
};

}  // namespace linact::host

#endif  // LINACT_HOST_IO_METRICS_LOG_H_
