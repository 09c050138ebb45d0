#include "model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "rng.h"
#include "test_support.h"

namespace linact::host {
namespace {

TEST(Model, DefaultIsTheSeedArticlesGan) {
  const GanConfig c;
  EXPECT_EQ(c.generator.widths, (std::vector<int64_t>{100, 128, 256, 512, 784}));
  EXPECT_EQ(c.discriminator.widths, (std::vector<int64_t>{784, 512, 256, 128, 1}));
  EXPECT_EQ(c.generator.activations.back(), Activation::kTanh);
  EXPECT_EQ(c.discriminator.activations[0], Activation::kLeakyRelu);
  EXPECT_FLOAT_EQ(c.discriminator.alpha, 0.2f);
  EXPECT_EQ(c.generator.param_count(),
            100 * 128 + 128 + 128 * 256 + 256 + 256 * 512 + 512 + 512 * 784 + 784);
  EXPECT_NO_THROW(validate(c));
}

TEST(Model, InitialisationDrawsFromNnLinearRange) {
  GanConfig c;
  Rng rng(1);
  std::vector<float> p(c.discriminator.param_count());
  init_parameters(c.discriminator, rng, p.data());
  for (int64_t l = 0; l < c.discriminator.num_layers(); ++l) {
    const float bound = 1.0f / std::sqrt(float(c.discriminator.in_features(l)));
    float max_abs = 0;
    for (int64_t i = c.discriminator.weight_offset(l); i < c.discriminator.weight_offset(l + 1);
         ++i) {
      max_abs = std::max(max_abs, std::fabs(p[i]));
    }
    EXPECT_LE(max_abs, bound) << "layer " << l;
    EXPECT_GT(max_abs, 0.9f * bound) << "layer " << l;
  }
}

TEST(Model, JsonRoundTripsAndUnknownKeysAreNamed) {
  GanConfig c;
  c.generator.widths = {64, 200, 784};
  c.generator.activations = {Activation::kSilu, Activation::kTanh};
  c.set_slope(0.1f);
  c.batch_size = 32;
  GanConfig back;
  update_from_json(back, to_json(c));
  EXPECT_EQ(back.generator.widths, c.generator.widths);
  EXPECT_EQ(back.generator.activations, c.generator.activations);
  EXPECT_EQ(back.discriminator.activations.back(), Activation::kIdentity);
  EXPECT_FLOAT_EQ(back.discriminator.alpha, 0.1f);
  EXPECT_EQ(back.batch_size, 32);
  try {
    update_from_json(back, nlohmann::json{{"batchsize", 3}});
    FAIL() << "an unknown key was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batchsize"), std::string::npos) << e.what();
  }
}

// The message of the std::invalid_argument that update_from_json throws for `text`, or
// "<accepted>" when it reads the config without complaint.
std::string json_error_of(const std::string& text) {
  GanConfig c;
  try {
    update_from_json(c, nlohmann::json::parse(text));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<accepted>";
}

void expect_refused(const std::string& text, const std::vector<std::string>& parts) {
  const std::string msg = json_error_of(text);
  for (const std::string& part : parts) {
    EXPECT_NE(msg.find(part), std::string::npos)
        << "config " << text << ": the message lacks '" << part << "': " << msg;
  }
}

// nlohmann's get<int64_t>() truncates 2.7 to 2 and get<uint64_t>() wraps -1 to 2^64 - 1.
TEST(Model, JsonIntegerKeysRefuseFractionsNegativeSeedsAndHugeValuesNamingKeyAndValue) {
  expect_refused(R"({"batch_size": 2.7})", {"'batch_size'", "2.7", "whole number"});
  expect_refused(R"({"epochs": 1e300})", {"'epochs'", "1e+300", "whole number"});
  expect_refused(R"({"epochs": 3.0})", {"'epochs'", "3.0", "whole number"});
  expect_refused(R"({"epochs": 9223372036854775808})",
                 {"'epochs'", "9223372036854775808", "at most 9223372036854775807"});
  expect_refused(R"({"seed": -1})", {"'seed'", "-1", "0 to 18446744073709551615"});
  expect_refused(R"({"seed": 1.5})", {"'seed'", "1.5", "whole number"});
  expect_refused(R"({"batch_size": true})", {"'batch_size'", "true", "whole number"});
  expect_refused(R"({"generator": {"widths": [100, 2.5, 784]}})",
                 {"'generator.widths[1]'", "2.5", "whole number"});
  expect_refused(R"({"generator": {"widths": 784}})",
                 {"'generator.widths'", "784", "array of whole numbers"});
}

TEST(Model, JsonIntegerKeysAcceptTheirWholeRange) {
  GanConfig c;
  update_from_json(c, nlohmann::json::parse(R"({"seed": 18446744073709551615, "epochs": 0})"));
  EXPECT_EQ(c.seed, 18446744073709551615u);
  EXPECT_EQ(c.epochs, 0);
  update_from_json(c, nlohmann::json{{"seed", int64_t{5}}, {"batch_size", int64_t{64}}});
  EXPECT_EQ(c.seed, 5u);
  EXPECT_EQ(c.batch_size, 64);
}

TEST(Model, JsonFloatKeysRefuseStringsBooleansAndValuesBeyondFloatNamingKeyAndValue) {
  expect_refused(R"({"lr": "0.1"})", {"'lr'", "\"0.1\"", "give a number"});
  expect_refused(R"({"beta1": true})", {"'beta1'", "true", "give a number"});
  expect_refused(R"({"eps": 1e300})", {"'eps'", "1e+300", "float range"});
  expect_refused(R"({"leaky_relu_slope": null})", {"'leaky_relu_slope'", "null", "number"});
  GanConfig c;
  update_from_json(c, nlohmann::json::parse(R"({"lr": 1, "beta2": 0.99})"));
  EXPECT_EQ(c.lr, 1.0f);
  EXPECT_EQ(c.beta2, 0.99f);
}

TEST(Model, JsonActivationsMustBeAnArrayOfNames) {
  expect_refused(R"({"generator": {"activations": "relu"}})",
                 {"'generator.activations'", "\"relu\"", "array of activation names"});
  expect_refused(R"({"discriminator": {"activations": ["relu", 3]}})",
                 {"'discriminator.activations[1]'", "3", "activation name"});
}

TEST(Model, InvalidShapesNameTheSettingAndTheFix) {
  GanConfig c;
  c.generator.widths.back() = 100;
  try {
    validate(c);
    FAIL() << "a generator that does not end in 784 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--g-widths"), std::string::npos) << e.what();
  }
  GanConfig d;
  d.batch_size = 0;
  EXPECT_THROW(validate(d), std::invalid_argument);
  EXPECT_THROW(parse_activation("softplus"), std::invalid_argument);
}

// Every width within 65536, yet far beyond any machine's memory: refused with a message, where
// the run would die allocating.
TEST(Model, ModelLargerThanTheMachinesMemoryIsRefused) {
  const GanConfig c = testing::with_generator_beyond_any_memory(GanConfig{});
  try {
    validate(c);
    FAIL() << "a model of " << estimated_memory_bytes(c) << " bytes was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("GiB of memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--g-widths"), std::string::npos) << e.what();
  }
  // The default GAN: 1.1 million parameters and batch 128, 334 MiB by the estimate.
  EXPECT_LT(estimated_memory_bytes(GanConfig{}), 4e8);
  EXPECT_NO_THROW(validate(GanConfig{}));
}

}  // namespace
}  // namespace linact::host
