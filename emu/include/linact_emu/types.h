// CUDA's built-in vector types with their alignments and make_* helpers. Alignment matters: a
// kernel that reinterprets a misaligned pointer as float4 is wrong on a GPU, and under the ASan
// build UBSan reports the misaligned access.
#ifndef LINACT_EMU_TYPES_H_
#define LINACT_EMU_TYPES_H_

#define LINACT_EMU_VEC2(name, T, align)         \
  struct alignas(align) name {                  \
    T x, y;                                     \
  };                                            \
  inline constexpr name make_##name(T x, T y) { \
    return name{x, y};                          \
  }
#define LINACT_EMU_VEC3(name, T)                     \
  struct name {                                      \
    T x, y, z;                                       \
  };                                                 \
  inline constexpr name make_##name(T x, T y, T z) { \
    return name{x, y, z};                            \
  }
#define LINACT_EMU_VEC4(name, T, align)                   \
  struct alignas(align) name {                            \
    T x, y, z, w;                                         \
  };                                                      \
  inline constexpr name make_##name(T x, T y, T z, T w) { \
    return name{x, y, z, w};                              \
  }

LINACT_EMU_VEC2(char2, signed char, 2)
LINACT_EMU_VEC4(char4, signed char, 4)
LINACT_EMU_VEC2(uchar2, unsigned char, 2)
LINACT_EMU_VEC4(uchar4, unsigned char, 4)
LINACT_EMU_VEC2(short2, short, 4)
LINACT_EMU_VEC4(short4, short, 8)
LINACT_EMU_VEC2(ushort2, unsigned short, 4)
LINACT_EMU_VEC4(ushort4, unsigned short, 8)
LINACT_EMU_VEC2(int2, int, 8)
LINACT_EMU_VEC3(int3, int)
LINACT_EMU_VEC4(int4, int, 16)
LINACT_EMU_VEC2(uint2, unsigned int, 8)
LINACT_EMU_VEC3(uint3, unsigned int)
LINACT_EMU_VEC4(uint4, unsigned int, 16)
LINACT_EMU_VEC2(longlong2, long long, 16)
LINACT_EMU_VEC2(ulonglong2, unsigned long long, 16)
LINACT_EMU_VEC2(float2, float, 8)
LINACT_EMU_VEC3(float3, float)
LINACT_EMU_VEC4(float4, float, 16)
LINACT_EMU_VEC2(double2, double, 16)

#undef LINACT_EMU_VEC2
#undef LINACT_EMU_VEC3
#undef LINACT_EMU_VEC4

#endif  // LINACT_EMU_TYPES_H_
