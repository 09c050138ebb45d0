#include "progress.h"

namespace linact::host {

namespace {
constexpr int kBarWidth = 24;
// Redrawing faster than this only costs terminal time.
constexpr std::chrono::milliseconds kRedrawPeriod(100);
}  // namespace

Progress::Progress(std::FILE* out, bool terminal, int64_t interval)
    : out_(out), terminal_(terminal), interval_(interval > 0 ? interval : 100) {}

void Progress::start_epoch(int64_t epoch, int64_t epochs, int64_t steps) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_ - kRedrawPeriod;
}

std::string Progress::fields(int64_t step, const StepStats& s, int64_t images) const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "%lld/%lld d_loss %.4f g_loss %.4f D(x) %.3f D(G(z)) %.3f %.0f img/s",
                static_cast<long long>(step), static_cast<long long>(steps_), s.d_loss, s.g_loss,
                s.d_real, s.d_fake, seconds > 0 ? images / seconds : 0.0);
  return buf;
}

void Progress::step(int64_t step, const StepStats& stats, int64_t images) {
  if (terminal_) {
    const auto now = std::chrono::steady_clock::now();
    if (step != steps_ && now - last_draw_ < kRedrawPeriod) return;
    last_draw_ = now;
    const int filled = static_cast<int>(kBarWidth * step / (steps_ > 0 ? steps_ : 1));
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kBarWidth, '.');
    std::fprintf(out_, "\r\033[Kepoch %lld/%lld [%s] %s", static_cast<long long>(epoch_),
                 static_cast<long long>(epochs_), bar.c_str(), fields(step, stats, images).c_str());
    std::fflush(out_);
  } else if (step % interval_ == 0 || step == steps_) {
    std::fprintf(out_, "epoch %lld/%lld step %s\n", static_cast<long long>(epoch_),
                 static_cast<long long>(epochs_), fields(step, stats, images).c_str());
    std::fflush(out_);
  }
}

void Progress::end_epoch() {
  if (terminal_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

}  // namespace linact::host
