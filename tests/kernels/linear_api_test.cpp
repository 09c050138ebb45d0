// The Linear C API (kernels/linear_api.cpp): the aux size, every rejected input (status, a message
// naming the argument, nothing written), and the activations' special values carried through a
// whole 1 x 1 layer forward and backward.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

linactLinearDesc_t make_desc(int64_t m, int64_t n, int64_t k, linactActivation_t act) {
  linactLinearDesc_t d{};
  d.m = m;
  d.n = n;
  d.k = k;
  d.dtype = LINACT_F32;
  d.activation = act;
  return d;
}

TEST(LinearAuxSize, IsZeroWhereTheBackwardReadsYAndZOtherwise) {
  struct Case {
    linactActivation_t act;
    float alpha;
    size_t elements;
  } cases[] = {{LINACT_ACT_IDENTITY, 0, 0},
               {LINACT_ACT_RELU, 0, 0},
               {LINACT_ACT_LEAKY_RELU, 0.2f, 0},
               {LINACT_ACT_LEAKY_RELU, 0, 0},
               {LINACT_ACT_LEAKY_RELU, -0.5f, 12},
               {LINACT_ACT_SIGMOID, 0, 0},
               {LINACT_ACT_TANH, 0, 0},
               {LINACT_ACT_GELU, 0, 12},
               {LINACT_ACT_GELU_TANH, 0, 12},
               {LINACT_ACT_SILU, 0, 12}};
  for (const Case& c : cases) {
    linactLinearDesc_t d = make_desc(3, 4, 5, c.act);
    d.alpha = c.alpha;
    size_t bytes = 99;
    ASSERT_EQ(linactLinearAuxSize(&d, &bytes), LINACT_STATUS_SUCCESS);
    EXPECT_EQ(bytes, c.elements * sizeof(float)) << "activation " << c.act << ", alpha " << c.alpha;
  }
}

TEST(LinearAuxSize, RejectsBadDescriptors) {
  size_t bytes = 0;
  linactLinearDesc_t d = make_desc(-1, 4, 5, LINACT_ACT_GELU);
  EXPECT_EQ(linactLinearAuxSize(&d, &bytes), LINACT_STATUS_INVALID_VALUE);
  EXPECT_EQ(linactLinearAuxSize(nullptr, &bytes), LINACT_STATUS_INVALID_VALUE);
  d.m = 1;
  EXPECT_EQ(linactLinearAuxSize(&d, nullptr), LINACT_STATUS_INVALID_VALUE);
}

// Buffers for a 6 x 5 x 4 layer (m, n, k): the inputs random, every output (aux included: the
// forward writes z there) poisoned. The rejected calls alias outputs onto x, w and dy, so the
// inputs are checked unchanged too.
struct BadInputFixture : HandleTest {
  static constexpr int64_t kM = 6, kN = 5, kK = 4;
  DeviceBuffer x{kM * kK}, w{kN * kK}, bias{kN}, y{kM * kN}, aux{kM * kN}, dy{kM * kN};
  DeviceBuffer dx{kM * kK}, dw{kN * kK}, db{kN};
  linactLinearDesc_t desc = make_desc(kM, kN, kK, LINACT_ACT_GELU);
  std::vector<float> x0, w0, bias0, dy0;

