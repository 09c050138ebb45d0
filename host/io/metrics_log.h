// The JSON-lines metrics file: one JSON object per line, appended and flushed line by line, so a
// run that stops keeps every line it wrote and `tail -f` shows progress.
#ifndef LINACT_HOST_IO_METRICS_LOG_H_
#define LINACT_HOST_IO_METRICS_LOG_H_

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace linact::host {

class MetricsLog {
 public:
  // Opens `path` for appending (a resumed run continues the same file). Throws IoError.
  explicit MetricsLog(const std::string& path);
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
