#include "backend_select.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "cpu/cpu_backend.h"
#include "rng.h"
#include "test_support.h"

namespace linact::host {
namespace {

// This test binary is built without the CUDA backend, as on a machine without the toolkit.
TEST(BackendSelect, AutoFallsBackToCpuWithOneLineSayingWhy) {
  const GanConfig config = testing::tiny_config();
  Rng rng(1);
  const GanState state = initial_state(config, rng);
  std::vector<std::string> lines;
  auto backend = backend_factory(BackendKind::kAuto, 1)(
      config, state, [&](const std::string& l) { lines.push_back(l); });
  EXPECT_EQ(backend->name(), "cpu");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("backend: cpu ("), std::string::npos) << lines[0];
  // Which kernels ran decides the last bits of every result, so the line names them.
  const std::string kernels = ", OpenBLAS kernels: " + cpu::blas_kernels();
  EXPECT_FALSE(cpu::blas_kernels().empty());
  EXPECT_EQ(lines[0].substr(lines[0].size() - kernels.size()), kernels) << lines[0];
}

TEST(BackendSelect, ForcedCudaWithoutCudaIsAClearError) {
  const GanConfig config = testing::tiny_config();
  Rng rng(1);
  const GanState state = initial_state(config, rng);
  try {
    backend_factory(BackendKind::kCuda, 1)(config, state, {});
    FAIL() << "--backend cuda succeeded without a CUDA backend";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--backend cpu"), std::string::npos) << e.what();
  }
}

TEST(BackendSelect, ForcedCudaWithoutCudaIsRefusedBeforeAnyBackendIsMade) {
  try {
    require_backend(BackendKind::kCuda);
    FAIL() << "require_backend(kCuda) passed without a CUDA backend";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--backend cuda: "), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(require_backend(BackendKind::kCpu));
  EXPECT_NO_THROW(require_backend(BackendKind::kAuto));
}

}  // namespace
}  // namespace linact::host
