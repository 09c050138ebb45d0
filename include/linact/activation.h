// Activation functions of linact: one definition for the CPU reference, the CPU backend, the
// emulator and every CUDA kernel.
//
// Each activation is a functor with
//   forward(z, alpha)          y = act(z)
//   backward(dy, saved, alpha) dz = dy * act'(z), where `saved` is the tensor named by kSaved:
//                              the output y (kOutput) or the pre-activation z (kPreactivation).
// alpha is the LeakyReLU slope and is ignored by the others. All functions are templates on the
// floating type so the reference can run them in double; kernels run them in float.
//
// Semantics follow PyTorch (torch.nn.functional), with these exact rules:
//   * NaN in gives NaN out, for every forward and every backward except where PyTorch selects
//     an exact zero: ReLU's backward is `y <= 0 ? 0 : dy`, so a NaN y passes dy through and a
//     y <= 0 gives +0 even when dy is NaN or infinite (PyTorch's threshold_backward does the same).
//   * ReLU(-0.0) = +0 and ReLU(-inf) = +0. LeakyReLU(z) = z > 0 ? z : z * alpha.
//   * Sigmoid never overflows: it evaluates exp of -|z| only, so sigmoid(-1662.7) = 0 and
//     sigmoid(3212.5) = 1 with no NaN; sigmoid(+-inf) = 1 and 0.
//   * Derivatives from the output: Sigmoid y (1 - y), Tanh 1 - y^2, ReLU and LeakyReLU from the
//     sign of y. For LeakyReLU the sign of y equals the sign of z only while alpha >= 0; with a
//     negative slope a negative z gives a positive y, so the backward must read z instead:
//     saves_preactivation() says so and linactLinearAuxSize() reserves z for it. The formula
//     `saved > 0 ? dy : dy * alpha` is then the same, only the saved tensor differs.
//   * GELU, GELU (tanh) and SiLU differentiate from z. Where the exact function tends to 0
//     (z -> -inf) linact returns +0 instead of PyTorch's NaN from -inf * 0, and the derivatives
//     return their limits at +-inf (GELU' -> 0 and 1, SiLU' -> 0 and 1) instead of NaN.
//   * GELU uses erfc(-z / sqrt 2) / 2 for the normal CDF: the same value as (1 + erf(z / sqrt 2))
//     / 2 in exact arithmetic, without the cancellation of 1 + erf for negative z.
//   * Denormals are computed, not flushed: ReLU'(1.4e-45) = 1. Kernels are built without
//     -ftz and -use_fast_math for this reason.
#ifndef LINACT_ACTIVATION_H_
#define LINACT_ACTIVATION_H_

#include <math.h>

#include <type_traits>
#include <utility>

#if defined(__CUDACC__)
#define LINACT_HD __host__ __device__ __forceinline__
#else
#define LINACT_HD inline
#endif

namespace linact {

// Values equal linactActivation_t in linact.h.
enum class Activation : int {
  kIdentity = 0,
  kRelu = 1,
  kLeakyRelu = 2,
  kSigmoid = 3,
  kTanh = 4,
  kGelu = 5,
  kGeluTanh = 6,
  kSilu = 7,
};
constexpr int kNumActivations = 8;

// Which tensor the backward reads: the forward's output y, or the pre-activation z.
enum class Saved : int { kOutput, kPreactivation };

namespace math {
// Overloads so the functors below run in float (kernels) and double (reference) alike.
LINACT_HD float exp(float x) {
  return ::expf(x);
}
LINACT_HD double exp(double x) {
  return ::exp(x);
}
LINACT_HD float tanh(float x) {
  return ::tanhf(x);
}
LINACT_HD double tanh(double x) {
  return ::tanh(x);
}
LINACT_HD float erfc(float x) {
  return ::erfcf(x);
}
LINACT_HD double erfc(double x) {
  return ::erfc(x);
}
LINACT_HD float fabs(float x) {
  return ::fabsf(x);
}
LINACT_HD double fabs(double x) {
  return ::fabs(x);
}
}  // namespace math

struct Identity {
  static constexpr Saved kSaved = Saved::kOutput;
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    return z;
  }
  template <typename T>
  LINACT_HD static T backward(T dy, T, T) {
    return dy;
  }
};

struct Relu {
  static constexpr Saved kSaved = Saved::kOutput;
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    return (z > T(0) || z != z) ? z : T(0);
  }
  // saved may be y or z: both are <= 0 exactly where the derivative is 0.
  template <typename T>
  LINACT_HD static T backward(T dy, T saved, T) {
    return saved <= T(0) ? T(0) : dy;
  }
};

struct LeakyRelu {
  static constexpr Saved kSaved = Saved::kOutput;  // kPreactivation when alpha < 0
  template <typename T>
  LINACT_HD static T forward(T z, T alpha) {
    return z > T(0) ? z : z * alpha;
  }
  template <typename T>
  LINACT_HD static T backward(T dy, T saved, T alpha) {
    return saved > T(0) ? dy : dy * alpha;
  }
};

struct Sigmoid {
  static constexpr Saved kSaved = Saved::kOutput;
  // exp(-|z|) lies in (0, 1], so neither branch can overflow.
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    const T e = math::exp(-math::fabs(z));
    return z >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
  template <typename T>
  LINACT_HD static T backward(T dy, T y, T) {
    return dy * (y * (T(1) - y));
  }
};

