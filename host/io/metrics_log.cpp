#include "io/metrics_log.h"

#include "io/file_bytes.h"

#include <cerrno>
#include <cstring>

namespace linact::host {

MetricsLog::MetricsLog(const std::string& path)
    : path_(path), file_(std::fopen(path.c_str(), "a")) {
  if (file_ == nullptr) {
    throw IoError(path + ": cannot open the metrics log for appending: " + std::strerror(errno));
  }
}

MetricsLog::~MetricsLog() {
  std::fclose(file_);
}

void MetricsLog::write(const nlohmann::json& record) {
  if (!record.is_object()) {
    throw IoError(path_ + ": a metrics record must be a JSON object, got " +
                  std::string(record.type_name()));
  }
  // Replacing invalid UTF-8 keeps a stray byte in a label from aborting a training run.
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (std::fputs(line.c_str(), file_) == EOF || std::fputc('\n', file_) == EOF ||
      std::fflush(file_) != 0) {
    throw IoError(path_ + ": cannot write the metrics log: " + std::strerror(errno));
  }
}

}  // namespace linact::host