  void SetUp() override {
    HandleTest::SetUp();
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-1, 1);
    const std::pair<DeviceBuffer*, std::vector<float>*> inputs[] = {
        {&x, &x0}, {&w, &w0}, {&bias, &bias0}, {&dy, &dy0}};
    for (const auto& [buffer, host] : inputs) {
      host->resize(buffer->size());
      for (float& f : *host)
        f = dist(rng);
      buffer->upload(*host);
    }
    for (DeviceBuffer* b : {&y, &aux, &dx, &dw, &db})
      b->upload(std::vector<float>(b->size(), poison()));
  }

  void expect_outputs_untouched(const std::string& what) {
    const std::pair<DeviceBuffer*, const char*> outputs[] = {
        {&y, "y"}, {&aux, "aux"}, {&dx, "dx"}, {&dw, "dw"}, {&db, "db"}};
    for (const auto& [buffer, name] : outputs) {
      const std::vector<float> got = buffer->download();
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_TRUE(is_poison(got[i]))
            << what << ": " << name << "[" << i << "] was written: " << got[i];
      }
    }
    const std::pair<const DeviceBuffer*, const std::vector<float>*> inputs[] = {
        {&x, &x0}, {&w, &w0}, {&bias, &bias0}, {&dy, &dy0}};
    const char* names[] = {"x", "w", "bias", "dy"};
    for (int i = 0; i < 4; ++i) {
      const std::vector<float> got = inputs[i].first->download();
      ASSERT_TRUE(bitwise_equal(got.data(), inputs[i].second->data(), got.size(), names[i]))
          << what << ": an input was written";
    }
  }

  linactStatus_t forward(const linactLinearDesc_t* d) {
    return linactLinearForward(handle_, d, x.get(), w.get(), bias.get(), y.get(), aux.get());
  }
  linactStatus_t backward(const linactLinearDesc_t* d) {
    return linactLinearBackward(handle_, d, x.get(), w.get(), y.get(), aux.get(), dy.get(),
                                dx.get(), dw.get(), db.get(), 0);
  }

  // The call fails with `status`, its message names `argument`, and nothing was written.
  void expect_rejected(const std::string& what, linactStatus_t got, const std::string& argument,
                       linactStatus_t status = LINACT_STATUS_INVALID_VALUE) {
    EXPECT_EQ(got, status) << what;
    const std::string message = linactGetLastError(handle_);
    EXPECT_NE(message.find(argument), std::string::npos)
        << what << ": message \"" << message << "\" does not name " << argument;
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    expect_outputs_untouched(what);
  }
};

using LinearBadInput = BadInputFixture;

TEST_F(LinearBadInput, NullHandleIsRejected) {
  EXPECT_EQ(linactLinearForward(nullptr, &desc, x.get(), w.get(), nullptr, y.get(), aux.get()),
            LINACT_STATUS_INVALID_VALUE);
  EXPECT_EQ(linactLinearBackward(nullptr, &desc, x.get(), w.get(), y.get(), aux.get(), dy.get(),
                                 dx.get(), dw.get(), db.get(), 0),
            LINACT_STATUS_INVALID_VALUE);
  expect_outputs_untouched("null handle");
}

TEST_F(LinearBadInput, NullDescriptorIsRejected) {
  expect_rejected("forward", forward(nullptr), "desc");
  expect_rejected("backward", backward(nullptr), "desc");
}

TEST_F(LinearBadInput, NegativeSizesAreRejected) {
  for (int64_t linactLinearDesc_t::*field :
       {&linactLinearDesc_t::m, &linactLinearDesc_t::n, &linactLinearDesc_t::k}) {
    linactLinearDesc_t d = desc;
    d.*field = -3;
    const std::string name = field == &linactLinearDesc_t::m   ? "desc->m is -3"
                             : field == &linactLinearDesc_t::n ? "desc->n is -3"
                                                               : "desc->k is -3";
    expect_rejected(name + " (forward)", forward(&d), name);
    expect_rejected(name + " (backward)", backward(&d), name);
  }
}

TEST_F(LinearBadInput, ShortLeadingDimensionsAreRejected) {
  struct Case {
    int64_t linactLinearDesc_t::*field;
    int64_t value;
    const char* text;
  } cases[] = {{&linactLinearDesc_t::ldx, kK - 1, "desc->ldx is 3"},
               {&linactLinearDesc_t::ldw, kK - 1, "desc->ldw is 3"},
               {&linactLinearDesc_t::ldy, kN - 1, "desc->ldy is 4"},
               {&linactLinearDesc_t::ldy, -1, "desc->ldy is -1"}};
  for (const Case& c : cases) {
    linactLinearDesc_t d = desc;
    d.*c.field = c.value;
    expect_rejected(std::string(c.text) + " (forward)", forward(&d), c.text);
    expect_rejected(std::string(c.text) + " (backward)", backward(&d), c.text);
  }
}

