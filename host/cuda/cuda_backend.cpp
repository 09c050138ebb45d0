#include "cuda/cuda_backend.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace linact::host::cuda {

namespace {

// CUDA runtime and linact calls of the backend throw with the expression and the reason.
void check_cuda(cudaError_t err, const char* expr) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("CUDA backend: ") + expr +
                             " failed: " + cudaGetErrorString(err));
  }
}

void check_linact(linactStatus_t status, linactHandle_t handle, const char* expr) {
  if (status != LINACT_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("CUDA backend: ") + expr + " returned " +
                             linactGetStatusName(status) + ": " + linactGetLastError(handle));
  }
}

#define LINACT_GAN_CUDA(expr) check_cuda((expr), #expr)
#define LINACT_GAN_LINACT(expr) check_linact((expr), handle_, #expr)

// Stats slots in stats_.
enum Stat { kRealLoss, kRealProb, kFakeLoss, kFakeProb, kGenLoss, kNumStats };

}  // namespace

CudaBackend::CudaBackend(const GanConfig& config, const GanState& state) : config_(config) {
  LINACT_GAN_CUDA(cudaStreamCreate(&stream_));
  if (linactCreate(&handle_) != LINACT_STATUS_SUCCESS) {
    throw std::runtime_error("CUDA backend: linactCreate failed");
  }
  LINACT_GAN_LINACT(linactSetStream(handle_, stream_));

  const int64_t b = config_.batch_size;
  d_input_ = allocate(static_cast<size_t>(2 * b * kImagePixels));
  noise_ = allocate(static_cast<size_t>(b * config_.noise_dim()));
  stats_ = allocate(kNumStats);
  void* steps = nullptr;
  LINACT_GAN_CUDA(cudaMalloc(&steps, 2 * sizeof(int64_t)));
  allocations_.push_back(steps);
  steps_ = static_cast<int64_t*>(steps);

  void* p = nullptr;
  LINACT_GAN_CUDA(cudaMallocHost(&p, static_cast<size_t>(b * kImagePixels) * sizeof(float)));
  host_real_ = static_cast<float*>(p);
  LINACT_GAN_CUDA(cudaMallocHost(&p, static_cast<size_t>(b * config_.noise_dim()) * sizeof(float)));
  host_noise_ = static_cast<float*>(p);
  LINACT_GAN_CUDA(cudaMallocHost(&p, 2 * sizeof(int64_t)));
  host_steps_ = static_cast<int64_t*>(p);
  LINACT_GAN_CUDA(cudaMallocHost(&p, kNumStats * sizeof(float)));
  host_stats_ = static_cast<float*>(p);

  init_net(generator_, config_.generator, b);
  init_net(discriminator_, config_.discriminator, 2 * b);
  set_state(state);
}

