#include "io/file_bytes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "test_files.h"

namespace linact::host {
namespace {

using testing::contains;
using testing::io_error_of;
using testing::TempDir;

std::vector<uint8_t> sample_bytes(size_t n) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = static_cast<uint8_t>((i * 31 + 7) % 251);
  return b;
}

TEST(ReadFile, ReturnsTheBytesAsStored) {
  TempDir dir;
  const auto bytes = sample_bytes(5000);
  testing::write_bytes(dir.file("a.bin"), bytes);
  EXPECT_EQ(read_file(dir.file("a.bin")), bytes);
}

TEST(ReadFile, MissingFileErrorNamesThePath) {
  TempDir dir;
  const std::string msg = io_error_of([&] { read_file(dir.file("absent.bin")); });
  EXPECT_TRUE(contains(msg, dir.file("absent.bin"))) << msg;
  EXPECT_TRUE(contains(msg, "No such file")) << msg;
}

// Before the type check, /dev/null read as an empty file and /dev/zero never ended.
TEST(ReadFile, RefusesADeviceNamingThePathAndItsType) {
  for (const std::string path : {"/dev/null", "/dev/zero"}) {
    if (!std::filesystem::exists(path)) continue;
    const std::string msg = io_error_of([&] { read_file(path); });
    EXPECT_TRUE(contains(msg, path + ": is a character device, not a regular file")) << msg;
  }
}

TEST(ReadFile, RefusesADirectoryNamingThePath) {
  TempDir dir;
  const std::string path = dir.path().string();
  const std::string msg = io_error_of([&] { read_file(path); });
  EXPECT_TRUE(contains(msg, path + ": is a directory, not a regular file")) << msg;
}

// Opening a pipe for reading waits for a writer; the reader must refuse it without waiting.
TEST(ReadFile, RefusesANamedPipeWithoutWaitingForAWriter) {
  TempDir dir;
  const std::string path = dir.file("pipe");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << "mkfifo " << path << ": " << std::strerror(errno);
  const std::string msg = io_error_of([&] { read_file(path); });
  EXPECT_TRUE(contains(msg, path + ": is a named pipe, not a regular file")) << msg;
}

TEST(ReadDecompressed, InflatesGzip) {
  TempDir dir;
  const auto bytes = sample_bytes(100000);
  testing::write_bytes(dir.file("a.gz"), testing::gzip(bytes));
  EXPECT_EQ(read_decompressed(dir.file("a.gz"), 1 << 20), bytes);
}

TEST(ReadDecompressed, PassesPlainFilesThrough) {
  TempDir dir;
  const auto bytes = sample_bytes(3000);
  testing::write_bytes(dir.file("a.bin"), bytes);
  EXPECT_EQ(read_decompressed(dir.file("a.bin"), 1 << 20), bytes);
}

// A cut inside the first two bytes leaves no gzip magic, so zlib reads the rest as a plain file;
// from the full magic on, every cut must be reported.
TEST(ReadDecompressed, RefusesEveryTruncationOfAGzipStream) {
  TempDir dir;
  const auto gz = testing::gzip(sample_bytes(2000));
  for (size_t len = 2; len < gz.size(); ++len) {
    const std::string path = dir.file("cut.gz");
    testing::write_bytes(path, std::vector<uint8_t>(gz.begin(), gz.begin() + len));
    const std::string msg = io_error_of([&] { read_decompressed(path, 1 << 20); });
    ASSERT_TRUE(contains(msg, path)) << "cut at " << len << " of " << gz.size() << ": " << msg;
  }
}

TEST(ReadDecompressed, RefusesCorruptGzipData) {
  TempDir dir;
  auto gz = testing::gzip(sample_bytes(20000));
  gz[gz.size() / 2] ^= 0x10;
  testing::write_bytes(dir.file("bad.gz"), gz);
  const std::string msg = io_error_of([&] { read_decompressed(dir.file("bad.gz"), 1 << 20); });
  EXPECT_TRUE(contains(msg, dir.file("bad.gz"))) << msg;
  EXPECT_TRUE(contains(msg, "gzip")) << msg;
}

TEST(ReadDecompressed, RefusesMoreThanTheLimit) {
  TempDir dir;
  testing::write_bytes(dir.file("big.gz"), testing::gzip(std::vector<uint8_t>(10000, 0)));
  const std::string msg = io_error_of([&] { read_decompressed(dir.file("big.gz"), 9999); });
  EXPECT_TRUE(contains(msg, "more than 9999 bytes")) << msg;
}

TEST(ReadDecompressed, DirectoryErrorNamesThePath) {
  TempDir dir;
  const std::string path = dir.path().string();
  const std::string msg = io_error_of([&] { read_decompressed(path, 1 << 20); });
  EXPECT_TRUE(contains(msg, path)) << msg;
}

TEST(ReadDecompressed, RefusesADeviceOrPipeNamingThePath) {
  if (std::filesystem::exists("/dev/zero")) {
    const std::string msg = io_error_of([&] { read_decompressed("/dev/zero", 1 << 20); });
    EXPECT_TRUE(contains(msg, "/dev/zero: is a character device, not a regular file")) << msg;
  }
  TempDir dir;
  const std::string path = dir.file("pipe");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << "mkfifo " << path << ": " << std::strerror(errno);
  const std::string msg = io_error_of([&] { read_decompressed(path, 1 << 20); });
  EXPECT_TRUE(contains(msg, path + ": is a named pipe, not a regular file")) << msg;
}

// zlib names the file "<fd:N>" in its messages; only the path may appear.
TEST(ReadDecompressed, CorruptDataMessageNamesThePathOnly) {
  TempDir dir;
  auto gz = testing::gzip(sample_bytes(20000));
  gz[gz.size() / 2] ^= 0x10;
  testing::write_bytes(dir.file("bad.gz"), gz);
  const std::string msg = io_error_of([&] { read_decompressed(dir.file("bad.gz"), 1 << 20); });
  EXPECT_FALSE(contains(msg, "<fd:")) << msg;
}

TEST(WriteFileAtomically, ReplacesTheFileAndLeavesNoTemporary) {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  testing::write_bytes(path, sample_bytes(100));
  const auto bytes = sample_bytes(777);
  write_file_atomically(path, bytes.data(), bytes.size());

  EXPECT_EQ(testing::read_bytes(path), bytes);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(e.path().string(), path) << "unexpected file left behind";
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileAtomically, MissingFolderErrorNamesThePath) {
  TempDir dir;
  const std::string path = dir.file("no/such/folder/out.bin");
  const std::string msg = io_error_of([&] { write_file_atomically(path, "x", 1); });
  EXPECT_TRUE(contains(msg, path)) << msg;
}

}  // namespace
}  // namespace linact::host
