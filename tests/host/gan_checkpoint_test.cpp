#include "gan_checkpoint.h"

#include <gtest/gtest.h>

#include "io/file_bytes.h"
#include "test_support.h"

namespace linact::host {
namespace {

TrainingSnapshot snapshot() {
  TrainingSnapshot s;
  s.config = testing::tiny_config();
  Rng rng(s.config.seed);
  s.state = initial_state(s.config, rng);
  s.state.generator.exp_avg[3] = 0.25f;
  s.state.discriminator.exp_avg_sq.back() = 7.0f;
  s.state.generator.step = 12;
  s.state.discriminator.step = 12;
  s.rng_state = rng.state();
  s.epochs_done = 3;
  return s;
}

TEST(GanCheckpoint, RoundTripKeepsEveryArrayStepAndRngState) {
  const TrainingSnapshot s = snapshot();
  const Checkpoint c = to_checkpoint(s);
  EXPECT_EQ(c.tensors.count("G.0.weight"), 1u);
  EXPECT_EQ(c.tensors.count("D.2.bias.adam_v"), 1u);
  const TrainingSnapshot back = from_checkpoint(c, "test.ckpt");
  EXPECT_EQ(back.state.generator.params, s.state.generator.params);
  EXPECT_EQ(back.state.generator.exp_avg, s.state.generator.exp_avg);
  EXPECT_EQ(back.state.discriminator.exp_avg_sq, s.state.discriminator.exp_avg_sq);
  EXPECT_EQ(back.state.discriminator.step, 12);
  EXPECT_EQ(back.rng_state, s.rng_state);
  EXPECT_EQ(back.epochs_done, 3);
  EXPECT_EQ(back.config.discriminator.widths, s.config.discriminator.widths);
}

TEST(GanCheckpoint, MissingTensorOrForeignKindIsRefusedWithTheSourceName) {
  Checkpoint c = to_checkpoint(snapshot());
  c.tensors.erase("D.1.weight.adam_m");
  EXPECT_THROW(from_checkpoint(c, "x.ckpt"), IoError);
  Checkpoint other = to_checkpoint(snapshot());
  other.texts["kind"] = "something-else";
  try {
    from_checkpoint(other, "x.ckpt");
    FAIL() << "a foreign checkpoint was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("x.ckpt"), std::string::npos) << e.what();
  }
  Checkpoint bad_rng = to_checkpoint(snapshot());
  bad_rng.texts["rng"] = "garbage";
  EXPECT_THROW(from_checkpoint(bad_rng, "x.ckpt"), IoError);
}

}  // namespace
}  // namespace linact::host