CudaBackend::~CudaBackend() {
  for (auto& [batch, exec] : graphs_)
    cudaGraphExecDestroy(exec);
  for (void* p : allocations_)
    cudaFree(p);
  cudaFreeHost(host_real_);
  cudaFreeHost(host_noise_);
  cudaFreeHost(host_steps_);
  cudaFreeHost(host_stats_);
  if (handle_ != nullptr) linactDestroy(handle_);
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

float* CudaBackend::allocate(size_t floats) {
  void* p = nullptr;
  LINACT_GAN_CUDA(cudaMalloc(&p, std::max<size_t>(floats, 1) * sizeof(float)));
  allocations_.push_back(p);
  return static_cast<float*>(p);
}

void CudaBackend::init_net(Net& net, const MlpSpec& spec, int64_t rows) {
  net.spec = spec;
  const auto count = static_cast<size_t>(spec.param_count());
  net.params = allocate(count);
  net.grad = allocate(count);
  net.exp_avg = allocate(count);
  net.exp_avg_sq = allocate(count);
  for (int64_t l = 0; l < spec.num_layers(); ++l) {
    const auto size = static_cast<size_t>(rows * spec.out_features(l));
    net.outputs.push_back(allocate(size));
    net.grads.push_back(allocate(size));
    const bool keep_z = saves_preactivation(spec.activations[l], spec.alpha);
    net.aux.push_back(keep_z ? allocate(size) : nullptr);
  }
}

linactLinearDesc_t CudaBackend::desc(const Net& net, int64_t layer, int64_t batch) const {
  linactLinearDesc_t d{};
  d.m = batch;
  d.n = net.spec.out_features(layer);
  d.k = net.spec.in_features(layer);
  d.dtype = LINACT_F32;
  d.activation = static_cast<linactActivation_t>(net.spec.activations[layer]);
  d.alpha = net.spec.alpha;
  return d;
}

// Runs the layers on x [batch, widths[0]]. The generator's last layer writes into d_input_ at
// row `out_rows_offset`, where the discriminator reads its fakes.
void CudaBackend::forward(const Net& net, const float* x, int64_t batch, int64_t out_rows_offset) {
  const float* in = x;
  const int64_t layers = net.spec.num_layers();
  for (int64_t l = 0; l < layers; ++l) {
    const linactLinearDesc_t d = desc(net, l, batch);
    const bool into_input = &net == &generator_ && l == layers - 1;
    float* y = into_input ? d_input_ + out_rows_offset * kImagePixels : net.outputs[l];
    LINACT_GAN_LINACT(linactLinearForward(handle_, &d, in, net.params + net.spec.weight_offset(l),
                                          net.params + net.spec.bias_offset(l), y, net.aux[l]));
    in = y;
  }
}

// Backward of the last forward of `net` on x; the output gradient must be in grads.back().
void CudaBackend::backward(const Net& net, const float* x, int64_t batch, bool weight_grads,
                           float* dx) {
  const int64_t layers = net.spec.num_layers();
  for (int64_t l = layers - 1; l >= 0; --l) {
    const linactLinearDesc_t d = desc(net, l, batch);
    const bool into_input = &net == &generator_ && l == layers - 1;
    const float* y = into_input ? d_input_ + batch * kImagePixels : net.outputs[l];
    const float* in = l > 0 ? net.outputs[l - 1] : x;
    float* d_in = l > 0 ? net.grads[l - 1] : dx;
    float* dw = weight_grads ? net.grad + net.spec.weight_offset(l) : nullptr;
    float* db = weight_grads ? net.grad + net.spec.bias_offset(l) : nullptr;
    LINACT_GAN_LINACT(linactLinearBackward(handle_, &d, in, net.params + net.spec.weight_offset(l),
                                           y, net.aux[l], net.grads[l], d_in, dw, db, 0));
  }
}

void CudaBackend::adam(const Net& net, const int64_t* step) {
  const linactAdamParams_t p{config_.lr, config_.beta1, config_.beta2, config_.eps};
  LINACT_GAN_LINACT(linactAdamStep(handle_, &p, net.spec.param_count(), net.params, net.grad,
                                   net.exp_avg, net.exp_avg_sq, step));
}

// The whole step on the stream, reading its inputs from the pinned staging buffers.
void CudaBackend::enqueue_step(int64_t b) {
  const size_t image_bytes = static_cast<size_t>(b * kImagePixels) * sizeof(float);
  LINACT_GAN_CUDA(
      cudaMemcpyAsync(d_input_, host_real_, image_bytes, cudaMemcpyHostToDevice, stream_));
  LINACT_GAN_CUDA(cudaMemcpyAsync(noise_, host_noise_,
                                  static_cast<size_t>(b * config_.noise_dim()) * sizeof(float),
                                  cudaMemcpyHostToDevice, stream_));
  LINACT_GAN_CUDA(
      cudaMemcpyAsync(steps_, host_steps_, 2 * sizeof(int64_t), cudaMemcpyHostToDevice, stream_));

  // Discriminator: real rows then fakes in one pass, targets 1 and 0; G is only read.
  forward(generator_, noise_, b, b);
  forward(discriminator_, d_input_, 2 * b, 0);
  const float* logits = discriminator_.outputs.back();
  float* dlogits = discriminator_.grads.back();
  LINACT_GAN_LINACT(linactBceWithLogits(handle_, b, logits, 1.0f, stats_ + kRealLoss,
                                        stats_ + kRealProb, dlogits));
  LINACT_GAN_LINACT(linactBceWithLogits(handle_, b, logits + b, 0.0f, stats_ + kFakeLoss,
                                        stats_ + kFakeProb, dlogits + b));
  backward(discriminator_, d_input_, 2 * b, true, nullptr);
  adam(discriminator_, steps_ + 1);

  // Generator: non-saturating loss through the updated D, whose weights are only read.
  const float* fake = d_input_ + b * kImagePixels;
  forward(discriminator_, fake, b, 0);
  LINACT_GAN_LINACT(linactBceWithLogits(handle_, b, discriminator_.outputs.back(), 1.0f,
                                        stats_ + kGenLoss, nullptr, discriminator_.grads.back()));
  backward(discriminator_, fake, b, false, generator_.grads.back());
  backward(generator_, noise_, b, true, nullptr);
  adam(generator_, steps_);

  LINACT_GAN_CUDA(cudaMemcpyAsync(host_stats_, stats_, kNumStats * sizeof(float),
                                  cudaMemcpyDeviceToHost, stream_));
}

cudaGraphExec_t CudaBackend::graph_for(int64_t batch) {
  const auto found = graphs_.find(batch);
  if (found != graphs_.end()) return found->second;
  cudaGraph_t graph = nullptr;
  LINACT_GAN_CUDA(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
  try {
    enqueue_step(batch);
  } catch (...) {
    cudaStreamEndCapture(stream_, &graph);
    if (graph != nullptr) cudaGraphDestroy(graph);
    throw;
  }
  LINACT_GAN_CUDA(cudaStreamEndCapture(stream_, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t err = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  LINACT_GAN_CUDA(err);
  graphs_[batch] = exec;
  return exec;
}

StepStats CudaBackend::train_step(const float* real, const float* noise, int64_t batch) {
  if (batch < 0 || batch > config_.batch_size) {
    throw std::invalid_argument("batch is " + std::to_string(batch) + ": give 0 to " +
                                std::to_string(config_.batch_size) + " rows");
  }
  if (batch == 0) return {};
  std::memcpy(host_real_, real, static_cast<size_t>(batch * kImagePixels) * sizeof(float));
  std::memcpy(host_noise_, noise, static_cast<size_t>(batch * config_.noise_dim()) * sizeof(float));
  host_steps_[0] = g_step_ + 1;
  host_steps_[1] = d_step_ + 1;
  LINACT_GAN_CUDA(cudaGraphLaunch(graph_for(batch), stream_));
  LINACT_GAN_CUDA(cudaStreamSynchronize(stream_));
  ++g_step_;
  ++d_step_;
  StepStats s;
  s.d_loss = host_stats_[kRealLoss] + host_stats_[kFakeLoss];
  s.d_real = host_stats_[kRealProb];
  s.d_fake = host_stats_[kFakeProb];
  s.g_loss = host_stats_[kGenLoss];
  return s;
}

void CudaBackend::generate(const float* noise, int64_t count, float* images) {
  const int64_t chunk = config_.batch_size;
  for (int64_t start = 0; start < count; start += chunk) {
    const int64_t rows = std::min(chunk, count - start);
    LINACT_GAN_CUDA(cudaMemcpyAsync(noise_, noise + start * config_.noise_dim(),
                                    static_cast<size_t>(rows * config_.noise_dim()) * sizeof(float),
                                    cudaMemcpyHostToDevice, stream_));
    forward(generator_, noise_, rows, config_.batch_size);
    LINACT_GAN_CUDA(cudaMemcpyAsync(
        images + start * kImagePixels, d_input_ + config_.batch_size * kImagePixels,
        static_cast<size_t>(rows * kImagePixels) * sizeof(float), cudaMemcpyDeviceToHost, stream_));
    LINACT_GAN_CUDA(cudaStreamSynchronize(stream_));
  }
}

GanState CudaBackend::state() const {
  GanState s;
  auto pull = [&](const Net& net, NetState& out, int64_t step) {
    const auto count = static_cast<size_t>(net.spec.param_count());
    for (auto [from, to] : {std::pair{net.params, &out.params},
                            {net.exp_avg, &out.exp_avg},
                            {net.exp_avg_sq, &out.exp_avg_sq}}) {
      to->resize(count);
      LINACT_GAN_CUDA(cudaMemcpy(to->data(), from, count * sizeof(float), cudaMemcpyDeviceToHost));
    }
    out.step = step;
  };
  pull(generator_, s.generator, g_step_);
  pull(discriminator_, s.discriminator, d_step_);
  return s;
}

void CudaBackend::set_state(const GanState& s) {
  auto push = [&](Net& net, const NetState& in) {
    const auto count = static_cast<size_t>(net.spec.param_count());
    if (in.params.size() != count || in.exp_avg.size() != count || in.exp_avg_sq.size() != count) {
      throw std::invalid_argument("training state has " + std::to_string(in.params.size()) +
                                  " parameters where the model needs " + std::to_string(count) +
                                  ": use a checkpoint made with the same widths");
    }
    for (auto [from, to] : {std::pair{&in.params, net.params},
                            {&in.exp_avg, net.exp_avg},
                            {&in.exp_avg_sq, net.exp_avg_sq}}) {
      LINACT_GAN_CUDA(cudaMemcpy(to, from->data(), count * sizeof(float), cudaMemcpyHostToDevice));
    }
  };
  push(generator_, s.generator);
  push(discriminator_, s.discriminator);
  g_step_ = s.generator.step;
  d_step_ = s.discriminator.step;
}

}  // namespace linact::host::cuda
