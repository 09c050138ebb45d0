#include "model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "rng.h"

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

}  // namespace
}  // namespace linact::host
