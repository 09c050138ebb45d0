// The installed runtime's usage requirements: linking linact_emu_runtime must not change how a
// consumer's own code is compiled (no FMA contraction enabled, no x86-only instruction set).
#include <cuda_runtime.h>
#include <gtest/gtest.h>

namespace {

TEST(ConsumerFlags, LinkingTheRuntimeEnablesNoExtraInstructionSet) {
#if defined(__x86_64__) && defined(__FMA__)
  FAIL() << "__FMA__ is defined in a target that only links linact_emu_runtime: an -mfma flag "
            "leaks through the runtime's usage requirements";
#endif
  int count = 0;
  EXPECT_EQ(cudaGetDeviceCount(&count), cudaSuccess);
  EXPECT_EQ(count, 1);
}

}  // namespace