struct Tanh {
  static constexpr Saved kSaved = Saved::kOutput;
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    return math::tanh(z);
  }
  template <typename T>
  LINACT_HD static T backward(T dy, T y, T) {
    return dy * (T(1) - y * y);
  }
};

struct Gelu {
  static constexpr Saved kSaved = Saved::kPreactivation;
  template <typename T>
  LINACT_HD static T cdf(T z) {
    return T(0.5) * math::erfc(z * T(-0.70710678118654752440));
  }
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    const T phi = cdf(z);
    return phi == T(0) ? T(0) : z * phi;
  }
  // d/dz z Phi(z) = Phi(z) + z phi(z); z phi(z) -> 0 at +-inf, where the product is inf * 0.
  template <typename T>
  LINACT_HD static T backward(T dy, T z, T) {
    const T pdf = T(0.39894228040143267794) * math::exp(T(-0.5) * z * z);
    const T z_pdf = pdf == T(0) ? T(0) : z * pdf;
    return dy * (cdf(z) + z_pdf);
  }
};

struct GeluTanh {
  static constexpr Saved kSaved = Saved::kPreactivation;
  static constexpr double kSqrt2OverPi = 0.79788456080286535588;
  static constexpr double kCubic = 0.044715;
  template <typename T>
  LINACT_HD static T inner_tanh(T z) {
    return math::tanh(T(kSqrt2OverPi) * (z + T(kCubic) * z * z * z));
  }
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    const T s = T(1) + inner_tanh(z);
    return s == T(0) ? T(0) : T(0.5) * z * s;
  }
  template <typename T>
  LINACT_HD static T backward(T dy, T z, T) {
    const T t = inner_tanh(z);
    const T sech2 = T(1) - t * t;
    const T slope = sech2 == T(0)
                        ? T(0)
                        : T(0.5) * z * sech2 * T(kSqrt2OverPi) * (T(1) + T(3 * kCubic) * z * z);
    return dy * (T(0.5) * (T(1) + t) + slope);
  }
};

struct Silu {
  static constexpr Saved kSaved = Saved::kPreactivation;
  template <typename T>
  LINACT_HD static T forward(T z, T) {
    const T s = Sigmoid::forward(z, T(0));
    return s == T(0) ? T(0) : z * s;
  }
  // d/dz z s(z) = s (1 + z (1 - s)); the limits at -inf (0) and +inf (1) avoid inf * 0.
  template <typename T>
  LINACT_HD static T backward(T dy, T z, T) {
    const T s = Sigmoid::forward(z, T(0));
    if (s == T(0)) return dy * T(0);
    const T one_minus_s = T(1) - s;
    return dy * (one_minus_s == T(0) ? s : s * (T(1) + z * one_minus_s));
  }
};

template <Activation A>
struct ActivationOf;
template <>
struct ActivationOf<Activation::kIdentity> {
  using type = Identity;
};
template <>
struct ActivationOf<Activation::kRelu> {
  using type = Relu;
};
template <>
struct ActivationOf<Activation::kLeakyRelu> {
  using type = LeakyRelu;
};
template <>
struct ActivationOf<Activation::kSigmoid> {
  using type = Sigmoid;
};
template <>
struct ActivationOf<Activation::kTanh> {
  using type = Tanh;
};
template <>
struct ActivationOf<Activation::kGelu> {
  using type = Gelu;
};
template <>
struct ActivationOf<Activation::kGeluTanh> {
  using type = GeluTanh;
};
template <>
struct ActivationOf<Activation::kSilu> {
  using type = Silu;
};
template <Activation A>
using ActivationT = typename ActivationOf<A>::type;

// True when the backward of `act` must read the pre-activation z rather than the output y.
inline constexpr bool saves_preactivation(Activation act, float alpha) {
  return act == Activation::kGelu || act == Activation::kGeluTanh || act == Activation::kSilu ||
         (act == Activation::kLeakyRelu && !(alpha >= 0.0f));
}

inline constexpr bool is_valid_activation(int act) {
  return act >= 0 && act < kNumActivations;
}

inline const char* activation_name(Activation act) {
  switch (act) {
    case Activation::kIdentity:
      return "identity";
    case Activation::kRelu:
      return "relu";
    case Activation::kLeakyRelu:
      return "leaky_relu";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
    case Activation::kGelu:
      return "gelu";
    case Activation::kGeluTanh:
      return "gelu_tanh";
    case Activation::kSilu:
      return "silu";
  }
  return "invalid";
}

// The one runtime-to-compile-time switch: calls f(std::integral_constant<Activation, A>{}) for
// the activation `act` and returns its result. `act` must be valid (is_valid_activation).
template <typename F>
decltype(auto) dispatch_activation(Activation act, F&& f) {
  using A = Activation;
  switch (act) {
    case A::kRelu:
      return f(std::integral_constant<A, A::kRelu>{});
    case A::kLeakyRelu:
      return f(std::integral_constant<A, A::kLeakyRelu>{});
    case A::kSigmoid:
      return f(std::integral_constant<A, A::kSigmoid>{});
    case A::kTanh:
      return f(std::integral_constant<A, A::kTanh>{});
    case A::kGelu:
      return f(std::integral_constant<A, A::kGelu>{});
    case A::kGeluTanh:
      return f(std::integral_constant<A, A::kGeluTanh>{});
    case A::kSilu:
      return f(std::integral_constant<A, A::kSilu>{});
    case A::kIdentity:
      break;
  }
  return f(std::integral_constant<A, A::kIdentity>{});
}

}  // namespace linact

#endif  // LINACT_ACTIVATION_H_
