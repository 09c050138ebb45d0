// The CPU backend: OpenBLAS GEMMs with the activation library fused into single passes over the
// outputs, OpenMP for those passes, Adam and BCE with logits on the host.
#ifndef LINACT_HOST_CPU_CPU_BACKEND_H_
#define LINACT_HOST_CPU_CPU_BACKEND_H_

#include <string>
#include <vector>

#include "backend.h"
#include "cpu/adam.h"
#include "cpu/mlp.h"

namespace linact::host::cpu {

// Sets the thread count of OpenBLAS and OpenMP; 0 keeps their defaults (all cores).
void set_cpu_threads(int threads);

// The GEMM kernels OpenBLAS picked for this CPU, e.g. "Haswell". Kernels round differently, so
// a run repeats bit for bit only where the same kernels run.
std::string blas_kernels();

class CpuBackend final : public Backend {
 public:
  CpuBackend(const GanConfig& config, const GanState& state);

  std::string name() const override { return "cpu"; }
  StepStats train_step(const float* real, const float* noise, int64_t batch) override;
  void generate(const float* noise, int64_t count, float* images) override;
  GanState state() const override { return state_; }
  void set_state(const GanState& state) override;

  // The two halves of train_step, public so tests can check what each one changes.
  // discriminator_step computes G(noise), keeps it for generator_step, and updates D only.
  StepStats discriminator_step(const float* real, const float* noise, int64_t batch);
  // Updates G only; fills g_loss. Needs the preceding discriminator_step's fakes.
  float generator_step(int64_t batch);

 private:
  GanConfig config_;
  GanState state_;
  AdamParams adam_;
  Mlp generator_;
  Mlp discriminator_;  // sized for 2 * batch: real and fake rows in one pass
  std::vector<float> d_input_;
  std::vector<float> g_grad_;
  std::vector<float> d_grad_;
  std::vector<float> fake_grad_;
};

}  // namespace linact::host::cpu

#endif  // LINACT_HOST_CPU_CPU_BACKEND_H_
