// Test entry point for the emulator's tests: death tests re-execute the binary instead of
// forking it, because the emulator keeps a pool of worker threads.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  return RUN_ALL_TESTS();
}
