// One Linear layer of the default GAN on the CPU backend, forward and backward, with the
// activation the GAN uses on that layer: the per-layer view of the training step benchmark.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/linear.h"

namespace linact::host {
namespace {

struct GanLayer {
  const char* name;
  int64_t in_features;
  int64_t out_features;
  Activation activation;
};

// Generator 100-128-256-512-784 (ReLU, Tanh at the output) and discriminator 784-512-256-128-1
// (LeakyReLU 0.2; the output's Sigmoid is fused into the loss, so the layer itself is identity).
constexpr GanLayer kLayers[] = {
    {"G1", 100, 128, Activation::kRelu},      {"G2", 128, 256, Activation::kRelu},
    {"G3", 256, 512, Activation::kRelu},      {"G4", 512, 784, Activation::kTanh},
    {"D1", 784, 512, Activation::kLeakyRelu}, {"D2", 512, 256, Activation::kLeakyRelu},
    {"D3", 256, 128, Activation::kLeakyRelu}, {"D4", 128, 1, Activation::kIdentity},
};

struct LayerData {
  cpu::LinearShape shape;
  std::vector<float> x, w, b, y, z, dy, dy_work, dx, dw, db;

  LayerData(const GanLayer& layer, int64_t batch) {
    shape = {batch, layer.in_features, layer.out_features, layer.activation, 0.2f};
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, size_t n) {
      v.resize(n);
      for (float& e : v)
        e = uniform(rng);
    };
    fill(x, batch * layer.in_features);
    fill(w, layer.out_features * layer.in_features);
    fill(b, layer.out_features);
    fill(dy, batch * layer.out_features);
    y.resize(batch * layer.out_features);
    z.resize(y.size());
    dy_work.resize(y.size());
    dx.resize(x.size());
    dw.resize(w.size());
    db.resize(b.size());
    cpu::linear_forward(shape, x.data(), w.data(), b.data(), y.data(), z.data());
  }
};

void set_counters(benchmark::State& state, const LayerData& d, double flops_per_call) {
  state.counters["GFLOP"] =
      benchmark::Counter(flops_per_call * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(activation_name(d.shape.activation));
}

void layer_forward(benchmark::State& state) {
  const GanLayer& layer = kLayers[state.range(0)];
  cpu::set_cpu_threads(static_cast<int>(state.range(2)));
  LayerData d(layer, state.range(1));
  for (auto _ : state) {
    cpu::linear_forward(d.shape, d.x.data(), d.w.data(), d.b.data(), d.y.data(), d.z.data());
    benchmark::DoNotOptimize(d.y.data());
  }
  set_counters(state, d, 2.0 * d.shape.batch * d.shape.in_features * d.shape.out_features);
}

// dx, dW and db together. The backend overwrites dy with dz, so each iteration restores it
// first; the copy is part of the measured time and small beside the GEMMs.
void layer_backward(benchmark::State& state) {
  const GanLayer& layer = kLayers[state.range(0)];
  cpu::set_cpu_threads(static_cast<int>(state.range(2)));
  LayerData d(layer, state.range(1));
  for (auto _ : state) {
    d.dy_work = d.dy;
    cpu::linear_backward(d.shape, d.x.data(), d.w.data(), d.y.data(), d.z.data(), d.dy_work.data(),
                         d.dx.data(), d.dw.data(), d.db.data());
    benchmark::DoNotOptimize(d.dw.data());
  }
  set_counters(state, d, 4.0 * d.shape.batch * d.shape.in_features * d.shape.out_features);
}

void layer_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "batch", "threads"});
  for (int64_t layer = 0; layer < int64_t(std::size(kLayers)); ++layer) {
    for (int64_t batch : {64, 256})
      b->Args({layer, batch, 2});
  }
  b->Args({0, 64, 1})->Args({4, 64, 1});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(layer_forward)->Apply(layer_args);
BENCHMARK(layer_backward)->Apply(layer_args);

}  // namespace
}  // namespace linact::host

BENCHMARK_MAIN();
