// The CUDA backend: every Linear through linact's C API, the loss through linactBceWithLogits and
// Adam through linactAdamStep. A training step is captured once per batch size as a CUDA graph
// (host-to-device copies of the batch, the noise and the Adam step numbers, both updates, and
// the copy of the losses back) and replayed each step. Plain C++: linked to linact::linact and
// cudart for a GPU, or to linact::linact_emu to run the same code on the emulator.
#ifndef LINACT_HOST_CUDA_CUDA_BACKEND_H_
#define LINACT_HOST_CUDA_CUDA_BACKEND_H_

#include <map>
#include <vector>

#include <cuda_runtime_api.h>

#include "backend.h"
#include "linact/linact.h"

namespace linact::host::cuda {

class CudaBackend final : public Backend {
 public:
  CudaBackend(const GanConfig& config, const GanState& state);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string name() const override { return "cuda"; }
  StepStats train_step(const float* real, const float* noise, int64_t batch) override;
  void generate(const float* noise, int64_t count, float* images) override;
  GanState state() const override;
  void set_state(const GanState& state) override;

 private:
  // One network's device arrays and per-layer activation buffers.
  struct Net {
    MlpSpec spec;
    float* params = nullptr;
    float* grad = nullptr;
    float* exp_avg = nullptr;
    float* exp_avg_sq = nullptr;
    std::vector<float*> outputs;  // y of each layer; G's last is the fake half of d_input_
    std::vector<float*> aux;      // z where the backward reads it, else null
    std::vector<float*> grads;    // dy of each layer
  };

  float* allocate(size_t floats);
  void init_net(Net& net, const MlpSpec& spec, int64_t rows);
  linactLinearDesc_t desc(const Net& net, int64_t layer, int64_t batch) const;
  void forward(const Net& net, const float* x, int64_t batch, int64_t out_rows_offset);
  void backward(const Net& net, const float* x, int64_t batch, bool weight_grads, float* dx);
  void adam(const Net& net, const int64_t* step);
  void enqueue_step(int64_t batch);
  cudaGraphExec_t graph_for(int64_t batch);

  GanConfig config_;
  linactHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
  std::vector<void*> allocations_;
  Net generator_;
  Net discriminator_;
  float* d_input_ = nullptr;  // [2 * batch, 784]: real rows, then G's output
  float* noise_ = nullptr;
  int64_t* steps_ = nullptr;  // device: G step, D step
  float* stats_ = nullptr;    // device: loss/prob on real, loss/prob on fake, G loss
  // Pinned host staging: the graph's copies read and write these addresses at replay time.
  float* host_real_ = nullptr;
  float* host_noise_ = nullptr;
  int64_t* host_steps_ = nullptr;
  float* host_stats_ = nullptr;
  int64_t g_step_ = 0;
  int64_t d_step_ = 0;
  std::map<int64_t, cudaGraphExec_t> graphs_;
};

}  // namespace linact::host::cuda

#endif  // LINACT_HOST_CUDA_CUDA_BACKEND_H_
