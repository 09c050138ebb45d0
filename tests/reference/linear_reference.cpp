// Plain-loop reference; see linear_reference.h for the contract.
#include "linear_reference.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace linact::ref {
namespace {

void check_shape(const LinearShape& s) {
  if (s.batch < 0 || s.in_features < 0 || s.out_features < 0) {
    throw std::invalid_argument("reference: negative dimension");
  }
  if (s.ldx < s.in_features || s.ldw < s.in_features || s.ldy < s.out_features) {
    throw std::invalid_argument("reference: a row stride is smaller than its row (ldx " +
                                std::to_string(s.ldx) + ", ldw " + std::to_string(s.ldw) +
                                ", ldy " + std::to_string(s.ldy) + ")");
  }
}

template <typename T>
void forward_impl(const LinearShape& s, Activation act, double alpha, const T* x, const T* w,
                  const T* bias, T* y, T* z) {
  check_shape(s);
  dispatch_activation(act, [&](auto tag) {
    using Fn = ActivationT<decltype(tag)::value>;
    for (int64_t i = 0; i < s.batch; ++i) {
      for (int64_t j = 0; j < s.out_features; ++j) {
        double acc = bias != nullptr ? double(bias[j]) : 0.0;
        for (int64_t k = 0; k < s.in_features; ++k) {
          acc += double(x[i * s.ldx + k]) * double(w[j * s.ldw + k]);
        }
        if (z != nullptr) z[i * s.out_features + j] = T(acc);
        y[i * s.ldy + j] = T(Fn::forward(acc, alpha));
      }
    }
    return 0;
  });
}

template <typename T>
void backward_impl(const LinearShape& s, Activation act, double alpha, const T* x, const T* w,
                   const T* y, const T* z, const T* dy, T* dx, T* dw, T* db, bool accumulate) {
  check_shape(s);
  const bool from_z = saves_preactivation(act, float(alpha));
  if (from_z && z == nullptr) {
    throw std::invalid_argument(std::string("reference: ") + activation_name(act) +
                                " needs the pre-activation z for its backward");
  }
  const int64_t m = s.batch, n = s.out_features, k_dim = s.in_features;

  std::vector<double> dz(size_t(m * n));
  dispatch_activation(act, [&](auto tag) {
    using Fn = ActivationT<decltype(tag)::value>;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const double saved = from_z ? double(z[i * n + j]) : double(y[i * s.ldy + j]);
        dz[size_t(i * n + j)] = Fn::backward(double(dy[i * s.ldy + j]), saved, alpha);
      }
    }
    return 0;
  });

  if (dx != nullptr) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t k = 0; k < k_dim; ++k) {
        double acc = 0.0;
        for (int64_t j = 0; j < n; ++j)
          acc += dz[size_t(i * n + j)] * double(w[j * s.ldw + k]);
        dx[i * s.ldx + k] = T(acc);
      }
    }
  }
  if (dw != nullptr) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t k = 0; k < k_dim; ++k) {
        double acc = accumulate ? double(dw[j * s.ldw + k]) : 0.0;
        double sum = 0.0;
        for (int64_t i = 0; i < m; ++i)
          sum += dz[size_t(i * n + j)] * double(x[i * s.ldx + k]);
        dw[j * s.ldw + k] = T(acc + sum);
      }
    }
  }
  if (db != nullptr) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t i = 0; i < m; ++i)
        sum += dz[size_t(i * n + j)];
      db[j] = T((accumulate ? double(db[j]) : 0.0) + sum);
    }
  }
}

}  // namespace

LinearShape packed_shape(int64_t batch, int64_t in_features, int64_t out_features) {
  return LinearShape{batch, in_features, out_features, in_features, in_features, out_features};
}

void linear_forward(const LinearShape& shape, Activation act, float alpha, const float* x,
                    const float* w, const float* bias, float* y, float* z) {
  forward_impl(shape, act, double(alpha), x, w, bias, y, z);
}

void linear_forward(const LinearShape& shape, Activation act, double alpha, const double* x,
                    const double* w, const double* bias, double* y, double* z) {
  forward_impl(shape, act, alpha, x, w, bias, y, z);
}

void linear_backward(const LinearShape& shape, Activation act, float alpha, const float* x,
                     const float* w, const float* y, const float* z, const float* dy, float* dx,
                     float* dw, float* db, bool accumulate) {
  backward_impl(shape, act, double(alpha), x, w, y, z, dy, dx, dw, db, accumulate);
}

void linear_backward(const LinearShape& shape, Activation act, double alpha, const double* x,
                     const double* w, const double* y, const double* z, const double* dy,
                     double* dx, double* dw, double* db, bool accumulate) {
  backward_impl(shape, act, alpha, x, w, y, z, dy, dx, dw, db, accumulate);
}

}  // namespace linact::ref
