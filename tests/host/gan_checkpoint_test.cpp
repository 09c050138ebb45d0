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
  s.limit = 200;
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
  EXPECT_EQ(back.limit, 200);
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

// The message of the IoError that from_checkpoint throws for `c`, or "<accepted>".
std::string load_error_of(const Checkpoint& c) {
  try {
    from_checkpoint(c, "x.ckpt");
  } catch (const IoError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(GanCheckpoint, StoresTheImageLimitAsAScalarAndRefusesANegativeOne) {
  Checkpoint c = to_checkpoint(snapshot());
  ASSERT_EQ(c.scalars.count("limit"), 1u);
  EXPECT_EQ(c.scalars.at("limit"), 200);
  c.scalars["limit"] = -5;
  const std::string negative = load_error_of(c);
  EXPECT_NE(negative.find("x.ckpt: limit is negative"), std::string::npos) << negative;
  c.scalars.erase("limit");
  const std::string missing = load_error_of(c);
  EXPECT_NE(missing.find("no scalar 'limit'"), std::string::npos) << missing;
}

// The writer's entries are exactly those CHECKPOINT.md and gan_checkpoint.h list.
TEST(GanCheckpoint, WritesExactlyTheDocumentedScalarsAndTexts) {
  const Checkpoint c = to_checkpoint(snapshot());
  std::vector<std::string> scalars, texts;
  for (const auto& [name, value] : c.scalars)
    scalars.push_back(name);
  for (const auto& [name, value] : c.texts)
    texts.push_back(name);
  EXPECT_EQ(scalars, (std::vector<std::string>{"D.step", "G.step", "epochs_done", "limit"}));
  EXPECT_EQ(texts, (std::vector<std::string>{"config", "kind", "rng"}));
  // tiny_config: G has 2 layers, D 3, each with weight and bias, each with two moments.
  EXPECT_EQ(c.tensors.size(), (2u + 3u) * 2u * 3u);
}

// A config of widths beyond the machine's memory, with the tensors of a tiny model: refused
// with the config's own message before anything is allocated.
TEST(GanCheckpoint, ConfigBeyondTheMachinesMemoryIsRefusedNamingTheFile) {
  Checkpoint c = to_checkpoint(snapshot());
  const GanConfig huge = testing::with_generator_beyond_any_memory(testing::tiny_config());
  c.texts["config"] = to_json(huge).dump();
  const std::string msg = load_error_of(c);
  EXPECT_NE(msg.find("x.ckpt: its config is unusable"), std::string::npos) << msg;
  EXPECT_NE(msg.find("GiB of memory"), std::string::npos) << msg;
}

// Widths the machine can hold (about 0.6 GB of state) with the tensors of a tiny model: every
// tensor is looked up and sized before the state is allocated, and the first that does not fit
// is named.
TEST(GanCheckpoint, WidthsBeyondTheTensorsAreRefusedBeforeAllocatingNamingTheEntry) {
  Checkpoint c = to_checkpoint(snapshot());
  GanConfig wide = testing::tiny_config();
  wide.generator.widths = {8, 4096, 4096, kImagePixels};
  wide.generator.activations = {Activation::kRelu, Activation::kRelu, Activation::kTanh};
  ASSERT_NO_THROW(validate(wide)) << "test premise: the widths pass the config's own checks";
  c.texts["config"] = to_json(wide).dump();

  const std::string msg = load_error_of(c);
  EXPECT_NE(msg.find("x.ckpt: checkpoint tensor 'G.0.weight' has 192 elements, the model needs "
                     "32768"),
            std::string::npos)
      << msg;
}

TEST(GanCheckpoint, MoreLayersInTheConfigThanTensorsIsRefusedNamingTheMissingTensor) {
  Checkpoint c = to_checkpoint(snapshot());
  GanConfig deeper = testing::tiny_config();
  deeper.discriminator.widths = {kImagePixels, 32, 16, 16, 1};
  deeper.discriminator.activations.insert(deeper.discriminator.activations.begin(),
                                          Activation::kLeakyRelu);
  c.texts["config"] = to_json(deeper).dump();
  const std::string msg = load_error_of(c);
  EXPECT_NE(msg.find("x.ckpt: checkpoint tensor 'D.2.weight' has 16 elements, the model needs 256"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace linact::host
