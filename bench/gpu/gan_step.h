// One training step of the default GAN (Generator 100-128-256-512-784, ReLU then Tanh;
// Discriminator 784-512-256-128-1, LeakyReLU(0.2) then a logit), built twice: on linact's fused
// layers and on cuBLAS SGEMM plus separate kernels. The loss (linactBceWithLogits) and the
// optimizer (linactAdamStep, one call per network over its flat parameter buffer) are the same
// on both sides, so the difference between them is the layers alone.
//
// A step: fresh noise, the real batch copied in, G forward, D forward on [real; fake] (2B rows),
// BCE with targets 1 and 0, D backward, Adam on D; then D forward on the fakes with the new D,
// BCE with target 1 (the non-saturating generator loss), D backward for dx only, G backward,
// Adam on G. Every call is asynchronous on one stream, so the step can be captured in a graph.
#ifndef LINACT_BENCH_GPU_GAN_STEP_H_
#define LINACT_BENCH_GPU_GAN_STEP_H_

#include <cuda_runtime.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "linact/activation.h"
#include "support.h"

namespace linact_bench {

struct GanLayer {
  int64_t in, out;
  linact::Activation act;
  size_t w_offset, b_offset;  // in floats, into the network's flat parameter buffer
};

// How a Linear layer runs: linact's fused calls or the cuBLAS comparator.
class LayerRunner {
 public:
  virtual ~LayerRunner() = default;
  virtual void forward(const GanLayer& l, int64_t m, const float* x, const float* w, const float* b,
                       float* y, float* aux) = 0;
  // dx, dw and db may be null.
  virtual void backward(const GanLayer& l, int64_t m, const float* x, const float* w,
                        const float* y, const float* aux, const float* dy, float* dx, float* dw,
                        float* db) = 0;
};

std::unique_ptr<LayerRunner> make_linact_runner();
std::unique_ptr<LayerRunner> make_cublas_runner(int64_t max_rows, int64_t max_width);

// The batches, warm-up steps and timed steps per repetition of every gan_step case.
inline constexpr int64_t kStepBatches[] = {64, 256};
inline constexpr int kStepWarmup = 5;
inline constexpr int kStepIterations = 30;

// The gan_step/runner cases (gan_step_runner.cpp, built with LINACT_BENCH_WITH_RUNNER).
void register_runner_cases();

class GanStep {
 public:
  static constexpr int kLayers = 4;
  static constexpr float kLeakySlope = 0.2f;

  GanStep(int64_t batch, std::unique_ptr<LayerRunner> runner);

  void step();  // enqueues one step on handles().stream
  // Losses of the last step: D on real, D on fake, G.
  std::array<float, 3> losses();

 private:
  struct Network {
    std::array<GanLayer, kLayers> layers;
    size_t params = 0;  // floats in each flat buffer
    DeviceBuffer param, grad, exp_avg, exp_avg_sq;
  };
  void init_network(Network& net, const std::array<int64_t, kLayers + 1>& widths,
                    const std::array<linact::Activation, kLayers>& acts, uint64_t seed);
  void adam(Network& net);
  void d_forward(int64_t rows, const float* input);
  void d_backward(int64_t rows, const float* input, float* dinput, bool weights);

  int64_t batch_;
  std::unique_ptr<LayerRunner> runner_;
  Network g_, d_;
  DeviceBuffer noise_, real_, d_input_, d_input_grad_;
  std::array<DeviceBuffer, kLayers> g_out_, g_aux_, g_grad_, d_out_, d_aux_, d_grad_;
  DeviceBuffer dlogits_, losses_, mean_probs_, step_;
};

// Bench-side kernels of the step: advance the step counter, then draw the noise from it, so a
// replayed graph gets fresh noise and Adam's bias correction sees the current step.
void advance_step(int64_t* step, float* noise, int64_t count, cudaStream_t stream);

}  // namespace linact_bench

#endif  // LINACT_BENCH_GPU_GAN_STEP_H_
