#include "progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace linact::host {
namespace {

std::string run_epoch(bool terminal, int64_t interval, int64_t steps) {
  std::FILE* f = std::tmpfile();
  Progress p(f, terminal, interval);
  p.start_epoch(2, 10, steps);
  for (int64_t s = 1; s <= steps; ++s)
    p.step(s, StepStats{1.25f, 0.75f, 0.6f, 0.4f}, s * 128);
  p.end_epoch();
  std::rewind(f);
  std::string text;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f))
    text += static_cast<char>(c);
  std::fclose(f);
  return text;
}

TEST(Progress, PlainOutputIsOneLinePerIntervalAndTheLastStep) {
  const std::string text = run_epoch(false, 4, 10);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;  // steps 4, 8, 10
  EXPECT_NE(text.find("epoch 2/10 step 4/10 d_loss 1.2500 g_loss 0.7500 D(x) 0.600 D(G(z)) 0.400"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("step 10/10"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
}

TEST(Progress, TerminalOutputRedrawsOneBarAndEndsTheLine) {
  const std::string text = run_epoch(true, 4, 10);
  EXPECT_NE(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("[########################] 10/10"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

}  // namespace
}  // namespace linact::host
