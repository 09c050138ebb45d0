#include "io/metrics_log.h"

#include "io/file_bytes.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace linact::host {

namespace {

// Whether `line` is a record of an epoch at most `epochs_done`.
bool kept(const std::string& line, int64_t epochs_done) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return false;
  const auto epoch = j.find("epoch");
  return epoch != j.end() && epoch->is_number_integer() && epoch->get<int64_t>() <= epochs_done;
}

// Rewrites `path` without the lines that `kept` refuses; a file that keeps them all is left
// untouched.
void drop_later_epochs(const std::string& path, int64_t epochs_done) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return;
  const std::vector<uint8_t> bytes = read_file(path);
  const std::string text(bytes.begin(), bytes.end());
  std::string out;
  bool dropped = false;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(begin, end - begin);
    if (kept(line, epochs_done)) {
      out += line + '\n';
    } else {
      dropped = true;
    }
    begin = end + 1;
  }
  if (dropped) write_file_atomically(path, out.data(), out.size());
}

std::FILE* open_for_appending(const std::string& path, int64_t epochs_done) {
  drop_later_epochs(path, epochs_done);
  return std::fopen(path.c_str(), "a");
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path, int64_t epochs_done)
    : path_(path), file_(open_for_appending(path, epochs_done)) {
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
