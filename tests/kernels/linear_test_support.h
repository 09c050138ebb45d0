// Shared pieces of the Linear kernel tests: device buffers, strided host tensors whose padding
// and spare rows are poisoned, the layer problem and its CPU reference, and the tolerance.
#ifndef LINACT_TESTS_KERNELS_LINEAR_TEST_SUPPORT_H_
#define LINACT_TESTS_KERNELS_LINEAR_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>

#include "common/compare.h"
#include "linact/activation.h"
#include "linact/linact.h"
#include "linear_reference.h"

namespace linact::test {

// fp32 tolerance, stated once: the kernels accumulate a length-R dot product in float (FFMA, so
// only the additions round, each by at most u = 2^-24, about 6e-8, of its partial sum), the
// reference in double. In the worst case (all roundings one way) the error is about R u times
// the sum of |terms|, about R^2 u / 4 for the tests' data: 0.03 at R = 1413, no useful bound.
// The bound used is the random-sign one: the tests' terms are independent, zero-mean products of
// uniform [-1, 1] values (standard deviation 1/3), so partial sum j is about sqrt(j) / 3 and the
// R roundings add like a random walk, to about sqrt(R) u times the typical partial sum:
// u R / sqrt(18), about 1.4e-8 R; 6 sigma (8.4e-8 R) bounds every element the tests compare.
// The absolute tolerance 1e-5 sqrt(R) covers that up to R of about 14000; the longest reduction
// tested is 1536 (tile_problems), where 1e-5 sqrt(R) = 3.9e-4 against 6 sigma = 1.3e-4. Splitting
// the reduction among thread groups only shortens each chain. The relative tolerance 1e-5 covers
// large values and the activations' own float error (a few ulps).
constexpr double kRelTol = 1e-5;
inline double abs_tol(int64_t reduction) {
  return 1e-5 * std::sqrt(static_cast<double>(reduction > 1 ? reduction : 1));
}

// A quiet NaN with a payload no computation produces: memory that must stay untouched holds it.
inline float poison() {
  const uint32_t bits = 0x7fc0feedu;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline bool is_poison(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits == 0x7fc0feedu;
}

#define LINACT_TEST_CUDA(expr)                                                 \
  do {                                                                         \
    const cudaError_t err_ = (expr);                                           \
    ASSERT_EQ(err_, cudaSuccess) << #expr << ": " << cudaGetErrorString(err_); \
  } while (0)

// A device allocation of `count` floats.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t count) : count_(count) {
    if (count_ == 0) return;
    const cudaError_t err = cudaMalloc(reinterpret_cast<void**>(&ptr_), count_ * sizeof(float));
    if (err != cudaSuccess) {
      ptr_ = nullptr;
      ADD_FAILURE() << "cudaMalloc of " << count_ << " floats: " << cudaGetErrorString(err);
    }
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  float* get() const { return ptr_; }
  size_t size() const { return count_; }

  void upload(const std::vector<float>& host) {
    ASSERT_EQ(host.size(), count_);
    if (count_ > 0) {
      LINACT_TEST_CUDA(
          cudaMemcpy(ptr_, host.data(), count_ * sizeof(float), cudaMemcpyHostToDevice));
    }
  }
  std::vector<float> download() const {
    std::vector<float> host(count_);
    if (count_ > 0) {
      EXPECT_EQ(cudaMemcpy(host.data(), ptr_, count_ * sizeof(float), cudaMemcpyDeviceToHost),
                cudaSuccess);
    }
    return host;
  }

 private:
  float* ptr_ = nullptr;
  size_t count_;
};

// A rows x cols matrix with row stride ld, placed `offset` floats into its buffer, followed by
// kSpareRows further rows. Everything outside the matrix (row padding, spare rows, the offset)
// is filled with `fill` so a test can show it was neither read (NaN inputs) nor written.
struct Strided {
  static constexpr int64_t kSpareRows = 2;
  int64_t rows = 0, cols = 0, ld = 0;
  int64_t offset = 0;
  std::vector<float> data;