TEST_F(LinearBadInput, ActivationOutOfRangeIsRejected) {
  for (int act : {-1, 8, 1000}) {
    linactLinearDesc_t d = desc;
    d.activation = static_cast<linactActivation_t>(act);
    const std::string text = "desc->activation is " + std::to_string(act);
    expect_rejected(text, forward(&d), text);
    expect_rejected(text, backward(&d), text);
  }
}

TEST_F(LinearBadInput, NonFiniteAlphaIsRejected) {
  for (float alpha : {std::nanf(""), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
    linactLinearDesc_t d = desc;
    d.activation = LINACT_ACT_LEAKY_RELU;
    d.alpha = alpha;
    expect_rejected("alpha " + std::to_string(alpha), forward(&d), "desc->alpha");
    expect_rejected("alpha " + std::to_string(alpha), backward(&d), "desc->alpha");
  }
}

TEST_F(LinearBadInput, HalfPrecisionIsNotSupportedYet) {
  for (linactDataType_t dtype : {LINACT_F16, LINACT_BF16}) {
    linactLinearDesc_t d = desc;
    d.dtype = dtype;
    const char* name = dtype == LINACT_F16 ? "LINACT_F16" : "LINACT_BF16";
    expect_rejected(name, forward(&d), name, LINACT_STATUS_NOT_SUPPORTED);
    expect_rejected(name, backward(&d), "fp32 only", LINACT_STATUS_NOT_SUPPORTED);
  }
  linactLinearDesc_t d = desc;
  d.dtype = static_cast<linactDataType_t>(7);
  expect_rejected("dtype 7", forward(&d), "desc->dtype is 7");
}

// Shapes beyond what a grid can cover are refused up front, not launched wrongly.
TEST_F(LinearBadInput, ShapesBeyondTheGridLimitsAreNotSupported) {
  linactLinearDesc_t d = desc;
  d.n = int64_t{65535} * 32 + 1;
  expect_rejected("n too large", forward(&d), "desc->n is", LINACT_STATUS_NOT_SUPPORTED);
  d = desc;
  d.k = int64_t{65535} * 32 + 1;
  expect_rejected("k too large", backward(&d), "desc->k is", LINACT_STATUS_NOT_SUPPORTED);
  d = desc;
  d.m = int64_t{1} << 40;
  expect_rejected("m too large", forward(&d), "desc->m is", LINACT_STATUS_NOT_SUPPORTED);
}

TEST_F(LinearBadInput, MissingForwardTensorsAreRejected) {
  expect_rejected(
      "x", linactLinearForward(handle_, &desc, nullptr, w.get(), bias.get(), y.get(), aux.get()),
      "x is NULL");
  expect_rejected(
      "w", linactLinearForward(handle_, &desc, x.get(), nullptr, bias.get(), y.get(), aux.get()),
      "w is NULL");
  expect_rejected(
      "y", linactLinearForward(handle_, &desc, x.get(), w.get(), bias.get(), nullptr, aux.get()),
      "y is NULL");
  expect_rejected(
      "aux", linactLinearForward(handle_, &desc, x.get(), w.get(), bias.get(), y.get(), nullptr),
      "aux is NULL");
}

TEST_F(LinearBadInput, MissingBackwardTensorsAreRejected) {
  const auto call = [&](const void* xp, const void* wp, const void* yp, const void* auxp,
                        const void* dyp, const linactLinearDesc_t& d) {
    return linactLinearBackward(handle_, &d, xp, wp, yp, auxp, dyp, dx.get(), dw.get(), db.get(),
                                0);
  };
  expect_rejected("dy", call(x.get(), w.get(), y.get(), aux.get(), nullptr, desc), "dy is NULL");
  expect_rejected("x", call(nullptr, w.get(), y.get(), aux.get(), dy.get(), desc), "x is NULL");
  expect_rejected("w", call(x.get(), nullptr, y.get(), aux.get(), dy.get(), desc), "w is NULL");
  expect_rejected("aux", call(x.get(), w.get(), y.get(), nullptr, dy.get(), desc), "aux is NULL");
  linactLinearDesc_t relu = desc;
  relu.activation = LINACT_ACT_RELU;
  expect_rejected("y", call(x.get(), w.get(), nullptr, aux.get(), dy.get(), relu), "y is NULL");
}

TEST_F(LinearBadInput, MisalignedFloatPointerIsRejected) {
  const void* odd = reinterpret_cast<const char*>(x.get()) + 2;
  expect_rejected("x + 2 bytes",
                  linactLinearForward(handle_, &desc, odd, w.get(), bias.get(), y.get(), aux.get()),
                  "x is");
}

TEST_F(LinearBadInput, DxOverlappingAnInputIsRejected) {
  // dx = x; dx overlapping the end of w; dx = dy.
  float* w_tail = w.get() + kN * kK - 2;
  const struct {
    const char* name;
    const void* xp;
    const void* wp;
    const void* dyp;
    void* dxp;
  } cases[] = {{"x", x.get(), w.get(), dy.get(), x.get()},
               {"w", x.get(), w.get(), dy.get(), w_tail},
               {"dy", x.get(), w.get(), dy.get(), dy.get()}};
  for (const auto& c : cases) {
    const linactStatus_t s = linactLinearBackward(handle_, &desc, c.xp, c.wp, y.get(), aux.get(),
                                                  c.dyp, c.dxp, dw.get(), db.get(), 0);
    expect_rejected(std::string("dx over ") + c.name, s, std::string("overlaps ") + c.name);
  }
}

// Outputs that overlap what the call reads, or each other, would race between blocks.
TEST_F(LinearBadInput, OutputsOverlappingOtherTensorsAreRejected) {
  // y over x (both 6 x 4 and 6 x 5 floats; x has 24), aux over y.
  expect_rejected(
      "y over x",
      linactLinearForward(handle_, &desc, x.get(), w.get(), bias.get(), x.get(), aux.get()), "y (");
  expect_rejected(
      "aux over y",
      linactLinearForward(handle_, &desc, x.get(), w.get(), bias.get(), y.get(), y.get()),
      "overlaps aux");
  // dw over dy, db inside dw.
  expect_rejected("dw over dy",
                  linactLinearBackward(handle_, &desc, x.get(), w.get(), y.get(), aux.get(),
                                       dy.get(), dx.get(), dy.get(), db.get(), 0),
                  "dw (");
  expect_rejected("db inside dw",
                  linactLinearBackward(handle_, &desc, x.get(), w.get(), y.get(), aux.get(),
                                       dy.get(), dx.get(), dw.get(), dw.get() + 3, 0),
                  "overlaps db");
}

TEST_F(LinearBadInput, SuccessClearsTheLastError) {
  forward(nullptr);
  ASSERT_STRNE(linactGetLastError(handle_), "");
  ASSERT_EQ(forward(&desc), LINACT_STATUS_SUCCESS) << linactGetLastError(handle_);
  EXPECT_STREQ(linactGetLastError(handle_), "");
}

// The activations' special values (kinks, denormals, infinities, NaN, sigmoid's extremes) pass
// through a whole layer with w = [[1]], b = [0] unchanged: y = act(x), dx = act'(x) dy,
// dw = act'(x) dy x, db = act'(x) dy, compared with the functors evaluated on the host.
using LinearSpecialValues = HandleTest;

TEST_F(LinearSpecialValues, HoldThroughForwardAndBackward) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values = {-1.0f, -0.0f,         0.0f,     1.4e-45f, -1.4e-45f, 1.0f, inf,
                                     -inf,  std::nanf(""), -1662.7f, 3212.5f,  91.39f,    -0.5f};
  for (int a = 0; a < kNumActivations; ++a) {
    const Activation act = static_cast<Activation>(a);
    const float alpha = alpha_for(act);
    // The emulator runs the same libm as the host: exact. A GPU's transcendentals are within a
    // few ulps of it.
    const double rel =
        (act == Activation::kIdentity || act == Activation::kRelu || act == Activation::kLeakyRelu)
            ? 0.0
            : kRelTol;
    for (float v : values) {
      Problem p;
      p.m = 1;
      p.n = 1;
      p.k = 1;
      p.act = act;
      p.alpha = alpha;
      LayerData d(p, 0);
      d.x.at(0, 0) = v;
      d.w.at(0, 0) = 1.0f;
      d.bias.at(0, 0) = 0.0f;
      d.dy.at(0, 0) = 1.0f;

      DeviceCopy xd(d.x), wd(d.w), bd(d.bias), yd(d.y), zd(d.z);
      const linactLinearDesc_t dsc = p.desc();
      ASSERT_EQ(
          linactLinearForward(handle_, &dsc, xd.ptr(), wd.ptr(), bd.ptr(), yd.ptr(), zd.ptr()),
          LINACT_STATUS_SUCCESS);
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      Strided y = d.y;
      y.data = yd.buffer.download();
      // z = x * 1 + 0: -0 becomes +0, which no activation tells apart from -0 in value.
      const float z = v + 0.0f;
      const float want_y = dispatch_activation(
          act, [&](auto c) { return ActivationT<decltype(c)::value>::forward(z, alpha); });
      std::string what = std::string(activation_name(act)) + " y at x = " + std::to_string(v);
      EXPECT_TRUE(all_close(&y.at(0, 0), &want_y, 1, rel, 0, what.c_str()));

      // The backward reads the kernel's own y and z.
      d.y.data = y.data;
      d.z.data = zd.buffer.download();
      Gradients g = Gradients::poisoned(p, true, true, true);
      ASSERT_EQ(run_backward(handle_, d, g, false), LINACT_STATUS_SUCCESS);
      const float saved = saves_preactivation(act, alpha) ? z : want_y;
      const float dz = dispatch_activation(act, [&](auto c) {
        return ActivationT<decltype(c)::value>::backward(1.0f, saved, alpha);
      });
      const float want_dw = dz * v;
      what = std::string(activation_name(act)) + " gradients at x = " + std::to_string(v);
      EXPECT_TRUE(all_close(&g.dx.at(0, 0), &dz, 1, rel, 0, (what + ": dx").c_str()));
      EXPECT_TRUE(all_close(&g.dw.at(0, 0), &want_dw, 1, rel, 0, (what + ": dw").c_str()));
      EXPECT_TRUE(all_close(&g.db.at(0, 0), &dz, 1, rel, 0, (what + ": db").c_str()));
    }
  }
}

}  // namespace
}  // namespace linact::test

