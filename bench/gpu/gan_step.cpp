// The GAN training step on either layer runner; see gan_step.h for the sequence.
#include "gan_step.h"

#include <cmath>

#include "linact/linact.h"

namespace linact_bench {
namespace {

using linact::Activation;

constexpr int64_t kNoise = 100;
constexpr int64_t kImage = 784;
constexpr std::array<int64_t, 5> kGeneratorWidths = {kNoise, 128, 256, 512, kImage};
constexpr std::array<int64_t, 5> kDiscriminatorWidths = {kImage, 512, 256, 128, 1};
constexpr std::array<Activation, 4> kGeneratorActs = {Activation::kRelu, Activation::kRelu,
                                                      Activation::kRelu, Activation::kTanh};
constexpr std::array<Activation, 4> kDiscriminatorActs = {
    Activation::kLeakyRelu, Activation::kLeakyRelu, Activation::kLeakyRelu, Activation::kIdentity};
constexpr linactAdamParams_t kAdam = {2e-4f, 0.5f, 0.999f, 1e-8f};

// Four floats keep every tensor of a flat buffer 16-byte aligned.
size_t aligned(size_t floats) {
  return (floats + 3) / 4 * 4;
}

DeviceBuffer floats(int64_t count) {
  return DeviceBuffer(static_cast<size_t>(count) * 4);
}

}  // namespace

GanStep::GanStep(int64_t batch, std::unique_ptr<LayerRunner> runner)
    : batch_(batch), runner_(std::move(runner)) {
  const cudaStream_t stream = handles().stream;
  init_network(g_, kGeneratorWidths, kGeneratorActs, 0x6e0ull);
  init_network(d_, kDiscriminatorWidths, kDiscriminatorActs, 0xd15ull);

  noise_ = floats(batch * kNoise);
  real_ = floats(batch * kImage);
  fill_uniform(real_.as<float>(), static_cast<size_t>(batch * kImage), -1.0f, 1.0f, 0x4ea1ull,
               stream);
  d_input_ = floats(2 * batch * kImage);
  d_input_grad_ = floats(batch * kImage);
  for (int l = 0; l < kLayers; ++l) {
    const GanLayer& gl = g_.layers[l];
    const GanLayer& dl = d_.layers[l];
    g_out_[l] = floats(batch * gl.out);
    g_grad_[l] = floats(batch * gl.out);
    d_out_[l] = floats(2 * batch * dl.out);
    d_grad_[l] = floats(2 * batch * dl.out);
    if (linact::saves_preactivation(gl.act, kLeakySlope)) g_aux_[l] = floats(batch * gl.out);
    if (linact::saves_preactivation(dl.act, kLeakySlope)) d_aux_[l] = floats(2 * batch * dl.out);
  }
  dlogits_ = floats(2 * batch);
  losses_ = floats(3);
  mean_probs_ = floats(3);
  step_ = DeviceBuffer(sizeof(int64_t));
  LINACT_BENCH_CUDA_CHECK(cudaMemsetAsync(step_.as<void>(), 0, sizeof(int64_t), stream));
  LINACT_BENCH_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void GanStep::init_network(Network& net, const std::array<int64_t, kLayers + 1>& widths,
                           const std::array<Activation, kLayers>& acts, uint64_t seed) {
  size_t offset = 0;
  for (int l = 0; l < kLayers; ++l) {
    GanLayer& layer = net.layers[l];
    layer = GanLayer{widths[l], widths[l + 1], acts[l], 0, 0};
    layer.w_offset = offset;
    offset += aligned(static_cast<size_t>(layer.out * layer.in));
    layer.b_offset = offset;
    offset += aligned(static_cast<size_t>(layer.out));
  }
  net.params = offset;
  const size_t bytes = offset * sizeof(float);
  net.param = DeviceBuffer(bytes);
  net.grad = DeviceBuffer(bytes);
  net.exp_avg = DeviceBuffer(bytes);
  net.exp_avg_sq = DeviceBuffer(bytes);

  // nn.Linear's default range, U(-1/sqrt(in), 1/sqrt(in)), for weights and bias; padding and
  // moments start at zero.
  const cudaStream_t stream = handles().stream;
  LINACT_BENCH_CUDA_CHECK(cudaMemsetAsync(net.param.as<void>(), 0, bytes, stream));
  LINACT_BENCH_CUDA_CHECK(cudaMemsetAsync(net.grad.as<void>(), 0, bytes, stream));
  LINACT_BENCH_CUDA_CHECK(cudaMemsetAsync(net.exp_avg.as<void>(), 0, bytes, stream));
  LINACT_BENCH_CUDA_CHECK(cudaMemsetAsync(net.exp_avg_sq.as<void>(), 0, bytes, stream));
  for (int l = 0; l < kLayers; ++l) {
    const GanLayer& layer = net.layers[l];
    const float bound = 1.0f / std::sqrt(static_cast<float>(layer.in));
    float* p = net.param.as<float>();
    fill_uniform(p + layer.w_offset, static_cast<size_t>(layer.out * layer.in), -bound, bound,
                 seed + 2 * l, stream);
    fill_uniform(p + layer.b_offset, static_cast<size_t>(layer.out), -bound, bound,
                 seed + 2 * l + 1, stream);
  }
}

void GanStep::adam(Network& net) {
  const linactHandle_t h = handles().linact;
  LINACT_BENCH_LINACT_CHECK(
      h, linactAdamStep(h, &kAdam, static_cast<int64_t>(net.params), net.param.as<float>(),
                        net.grad.as<float>(), net.exp_avg.as<float>(), net.exp_avg_sq.as<float>(),
                        step_.as<int64_t>()));
}

void GanStep::d_forward(int64_t rows, const float* input) {
  const float* x = input;
  const float* p = d_.param.as<float>();
  for (int l = 0; l < kLayers; ++l) {
    const GanLayer& layer = d_.layers[l];
    runner_->forward(layer, rows, x, p + layer.w_offset, p + layer.b_offset, d_out_[l].as<float>(),
                     d_aux_[l].as<float>());
    x = d_out_[l].as<float>();
  }
}

// dlogits_ holds the gradient of the logits; `weights` computes D's dW and db, `dinput` (may be
// null) receives the gradient of D's input.
void GanStep::d_backward(int64_t rows, const float* input, float* dinput, bool weights) {
  const float* p = d_.param.as<float>();
  float* g = d_.grad.as<float>();
  const float* dy = dlogits_.as<float>();
  for (int l = kLayers - 1; l >= 0; --l) {
    const GanLayer& layer = d_.layers[l];
    const float* x = l > 0 ? d_out_[l - 1].as<float>() : input;
    float* dx = l > 0 ? d_grad_[l - 1].as<float>() : dinput;
    runner_->backward(layer, rows, x, p + layer.w_offset, d_out_[l].as<float>(),
                      d_aux_[l].as<float>(), dy, dx, weights ? g + layer.w_offset : nullptr,
                      weights ? g + layer.b_offset : nullptr);
    dy = dx;
  }
}

void GanStep::step() {
  const Handles& h = handles();
  const int64_t b = batch_;
  float* fake = d_input_.as<float>() + b * kImage;
  float* dlogits = dlogits_.as<float>();
  float* loss = losses_.as<float>();
  float* prob = mean_probs_.as<float>();

  advance_step(step_.as<int64_t>(), noise_.as<float>(), b * kNoise, h.stream);
  LINACT_BENCH_CUDA_CHECK(cudaMemcpyAsync(d_input_.as<void>(), real_.as<void>(),
                                          static_cast<size_t>(b * kImage) * sizeof(float),
                                          cudaMemcpyDeviceToDevice, h.stream));

  // Generator forward; its last layer writes the fakes straight below the real rows.
  const float* x = noise_.as<float>();
  const float* gp = g_.param.as<float>();
  for (int l = 0; l < kLayers; ++l) {
    const GanLayer& layer = g_.layers[l];
    float* y = l == kLayers - 1 ? fake : g_out_[l].as<float>();
    runner_->forward(layer, b, x, gp + layer.w_offset, gp + layer.b_offset, y,
                     g_aux_[l].as<float>());
    x = y;
  }

  // Discriminator step on [real; fake].
  d_forward(2 * b, d_input_.as<float>());
  const float* logits = d_out_[kLayers - 1].as<float>();
  LINACT_BENCH_LINACT_CHECK(h.linact,
                            linactBceWithLogits(h.linact, b, logits, 1.0f, loss, prob, dlogits));
  LINACT_BENCH_LINACT_CHECK(h.linact, linactBceWithLogits(h.linact, b, logits + b, 0.0f, loss + 1,
                                                          prob + 1, dlogits + b));
  d_backward(2 * b, d_input_.as<float>(), nullptr, true);
  adam(d_);

  // Generator step: the updated D judges the same fakes, target 1.
  d_forward(b, fake);
  LINACT_BENCH_LINACT_CHECK(
      h.linact, linactBceWithLogits(h.linact, b, logits, 1.0f, loss + 2, prob + 2, dlogits));
  d_backward(b, fake, d_input_grad_.as<float>(), false);
  float* gg = g_.grad.as<float>();
  const float* dy = d_input_grad_.as<float>();
  for (int l = kLayers - 1; l >= 0; --l) {
    const GanLayer& layer = g_.layers[l];
    const float* lx = l > 0 ? g_out_[l - 1].as<float>() : noise_.as<float>();
    const float* y = l == kLayers - 1 ? fake : g_out_[l].as<float>();
    float* dx = l > 0 ? g_grad_[l - 1].as<float>() : nullptr;
    runner_->backward(layer, b, lx, gp + layer.w_offset, y, g_aux_[l].as<float>(), dy, dx,
                      gg + layer.w_offset, gg + layer.b_offset);
    dy = dx;
  }
  adam(g_);
}

std::array<float, 3> GanStep::losses() {
  std::array<float, 3> out{};
  LINACT_BENCH_CUDA_CHECK(cudaStreamSynchronize(handles().stream));
  LINACT_BENCH_CUDA_CHECK(
      cudaMemcpy(out.data(), losses_.as<void>(), sizeof(out), cudaMemcpyDeviceToHost));
  return out;
}

}  // namespace linact_bench