  Strided() = default;
  Strided(int64_t r, int64_t c, int64_t l, int64_t off, float fill)
      : rows(r),
        cols(c),
        ld(l),
        offset(off),
        data(static_cast<size_t>(off + (r + kSpareRows) * l + 1), fill) {}

  float& at(int64_t r, int64_t c) { return data[static_cast<size_t>(offset + r * ld + c)]; }
  float at(int64_t r, int64_t c) const { return data[static_cast<size_t>(offset + r * ld + c)]; }
  bool inside(size_t i) const {
    const int64_t e = static_cast<int64_t>(i) - offset;
    if (ld == 0) return false;
    return e >= 0 && e / ld < rows && e % ld < cols;
  }
  // The matrix itself, packed.
  std::vector<float> packed() const {
    std::vector<float> out(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c)
        out[static_cast<size_t>(r * cols + c)] = at(r, c);
    }
    return out;
  }
};

inline void fill_uniform(Strided& t, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t r = 0; r < t.rows; ++r) {
    for (int64_t c = 0; c < t.cols; ++c)
      t.at(r, c) = dist(rng);
  }
}

// Every element outside the matrix still holds the poison.
inline ::testing::AssertionResult outside_untouched(const std::vector<float>& got,
                                                    const Strided& layout, const char* what) {
  for (size_t i = 0; i < got.size(); ++i) {
    if (!layout.inside(i) && !is_poison(got[i])) {
      return ::testing::AssertionFailure()
             << what << ": element " << i << " outside the matrix (offset " << layout.offset << ", "
             << layout.rows << " x " << layout.cols << ", ld " << layout.ld
             << ") was written: " << got[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// The matrix part of a downloaded buffer, packed.
inline std::vector<float> matrix_of(const std::vector<float>& got, const Strided& layout) {
  Strided t = layout;
  t.data = got;
  return t.packed();
}

// One Linear problem: shape, strides (0 = packed in the descriptor), activation, and the
// offsets (in floats) at which every tensor starts inside its buffer.
struct Problem {
  int64_t m = 1, n = 1, k = 1;
  int64_t pad_x = 0, pad_w = 0, pad_y = 0;  // leading dimension minus row length
  Activation act = Activation::kIdentity;
  float alpha = 0.0f;
  bool bias = true;
  int64_t offset = 0;

  int64_t ldx() const { return k + pad_x; }
  int64_t ldw() const { return k + pad_w; }
  int64_t ldy() const { return n + pad_y; }
  linactLinearDesc_t desc() const {
    linactLinearDesc_t d{};
    d.m = m;
    d.n = n;
    d.k = k;
    d.ldx = pad_x == 0 ? 0 : ldx();
    d.ldw = pad_w == 0 ? 0 : ldw();
    d.ldy = pad_y == 0 ? 0 : ldy();
    d.dtype = LINACT_F32;
    d.activation = static_cast<linactActivation_t>(act);
    d.alpha = alpha;
    return d;
  }
  ref::LinearShape shape() const {
    ref::LinearShape s;
    s.batch = m;
    s.in_features = k;
    s.out_features = n;
    s.ldx = ldx();
    s.ldw = ldw();
    s.ldy = ldy();
    return s;
  }
  std::string name() const {
    std::ostringstream s;
    s << activation_name(act) << "_m" << m << "_n" << n << "_k" << k;
    if (pad_x || pad_w || pad_y) s << "_pad" << pad_x << "_" << pad_w << "_" << pad_y;
    if (offset) s << "_off" << offset;
    if (!bias) s << "_nobias";
    if (act == Activation::kLeakyRelu) s << (alpha < 0 ? "_neg" : "_") << "alpha";
    return s.str();
  }
};

// The inputs of one layer: x, w, bias and dy random in [-1, 1]; y and z from the reference
// forward (rounded to float), so the kernels' backward and the reference backward read the same
// saved tensors. NaN fills everything outside the matrices: a kernel reading there shows.
struct LayerData {
  Problem p;
  Strided x, w, bias, y, z, dy;

  LayerData(const Problem& problem, uint32_t seed) : p(problem) {
    const float nan = std::nanf("");
    std::mt19937 rng(seed);
    x = Strided(p.m, p.k, p.ldx(), p.offset, nan);
    w = Strided(p.n, p.k, p.ldw(), p.offset, nan);
    bias = Strided(1, p.n, p.n, p.offset, nan);
    y = Strided(p.m, p.n, p.ldy(), p.offset, nan);
    z = Strided(p.m, p.n, p.n, p.offset, nan);
    dy = Strided(p.m, p.n, p.ldy(), p.offset, nan);
    fill_uniform(x, rng);
    fill_uniform(w, rng);
    fill_uniform(bias, rng);
    fill_uniform(dy, rng);
    ref::linear_forward(p.shape(), p.act, p.alpha, x.data.data() + x.offset,
                        w.data.data() + w.offset, p.bias ? bias.data.data() + bias.offset : nullptr,
                        y.data.data() + y.offset, z.data.data() + z.offset);
  }
  bool saves_z() const { return saves_preactivation(p.act, p.alpha); }
};

// A tensor on the device laid out as its host Strided.
struct DeviceCopy {
  DeviceBuffer buffer;
  int64_t offset;
  explicit DeviceCopy(const Strided& t) : buffer(t.data.size()), offset(t.offset) {
    buffer.upload(t.data);
  }
  float* ptr() const { return buffer.get() + offset; }
};

// Backward outputs, each either absent or a Strided holding the initial contents (the poison,
// or values to accumulate onto).
struct Gradients {
  bool has_dx = false, has_dw = false, has_db = false;
  Strided dx, dw, db;

  static Gradients poisoned(const Problem& p, bool dx, bool dw, bool db) {
    Gradients g;
    g.has_dx = dx;
    g.has_dw = dw;
    g.has_db = db;
    g.dx = Strided(p.m, p.k, p.ldx(), p.offset, poison());
    g.dw = Strided(p.n, p.k, p.ldw(), p.offset, poison());
    g.db = Strided(1, p.n, p.n, p.offset, poison());
    return g;
  }
};

// linactLinearBackward on the device copies of `d`; the outputs are downloaded into `g`.
inline linactStatus_t run_backward(linactHandle_t h, const LayerData& d, Gradients& g,
                                   bool accumulate) {
  DeviceCopy x(d.x), w(d.w), y(d.y), z(d.z), dy(d.dy), dx(g.dx), dw(g.dw), db(g.db);
  const linactLinearDesc_t desc = d.p.desc();
  const linactStatus_t s =
      linactLinearBackward(h, &desc, x.ptr(), w.ptr(), y.ptr(), d.saves_z() ? z.ptr() : nullptr,
                           dy.ptr(), g.has_dx ? dx.ptr() : nullptr, g.has_dw ? dw.ptr() : nullptr,
                           g.has_db ? db.ptr() : nullptr, accumulate ? 1 : 0);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  g.dx.data = dx.buffer.download();
  g.dw.data = dw.buffer.download();
  g.db.data = db.buffer.download();
  return s;
}

// The reference backward of `d` on the host copies in `g` (same initial contents).
inline void reference_backward(const LayerData& d, Gradients& g, bool accumulate) {
  ref::linear_backward(d.p.shape(), d.p.act, d.p.alpha, d.x.data.data() + d.x.offset,
                       d.w.data.data() + d.w.offset, d.y.data.data() + d.y.offset,
                       d.z.data.data() + d.z.offset, d.dy.data.data() + d.dy.offset,
                       g.has_dx ? g.dx.data.data() + g.dx.offset : nullptr,
                       g.has_dw ? g.dw.data.data() + g.dw.offset : nullptr,
                       g.has_db ? g.db.data.data() + g.db.offset : nullptr, accumulate);
}

// Matrix part within tolerance of the reference, and everything around it untouched.
inline ::testing::AssertionResult matches(const Strided& got, const Strided& want,
                                          int64_t reduction, const char* what) {
  const std::vector<float> a = got.packed();
  const std::vector<float> e = want.packed();
  ::testing::AssertionResult close =
      all_close(a.data(), e.data(), a.size(), kRelTol, abs_tol(reduction), what);
  if (!close) return close;
  return outside_untouched(got.data, got, what);
}

// One handle per test.
class HandleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(linactCreate(&handle_), LINACT_STATUS_SUCCESS); }
  void TearDown() override { linactDestroy(handle_); }
  linactHandle_t handle_ = nullptr;
};

template <typename Param>
class HandleTestWithParam : public HandleTest, public ::testing::WithParamInterface<Param> {};

// The usual slope for LeakyReLU; other activations ignore alpha.
constexpr float kLeakySlope = 0.2f;

// The shape grid: every activation with every batch in kBatches and every out_features and
// in_features in kFeatures.
inline const std::vector<int64_t> kBatches = {1, 16, 96, 127, 129, 257};
inline const std::vector<int64_t> kFeatures = {1, 3, 100, 128, 784};

inline float alpha_for(Activation act) {
  return act == Activation::kLeakyRelu ? kLeakySlope : 0.0f;
}

inline std::vector<Problem> grid_problems() {
  std::vector<Problem> out;
  for (int a = 0; a < kNumActivations; ++a) {
    for (int64_t m : kBatches) {
      for (int64_t n : kFeatures) {
        for (int64_t k : kFeatures) {
          Problem p;
          p.m = m;
          p.n = n;
          p.k = k;
          p.act = static_cast<Activation>(a);
          p.alpha = alpha_for(p.act);
          out.push_back(p);
        }
      }
    }
  }
  return out;
}

// The GAN's layers (generator 100-128-256-512-784, discriminator 784-512-256-128-1) at batch 64,
// each with every activation.
inline std::vector<Problem> gan_problems() {
  const int64_t widths[][2] = {{100, 128}, {128, 256}, {256, 512}, {512, 784},
                               {784, 512}, {512, 256}, {256, 128}, {128, 1}};
  std::vector<Problem> out;
  for (const auto& layer : widths) {
    for (int a = 0; a < kNumActivations; ++a) {
      Problem p;
      p.m = 64;
      p.k = layer[0];
      p.n = layer[1];
      p.act = static_cast<Activation>(a);
      p.alpha = alpha_for(p.act);
      out.push_back(p);
    }
  }
  return out;
}

// Shapes that give one of the three products (y [m, n], dx [m, k], dw [n, k]) at least 132
// tiles of 128 x 128 (the large configuration) or of 64 x 64 (the medium one), with a short
// reduction so they stay cheap on the emulator; odd leading dimensions throughout.
inline std::vector<Problem> tile_problems() {
  const int64_t shapes[][3] = {{1536, 1408, 9}, {1536, 9, 1408}, {5, 1536, 1408},
                               {768, 704, 5},   {768, 5, 704},   {5, 768, 704}};
  std::vector<Problem> out;
  int turn = 3;
  for (const auto& s : shapes) {
    Problem p;
    p.m = s[0];
    p.n = s[1];
    p.k = s[2];
    p.pad_x = 1;
    p.pad_w = 2;
    p.pad_y = 3;
    p.act = static_cast<Activation>(turn++ % kNumActivations);
    p.alpha = alpha_for(p.act);
    out.push_back(p);
  }
  return out;
}

// The product a kernel computes, as tile_gemm.cuh names its output C [P, Q] and reduction R:
// the forward y [m, n] over k, dx [m, k] over n, dw [n, k] over m.
enum class Product { kForward, kBackwardData, kBackwardWeight };

// Shapes on the float4 paths: offset 0 and every leading dimension a multiple of 4, so every row
// starts 16-byte aligned, and the short dimension 9 or 5 (stride 12 or 8) or a long one of the
// form 4t + 1 leaves a scalar tail after the last float4. For `product`, one shape per tile
// configuration, each with the fewest tiles that makes the launcher pick it (a configuration is
// taken from 132 tiles up, largest tile first, tile_gemm.cuh):
//   Large  12 x 11 tiles of 128 x 128 (132), partial in both directions;
//   Medium 12 x 11 tiles of 64 x 64 (132; 6 x 6 = 36 tiles of 128);
//   Small  2 x 2 tiles of 32 x 32.
// The reduction is short (a partial step in every configuration), so each costs one or two
// steps on the emulator. The activations read z where they can use float4 loads of it (n a
// multiple of 4, since z is packed): GELU, SiLU and LeakyReLU with a negative slope; the others
// read y with stride ldy. The dw shapes include a packed, aligned dw (the float4 accumulate).
inline std::vector<Problem> vector_problems(Product product) {
  struct Probe {
    int64_t m, n, k;
    int64_t pad_x, pad_w, pad_y;
    Activation act;
    float alpha;
  };
  std::vector<Probe> probes;
  if (product == Product::kForward) {
    // z is written with stride n: 1289 and 37 take scalar stores, 644 and 36 float4 ones.
    probes = {{1413, 1289, 9, 3, 3, 3, Activation::kGelu, 0.0f},
              {709, 644, 5, 3, 3, 4, Activation::kSilu, 0.0f},
              {37, 36, 9, 3, 3, 4, Activation::kLeakyRelu, -0.3f}};
  } else if (product == Product::kBackwardData) {
    // dz is loaded along n, w and dx along k.
    probes = {{1413, 12, 1289, 3, 3, 0, Activation::kGelu, 0.0f},
              {709, 8, 645, 3, 3, 0, Activation::kSilu, 0.0f},
              {37, 9, 33, 3, 3, 3, Activation::kTanh, 0.0f}};
  } else {
    // dz is loaded along n, x and dw along k; the medium shape's dw is packed.
    probes = {{9, 1412, 1289, 3, 3, 0, Activation::kLeakyRelu, -0.3f},
              {5, 708, 644, 0, 0, 0, Activation::kGelu, 0.0f},
              {9, 36, 33, 3, 3, 4, Activation::kSigmoid, 0.0f}};
  }
  std::vector<Problem> out;
  for (const Probe& s : probes) {
    Problem p;
    p.m = s.m;
    p.n = s.n;
    p.k = s.k;
    p.pad_x = s.pad_x;
    p.pad_w = s.pad_w;
    p.pad_y = s.pad_y;
    p.act = s.act;
    p.alpha = s.alpha;
    out.push_back(p);
  }
  return out;
}

// Odd leading dimensions, offset pointers, no bias and a negative LeakyReLU slope (which makes
// the backward read z).
inline std::vector<Problem> layout_problems() {
  std::vector<Problem> out;
  const int64_t shapes[][3] = {{37, 45, 29}, {129, 100, 128}, {257, 130, 100}};
  int turn = 0;
  for (const auto& s : shapes) {
    for (int variant = 0; variant < 4; ++variant) {
      Problem p;
      p.m = s[0];
      p.n = s[1];
      p.k = s[2];
      p.act = static_cast<Activation>(turn++ % kNumActivations);
      p.alpha = alpha_for(p.act);
      if (variant == 0) {
        p.pad_x = 3;
        p.pad_w = 1;
        p.pad_y = 5;
      } else if (variant == 1) {
        p.offset = 1;
      } else if (variant == 2) {
        p.pad_x = 1;
        p.pad_y = 2;
        p.offset = 3;
        p.bias = false;
      } else {
        p.act = Activation::kLeakyRelu;
        p.alpha = -0.3f;
        p.pad_w = 7;
        p.offset = 2;
      }
      out.push_back(p);
    }
  }
  return out;
}

inline std::string problem_name(const ::testing::TestParamInfo<Problem>& info) {
  return info.param.name();
}

}  // namespace linact::test

#endif  // LINACT_TESTS_KERNELS_LINEAR_TEST_SUPPORT_H_