namespace linact::test {
namespace {

using LinearStreams = HandleTest;

// A launch the runtime refuses (here: into a stream that no longer exists, which the emulator
// reports as CUDA does for an invalid handle) comes back as EXECUTION_FAILED with CUDA's words.
TEST_F(LinearStreams, FailedLaunchReportsExecutionFailedWithTheCudaError) {
#if !defined(LINACT_EMU)
  GTEST_SKIP() << "a destroyed stream is undefined behaviour on a real GPU";
#else
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_EQ(cudaStreamDestroy(stream), cudaSuccess);
  ASSERT_EQ(linactSetStream(handle_, stream), LINACT_STATUS_SUCCESS);
  DeviceBuffer x(6), w(6), y(4);
  linactLinearDesc_t d = make_desc(2, 2, 3, LINACT_ACT_RELU);
  EXPECT_EQ(linactLinearForward(handle_, &d, x.get(), w.get(), nullptr, y.get(), nullptr),
            LINACT_STATUS_EXECUTION_FAILED);
  const std::string message = linactGetLastError(handle_);
  EXPECT_NE(message.find("launch_linear_forward"), std::string::npos) << message;
  EXPECT_NE(message.find(cudaGetErrorString(cudaErrorInvalidResourceHandle)), std::string::npos)
      << message;
  cudaGetLastError();
#endif
}

// An error left pending by earlier, unrelated CUDA work is not blamed on linact's launch: the
// call refuses to start, says so, and writes nothing; once cleared, calls work again.
TEST_F(LinearStreams, PendingCudaErrorIsReportedBeforeAnyLaunch) {
  // A memset of memory that is not a device allocation fails and leaves the error pending.
  int host_int = 0;
  ASSERT_NE(cudaMemset(&host_int, 0, sizeof(host_int)), cudaSuccess);
  DeviceBuffer x(6), w(6), y(4);
  std::vector<float> before(4), after(4);
  ASSERT_EQ(cudaMemcpy(before.data(), y.get(), 16, cudaMemcpyDeviceToHost), cudaSuccess);
  linactLinearDesc_t d = make_desc(2, 2, 3, LINACT_ACT_RELU);
  EXPECT_EQ(linactLinearForward(handle_, &d, x.get(), w.get(), nullptr, y.get(), nullptr),
            LINACT_STATUS_EXECUTION_FAILED);
  const std::string message = linactGetLastError(handle_);
  EXPECT_NE(message.find("pending"), std::string::npos) << message;
  EXPECT_NE(message.find("nothing was launched"), std::string::npos) << message;
  EXPECT_NE(cudaGetLastError(), cudaSuccess) << "linact must leave the caller's error to read";
  ASSERT_EQ(cudaMemcpy(after.data(), y.get(), 16, cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_TRUE(bitwise_equal(after.data(), before.data(), 4, "y after the refused call"));
  EXPECT_EQ(linactLinearForward(handle_, &d, x.get(), w.get(), nullptr, y.get(), nullptr),
            LINACT_STATUS_SUCCESS)
      << linactGetLastError(handle_);
}

// Forward and backward captured into a CUDA graph and replayed give the same bits as direct
// calls: the calls neither allocate nor synchronize.
TEST_F(LinearStreams, GraphCaptureReplaysBitwiseEqual) {
  Problem p;
  p.m = 33;
  p.n = 20;
  p.k = 17;
  p.act = Activation::kGelu;
  const LayerData d(p, 31);
  DeviceCopy x(d.x), w(d.w), bias(d.bias), dy(d.dy);
  const Strided out_y(p.m, p.n, p.ldy(), 0, poison()), out_z(p.m, p.n, p.n, 0, poison());
  Gradients g = Gradients::poisoned(p, true, true, true);
  const linactLinearDesc_t desc = p.desc();

  struct Outputs {
    DeviceCopy y, z, dx, dw, db;
  };
  auto record = [&](Outputs& o) {
    return linactLinearForward(handle_, &desc, x.ptr(), w.ptr(), bias.ptr(), o.y.ptr(),
                               o.z.ptr()) == LINACT_STATUS_SUCCESS &&
           linactLinearBackward(handle_, &desc, x.ptr(), w.ptr(), o.y.ptr(), o.z.ptr(), dy.ptr(),
                                o.dx.ptr(), o.dw.ptr(), o.db.ptr(), 0) == LINACT_STATUS_SUCCESS;
  };
  Outputs direct{DeviceCopy(out_y), DeviceCopy(out_z), DeviceCopy(g.dx), DeviceCopy(g.dw),
                 DeviceCopy(g.db)};
  Outputs replayed{DeviceCopy(out_y), DeviceCopy(out_z), DeviceCopy(g.dx), DeviceCopy(g.dw),
                   DeviceCopy(g.db)};
  ASSERT_TRUE(record(direct)) << linactGetLastError(handle_);

  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_EQ(linactSetStream(handle_, stream), LINACT_STATUS_SUCCESS);
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), cudaSuccess);
  const bool recorded = record(replayed);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
  ASSERT_TRUE(recorded) << linactGetLastError(handle_);
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);

  const DeviceCopy* pairs[][2] = {{&direct.y, &replayed.y},
                                  {&direct.z, &replayed.z},
                                  {&direct.dx, &replayed.dx},
                                  {&direct.dw, &replayed.dw},
                                  {&direct.db, &replayed.db}};
  const char* names[] = {"y", "z", "dx", "dw", "db"};
  for (int i = 0; i < 5; ++i) {
    const std::vector<float> a = pairs[i][0]->buffer.download();
    const std::vector<float> b = pairs[i][1]->buffer.download();
    EXPECT_TRUE(bitwise_equal(b.data(), a.data(), a.size(), names[i]));
  }
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  ASSERT_EQ(linactSetStream(handle_, nullptr), LINACT_STATUS_SUCCESS);
  cudaStreamDestroy(stream);
}

}  // namespace
}  // namespace linact::test
