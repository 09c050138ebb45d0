#include "cpu/linear.h"

#include <cblas.h>

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace linact::host::cpu {
namespace {

// Elementwise passes below this many outputs run on one thread: forking costs more than it saves.
constexpr int64_t kParallelElements = 1 << 14;

template <typename Act>
void bias_activation_pass(const LinearShape& s, const float* b, float* y, float* z) {
  const int64_t rows = s.batch;
  const int64_t cols = s.out_features;
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelElements)
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * cols;
    float* zr = z != nullptr ? z + r * cols : nullptr;
    for (int64_t c = 0; c < cols; ++c) {
      const float pre = yr[c] + (b != nullptr ? b[c] : 0.0f);
      if (zr != nullptr) zr[c] = pre;
      yr[c] = Act::forward(pre, s.alpha);
    }
  }
}

// dz = act'(dy) in place and db = column sums of dz, in one pass. Threads own column ranges and
// walk all rows, so each db[c] is summed in row order whatever the thread count.
template <typename Act>
void activation_grad_pass(const LinearShape& s, const float* saved, float* dy, float* db) {
  const int64_t rows = s.batch;
  const int64_t cols = s.out_features;
#pragma omp parallel if (rows * cols >= kParallelElements)
  {
    int64_t begin = 0;
    int64_t end = cols;
#ifdef _OPENMP
    const int64_t threads = omp_get_num_threads();
    const int64_t chunk = (cols + threads - 1) / threads;
    begin = std::min(cols, chunk * omp_get_thread_num());
    end = std::min(cols, begin + chunk);
#endif
    if (db != nullptr) std::fill(db + begin, db + end, 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      float* dr = dy + r * cols;
      const float* sr = saved + r * cols;
      for (int64_t c = begin; c < end; ++c) {
        const float g = Act::backward(dr[c], sr[c], s.alpha);
        dr[c] = g;
        if (db != nullptr) db[c] += g;
      }
    }
  }
}

}  // namespace

void linear_forward(const LinearShape& s, const float* x, const float* w, const float* b, float* y,
                    float* z) {
  const int m = static_cast<int>(s.batch);
  const int n = static_cast<int>(s.out_features);
  const int k = static_cast<int>(s.in_features);
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, k, w, k, 0.0f, y, n);
  float* z_out = saves_preactivation(s.activation, s.alpha) ? z : nullptr;
  dispatch_activation(s.activation, [&](auto act) {
    bias_activation_pass<ActivationT<decltype(act)::value>>(s, b, y, z_out);
  });
}

void linear_backward(const LinearShape& s, const float* x, const float* w, const float* y,
                     const float* z, float* dy, float* dx, float* dw, float* db) {
  const int m = static_cast<int>(s.batch);
  const int n = static_cast<int>(s.out_features);
  const int k = static_cast<int>(s.in_features);
  const float* saved = saves_preactivation(s.activation, s.alpha) ? z : y;
  dispatch_activation(s.activation, [&](auto act) {
    activation_grad_pass<ActivationT<decltype(act)::value>>(s, saved, dy, db);
  });
  if (dx != nullptr) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, k, n, 1.0f, dy, n, w, k, 0.0f, dx, k);
  }
  if (dw != nullptr) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, m, 1.0f, dy, n, x, k, 0.0f, dw, k);
  }
}

}  // namespace linact::host::cpu
