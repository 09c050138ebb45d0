#include "cpu/cpu_backend.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>

#include "test_support.h"

namespace linact::host::cpu {
namespace {

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Fixture {
  GanConfig config = testing::tiny_config(16);
  std::vector<float> real = testing::synthetic_images(16);
  std::vector<float> noise;
  GanState initial;
  Fixture() {
    Rng rng(config.seed);
    initial = initial_state(config, rng);
    noise.resize(16 * config.noise_dim());
    rng.fill_normal(noise.data(), static_cast<int64_t>(noise.size()));
  }
};

TEST(CpuBackend, DiscriminatorStepLeavesGeneratorBitwiseUnchanged) {
  Fixture f;
  CpuBackend backend(f.config, f.initial);
  backend.discriminator_step(f.real.data(), f.noise.data(), 16);
  const GanState after = backend.state();
  EXPECT_TRUE(bitwise_equal(after.generator.params, f.initial.generator.params));
  EXPECT_TRUE(bitwise_equal(after.generator.exp_avg, f.initial.generator.exp_avg));
  EXPECT_EQ(after.generator.step, 0);
  EXPECT_FALSE(bitwise_equal(after.discriminator.params, f.initial.discriminator.params));
  EXPECT_EQ(after.discriminator.step, 1);
}

TEST(CpuBackend, GeneratorStepLeavesDiscriminatorBitwiseUnchanged) {
  Fixture f;
  CpuBackend backend(f.config, f.initial);
  backend.discriminator_step(f.real.data(), f.noise.data(), 16);
  const GanState between = backend.state();
  backend.generator_step(16);
  const GanState after = backend.state();
  EXPECT_TRUE(bitwise_equal(after.discriminator.params, between.discriminator.params));
  EXPECT_FALSE(bitwise_equal(after.generator.params, between.generator.params));
  EXPECT_EQ(after.generator.step, 1);
}

TEST(CpuBackend, DiscriminatorLossFallsOnAFixedBatch) {
  // Repeated D steps on the same real and fake rows must separate them.
  Fixture f;
  CpuBackend backend(f.config, f.initial);
  const float first = backend.discriminator_step(f.real.data(), f.noise.data(), 16).d_loss;
  float last = first;
  for (int i = 0; i < 20; ++i)
    last = backend.discriminator_step(f.real.data(), f.noise.data(), 16).d_loss;
  EXPECT_LT(last, 0.5f * first) << "first " << first << " last " << last;
}

TEST(CpuBackend, ShortBatchStepsAndOversizedBatchIsRefused) {
  Fixture f;
  CpuBackend backend(f.config, f.initial);
  const StepStats s = backend.train_step(f.real.data(), f.noise.data(), 5);
  EXPECT_GT(s.d_loss, 0.0f);
  EXPECT_THROW(backend.train_step(f.real.data(), f.noise.data(), 17), std::invalid_argument);
}

TEST(CpuBackend, StateOfOtherWidthsIsRefusedWithMessage) {
  Fixture f;
  GanState wrong = f.initial;
  wrong.generator.params.pop_back();
  try {
    CpuBackend backend(f.config, wrong);
    FAIL() << "a state with a missing parameter was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("same widths"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace linact::host::cpu
