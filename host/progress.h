// Progress of an epoch: on a terminal one bar redrawn in place; otherwise one plain line every
// `interval` steps, so logs stay readable when piped to a file.
#ifndef LINACT_HOST_PROGRESS_H_
#define LINACT_HOST_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "backend.h"

namespace linact::host {

class Progress {
 public:
  Progress(std::FILE* out, bool terminal, int64_t interval);

  void start_epoch(int64_t epoch, int64_t epochs, int64_t steps);
  void step(int64_t step, const StepStats& stats, int64_t images);
  // Ends the bar's line (terminal); prints nothing otherwise.
  void end_epoch();

 private:
  std::string fields(int64_t step, const StepStats& stats, int64_t images) const;

  std::FILE* out_;
  bool terminal_;
  int64_t interval_;
  int64_t epoch_ = 0;
  int64_t epochs_ = 0;
  int64_t steps_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace linact::host

#endif  // LINACT_HOST_PROGRESS_H_
