// 16-bit floating point types as cuda_fp16.h and cuda_bf16.h declare them: storage in a 16-bit
// word, conversions from float rounding to nearest even (NaN becomes the canonical 0x7fff, like
// the toolkit), arithmetic through float.
#ifndef LINACT_EMU_HALF_H_
#define LINACT_EMU_HALF_H_

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "linact_emu/types.h"

namespace linact_emu {

inline uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

inline uint16_t float_to_half_bits(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return 0x7fff;
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // |f| >= 65520 rounds to infinity
  if (abs < 0x38800000u) {
    // Below the smallest normal half: a multiple of 2^-24, rounded to nearest even by rint.
    const float scaled = bits_float(abs) * 16777216.0f;
    return sign | static_cast<uint16_t>(rintf(scaled));
  }
  const uint32_t exp = (abs >> 23) - 127 + 15;
  const uint32_t mant = abs & 0x7fffffu;
  uint32_t h = (exp << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return sign | static_cast<uint16_t>(h);
}

inline float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = static_cast<float>(mant) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  if (exp == 31) return bits_float(sign | 0x7f800000u | (mant << 13));
  return bits_float(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

inline uint16_t float_to_bf16_bits(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fff;
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

inline float bf16_bits_to_float(uint16_t b) {
  return bits_float(static_cast<uint32_t>(b) << 16);
}

}  // namespace linact_emu

struct __half_raw {
  unsigned short x;
};
struct __nv_bfloat16_raw {
  unsigned short x;
};

struct alignas(2) __half {
  unsigned short __x;
  __half() = default;
  __half(float f) : __x(::linact_emu::float_to_half_bits(f)) {}
  __half(double f) : __half(static_cast<float>(f)) {}
  __half(int i) : __half(static_cast<float>(i)) {}
  __half(__half_raw r) : __x(r.x) {}
  operator float() const { return ::linact_emu::half_bits_to_float(__x); }
  operator __half_raw() const { return __half_raw{__x}; }
};

struct alignas(2) __nv_bfloat16 {
  unsigned short __x;
  __nv_bfloat16() = default;
  __nv_bfloat16(float f) : __x(::linact_emu::float_to_bf16_bits(f)) {}
  __nv_bfloat16(double f) : __nv_bfloat16(static_cast<float>(f)) {}
  __nv_bfloat16(int i) : __nv_bfloat16(static_cast<float>(i)) {}
  __nv_bfloat16(__nv_bfloat16_raw r) : __x(r.x) {}
  operator float() const { return ::linact_emu::bf16_bits_to_float(__x); }
  operator __nv_bfloat16_raw() const { return __nv_bfloat16_raw{__x}; }
};

struct alignas(4) __half2 {
  __half x, y;
};
struct alignas(4) __nv_bfloat162 {
  __nv_bfloat16 x, y;
};

using half = __half;
using half2 = __half2;

#define LINACT_EMU_HALF_OPS(T)                               \
  inline T operator+(T a, T b) {                             \
    return T(static_cast<float>(a) + static_cast<float>(b)); \
  }                                                          \
  inline T operator-(T a, T b) {                             \
    return T(static_cast<float>(a) - static_cast<float>(b)); \
  }                                                          \
  inline T operator*(T a, T b) {                             \
    return T(static_cast<float>(a) * static_cast<float>(b)); \
  }                                                          \
  inline T operator/(T a, T b) {                             \
    return T(static_cast<float>(a) / static_cast<float>(b)); \
  }                                                          \
  inline T operator-(T a) {                                  \
    T r = a;                                                 \
    r.__x ^= 0x8000u;                                        \
    return r;                                                \
  }                                                          \
  inline T& operator+=(T& a, T b) {                          \
    return a = a + b;                                        \
  }                                                          \
  inline T& operator-=(T& a, T b) {                          \
    return a = a - b;                                        \
  }                                                          \
  inline T& operator*=(T& a, T b) {                          \
    return a = a * b;                                        \
  }                                                          \
  inline bool operator==(T a, T b) {                         \
    return static_cast<float>(a) == static_cast<float>(b);   \
  }                                                          \
  inline bool operator!=(T a, T b) {                         \
    return static_cast<float>(a) != static_cast<float>(b);   \
  }                                                          \
  inline bool operator<(T a, T b) {                          \
    return static_cast<float>(a) < static_cast<float>(b);    \
  }                                                          \
  inline bool operator>(T a, T b) {                          \
    return static_cast<float>(a) > static_cast<float>(b);    \
  }                                                          \
  inline bool operator<=(T a, T b) {                         \
    return static_cast<float>(a) <= static_cast<float>(b);   \
  }                                                          \
  inline bool operator>=(T a, T b) {                         \
    return static_cast<float>(a) >= static_cast<float>(b);   \
  }
LINACT_EMU_HALF_OPS(__half)
LINACT_EMU_HALF_OPS(__nv_bfloat16)
#undef LINACT_EMU_HALF_OPS

inline __half __float2half(float f) {
  return __half(f);
}
inline __half __float2half_rn(float f) {
  return __half(f);
}
inline float __half2float(__half h) {
  return static_cast<float>(h);
}
inline __half2 __floats2half2_rn(float a, float b) {
  return __half2{__half(a), __half(b)};
}
inline __half2 __float2half2_rn(float a) {
  return __half2{__half(a), __half(a)};
}
inline __half2 __halves2half2(__half a, __half b) {
  return __half2{a, b};
}
inline float2 __half22float2(__half2 h) {
  return float2{float(h.x), float(h.y)};
}
inline __half __low2half(__half2 h) {
  return h.x;
}
inline __half __high2half(__half2 h) {
  return h.y;
}
inline float __low2float(__half2 h) {
  return float(h.x);
}
inline float __high2float(__half2 h) {
  return float(h.y);
}
inline unsigned short __half_as_ushort(__half h) {
  return h.__x;
}
inline __half __ushort_as_half(unsigned short u) {
  return __half(__half_raw{u});
}
inline __half __hadd(__half a, __half b) {
  return a + b;
}
inline __half __hsub(__half a, __half b) {
  return a - b;
}
inline __half __hmul(__half a, __half b) {
  return a * b;
}
inline __half __hneg(__half a) {
  return -a;
}
inline bool __hisnan(__half a) {
  return (a.__x & 0x7fffu) > 0x7c00u;
}

inline __nv_bfloat16 __float2bfloat16(float f) {
  return __nv_bfloat16(f);
}
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
  return __nv_bfloat16(f);
}
inline float __bfloat162float(__nv_bfloat16 b) {
  return static_cast<float>(b);
}
inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) {
  return __nv_bfloat162{__nv_bfloat16(a), __nv_bfloat16(b)};
}
inline __nv_bfloat162 __float2bfloat162_rn(float a) {
  return __nv_bfloat162{__nv_bfloat16(a), __nv_bfloat16(a)};
}
inline __nv_bfloat162 __halves2bfloat162(__nv_bfloat16 a, __nv_bfloat16 b) {
  return __nv_bfloat162{a, b};
}
inline float2 __bfloat1622float2(__nv_bfloat162 b) {
  return float2{float(b.x), float(b.y)};
}
inline __nv_bfloat16 __low2bfloat16(__nv_bfloat162 b) {
  return b.x;
}
inline __nv_bfloat16 __high2bfloat16(__nv_bfloat162 b) {
  return b.y;
}
inline float __low2float(__nv_bfloat162 b) {
  return float(b.x);
}
inline float __high2float(__nv_bfloat162 b) {
  return float(b.y);
}
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 b) {
  return b.__x;
}
inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short u) {
  return __nv_bfloat16(__nv_bfloat16_raw{u});
}
inline __nv_bfloat16 __hadd(__nv_bfloat16 a, __nv_bfloat16 b) {
  return a + b;
}
inline __nv_bfloat16 __hsub(__nv_bfloat16 a, __nv_bfloat16 b) {
  return a - b;
}
inline __nv_bfloat16 __hmul(__nv_bfloat16 a, __nv_bfloat16 b) {
  return a * b;
}
inline __nv_bfloat16 __hneg(__nv_bfloat16 a) {
  return -a;
}
inline bool __hisnan(__nv_bfloat16 a) {
  return (a.__x & 0x7fffu) > 0x7f80u;
}

#endif  // LINACT_EMU_HALF_H_
