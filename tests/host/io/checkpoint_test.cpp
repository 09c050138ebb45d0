#include "io/checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "test_files.h"

namespace linact::host {
namespace {

using testing::contains;
using testing::io_error_of;
using testing::TempDir;

uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

float float_of_bits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof(v));
  return v;
}

// Small, but with every kind of entry and the float values that text formats lose.
Checkpoint small_checkpoint() {
  Checkpoint c;
  c.tensors["G.0.weight"] = {1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                             std::numeric_limits<float>::infinity(), float_of_bits(0x7FC01234)};
  c.tensors["G.0.weight.adam_m"] = {0.25f, -3.0e-12f};
  c.tensors["empty"] = {};
  c.scalars["step"] = 937;
  c.scalars["min"] = std::numeric_limits<int64_t>::min();
  c.scalars["max"] = std::numeric_limits<int64_t>::max();
  c.texts["config"] = "{\"epochs\": 10}";
  c.texts["rng"] = std::string("a\0b\xff", 4);
  return c;
}

void expect_bitwise_equal(const Checkpoint& a, const Checkpoint& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& [name, values] : a.tensors) {
    ASSERT_EQ(b.tensors.count(name), 1u) << "tensor " << name << " missing";
    const auto& other = b.tensors.at(name);
    ASSERT_EQ(values.size(), other.size()) << "tensor " << name;
    for (size_t i = 0; i < values.size(); ++i) {
      ASSERT_EQ(bits_of(values[i]), bits_of(other[i]))
          << "tensor " << name << " index " << i << ": " << values[i] << " vs " << other[i];
    }
  }
  EXPECT_EQ(a.scalars, b.scalars);
  EXPECT_EQ(a.texts, b.texts);
}

TEST(Checkpoint, RoundTripIsBitwise) {
  TempDir dir;
  const Checkpoint c = small_checkpoint();
  save_checkpoint(dir.file("a.ckpt"), c);
  expect_bitwise_equal(c, load_checkpoint(dir.file("a.ckpt")));
}

TEST(Checkpoint, EmptyCheckpointRoundTrips) {
  const auto bytes = serialize_checkpoint(Checkpoint{});
  const Checkpoint back = parse_checkpoint(bytes.data(), bytes.size(), "mem");
  EXPECT_TRUE(back.tensors.empty() && back.scalars.empty() && back.texts.empty());
}

TEST(Checkpoint, SerializationIsLittleEndianWithTheDocumentedHeader) {
  const auto bytes = serialize_checkpoint(Checkpoint{});
  ASSERT_GE(bytes.size(), kCheckpointHeaderBytes);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "LINACTCK");
  EXPECT_EQ(bytes[8], 1);  // version 1, low byte first
  EXPECT_EQ(bytes[9] | bytes[10] | bytes[11], 0);
  EXPECT_EQ(bytes[16], bytes.size() - kCheckpointHeaderBytes);  // payload size, low byte
  EXPECT_EQ(std::string(bytes.begin() + 28, bytes.begin() + 32), "TENS");
}

TEST(Checkpoint, EveryTruncationIsRefused) {
  TempDir dir;
  const auto bytes = serialize_checkpoint(small_checkpoint());
  const std::string path = dir.file("cut.ckpt");
  for (size_t len = 0; len < bytes.size(); ++len) {
    testing::write_bytes(path, std::vector<uint8_t>(bytes.begin(), bytes.begin() + len));
    const std::string msg = io_error_of([&] { load_checkpoint(path); });
    ASSERT_TRUE(contains(msg, path + ": "))
        << "cut at " << len << " of " << bytes.size() << ": " << msg;
    if (len >= kCheckpointHeaderBytes) {
      ASSERT_TRUE(contains(msg, "truncated?")) << "cut at " << len << ": " << msg;
    }
  }
}

TEST(Checkpoint, EverySingleBitFlipIsRefused) {
  const auto bytes = serialize_checkpoint(small_checkpoint());
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto flipped = bytes;
    flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    const std::string msg =
        io_error_of([&] { parse_checkpoint(flipped.data(), flipped.size(), "flip.ckpt"); });
    ASSERT_TRUE(contains(msg, "flip.ckpt: "))
        << "bit " << bit << " of byte " << bit / 8 << ": " << msg;
  }
}

TEST(Checkpoint, CorruptedPayloadNamesTheChecksum) {
  auto bytes = serialize_checkpoint(small_checkpoint());
  bytes[40] ^= 0x01;
  const std::string msg = io_error_of([&] { parse_checkpoint(bytes.data(), bytes.size(), "c"); });
  EXPECT_TRUE(contains(msg, "c: checkpoint is corrupted: payload CRC32 is 0x")) << msg;
}

TEST(Checkpoint, OtherVersionIsRefusedNamingTheSupportedOne) {
  auto bytes = serialize_checkpoint(small_checkpoint());
  bytes[8] = 2;
  const std::string msg = io_error_of([&] { parse_checkpoint(bytes.data(), bytes.size(), "v"); });
  EXPECT_TRUE(contains(msg,
                       "v: checkpoint format version 2 is not supported; this build reads "
                       "version 1"))
      << msg;
}

TEST(Checkpoint, ForeignFileIsRefused) {
  TempDir dir;
  testing::write_bytes(dir.file("x.ckpt"), std::vector<uint8_t>(64, 'x'));
  const std::string msg = io_error_of([&] { load_checkpoint(dir.file("x.ckpt")); });
  EXPECT_TRUE(contains(msg, "not a linact checkpoint")) << msg;
}

TEST(Checkpoint, TrailingBytesAreRefused) {
  auto bytes = serialize_checkpoint(small_checkpoint());
  bytes.push_back(0);
  const std::string msg = io_error_of([&] { parse_checkpoint(bytes.data(), bytes.size(), "t"); });
  EXPECT_TRUE(contains(msg, "trailing bytes?")) << msg;
}

TEST(Checkpoint, MissingFileErrorNamesThePath) {
  TempDir dir;
  const std::string msg = io_error_of([&] { load_checkpoint(dir.file("gone.ckpt")); });
  EXPECT_TRUE(contains(msg, dir.file("gone.ckpt") + ": cannot open")) << msg;
}

TEST(Checkpoint, SaveReplacesAnOlderCheckpoint) {
  TempDir dir;
  Checkpoint first;
  first.scalars["step"] = 1;
  save_checkpoint(dir.file("a.ckpt"), first);
  const Checkpoint second = small_checkpoint();
  save_checkpoint(dir.file("a.ckpt"), second);
  expect_bitwise_equal(second, load_checkpoint(dir.file("a.ckpt")));
}

TEST(Checkpoint, SaveRefusesAnEmptyNameAndWritesNothing) {
  TempDir dir;
  Checkpoint c;
  c.scalars[""] = 1;
  const std::string msg = io_error_of([&] { save_checkpoint(dir.file("e.ckpt"), c); });
  EXPECT_TRUE(contains(msg, "names must have 1 to 1024")) << msg;
  EXPECT_FALSE(std::filesystem::exists(dir.file("e.ckpt")));
}

// A payload with two scalars of one name, built by hand since the writer cannot produce it.
TEST(CheckpointPayload, RefusesDuplicateNames) {
  std::vector<uint8_t> p;
  const auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i)
      p.push_back(uint8_t(v >> (8 * i)));
  };
  const auto scalar = [&](const char* name) {
    u32(static_cast<uint32_t>(std::strlen(name)));
    p.insert(p.end(), name, name + std::strlen(name));
    for (int i = 0; i < 8; ++i)
      p.push_back(0);
  };
  p.insert(p.end(), {'T', 'E', 'N', 'S'});
  u32(0);
  p.insert(p.end(), {'S', 'C', 'A', 'L'});
  u32(2);
  scalar("step");
  scalar("step");
  p.insert(p.end(), {'T', 'E', 'X', 'T'});
  u32(0);
  const std::string msg = io_error_of([&] { parse_checkpoint_payload(p.data(), p.size(), "d"); });
  EXPECT_TRUE(contains(msg, "entry 'step' is a duplicate or out of order")) << msg;
}

TEST(CheckpointPayload, RefusesATensorLargerThanTheRestOfThePayload) {
  std::vector<uint8_t> p = {'T', 'E', 'N', 'S', 1, 0, 0, 0, 1, 0, 0, 0, 'w'};
  for (int i = 0; i < 8; ++i)
    p.push_back(0xFF);
  const std::string msg = io_error_of([&] { parse_checkpoint_payload(p.data(), p.size(), "h"); });
  EXPECT_TRUE(contains(msg, "is larger than the 0 bytes that remain")) << msg;
}

TEST(CheckpointLookup, ReportsMissingEntriesAndWrongSizes) {
  const Checkpoint c = small_checkpoint();
  EXPECT_EQ(checkpoint_tensor(c, "G.0.weight.adam_m", 2, "f").size(), 2u);
  EXPECT_EQ(checkpoint_scalar(c, "step", "f"), 937);
  EXPECT_EQ(checkpoint_text(c, "config", "f"), "{\"epochs\": 10}");

  std::string msg = io_error_of([&] { checkpoint_tensor(c, "G.0.weight", 6, "f"); });
  EXPECT_TRUE(contains(msg, "f: checkpoint tensor 'G.0.weight' has 5 elements, the model needs 6"))
      << msg;
  msg = io_error_of([&] { checkpoint_scalar(c, "epoch", "f"); });
  EXPECT_TRUE(contains(msg, "f: checkpoint has no scalar 'epoch'")) << msg;
  msg = io_error_of([&] { checkpoint_text(c, "nope", "f"); });
  EXPECT_TRUE(contains(msg, "f: checkpoint has no text 'nope'")) << msg;
}

}  // namespace
}  // namespace linact::host
