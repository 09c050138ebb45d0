// The device side of CUDA under g++: qualifiers, built-in variables, barriers, warp collectives,
// atomics and the math intrinsics linact's kernels use. Synchronising calls take the caller's
// file and line (through __builtin_FILE / __builtin_LINE default arguments), so every error the
// scheduler raises names the kernel source line.
#ifndef LINACT_EMU_DEVICE_H_
#define LINACT_EMU_DEVICE_H_

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <type_traits>

#include "linact_emu/state.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __constant__
#define __managed__
#if defined(LINACT_EMU_SANITIZE)
// ASan does not instrument thread_local storage; plain statics are instrumented, and the
// sanitizer build runs one block at a time, so one copy is still one copy per running block.
#define __shared__ static
#else
// One copy per worker thread; a worker runs one block at a time, so one copy per running block.
#define __shared__ static thread_local
#endif

#define threadIdx (::linact_emu::detail::g_thread->thread_idx)
#define blockIdx (::linact_emu::detail::g_block->block_idx)
#define blockDim (::linact_emu::detail::g_block->block_dim)
#define gridDim (::linact_emu::detail::g_block->grid_dim)
static constexpr int warpSize = 32;

namespace linact_emu {

enum class WarpOp : uint8_t {
  kSyncwarp,
  kShflIdx,
  kShflUp,
  kShflDown,
  kShflXor,
  kBallot,
  kAny,
  kAll,
  kLdmatrix,
  kMma,
};

void syncthreads(const char* file, int line);
int syncthreads_reduce(int op, int predicate, const char* file, int line);
// One warp collective: `value` is this lane's operand, `arg` the lane/delta/xor mask.
uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width,
                         const char* file, int line);
unsigned active_mask();

template <class T>
inline uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value,
                "warp shuffles move values of at most 8 bytes");
  uint64_t bits = 0;
  memcpy(&bits, &v, sizeof(T));
  return bits;
}
template <class T>
inline T from_bits(uint64_t bits) {
  T v;
  memcpy(&v, &bits, sizeof(T));
  return v;
}

}  // namespace linact_emu

#define LINACT_EMU_SITE const char *file = __builtin_FILE(), int line = __builtin_LINE()

inline void __syncthreads(LINACT_EMU_SITE) {
  ::linact_emu::syncthreads(file, line);
}
inline int __syncthreads_count(int predicate, LINACT_EMU_SITE) {
  return ::linact_emu::syncthreads_reduce(0, predicate, file, line);
}
inline int __syncthreads_and(int predicate, LINACT_EMU_SITE) {
  return ::linact_emu::syncthreads_reduce(1, predicate, file, line);
}
inline int __syncthreads_or(int predicate, LINACT_EMU_SITE) {
  return ::linact_emu::syncthreads_reduce(2, predicate, file, line);
}
inline void __syncwarp(unsigned mask = 0xffffffffu, LINACT_EMU_SITE) {
  ::linact_emu::warp_collective(::linact_emu::WarpOp::kSyncwarp, mask, 0, 0, 32, file, line);
}

template <class T>
inline T __shfl_sync(unsigned mask, T var, int src_lane, int width = warpSize, LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return from_bits<T>(
      warp_collective(WarpOp::kShflIdx, mask, to_bits(var), src_lane, width, file, line));
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize,
                        LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return from_bits<T>(warp_collective(WarpOp::kShflUp, mask, to_bits(var), static_cast<int>(delta),
                                      width, file, line));
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize,
                          LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return from_bits<T>(warp_collective(WarpOp::kShflDown, mask, to_bits(var),
                                      static_cast<int>(delta), width, file, line));
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize,
                         LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return from_bits<T>(
      warp_collective(WarpOp::kShflXor, mask, to_bits(var), lane_mask, width, file, line));
}
inline unsigned __ballot_sync(unsigned mask, int predicate, LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return static_cast<unsigned>(
      warp_collective(WarpOp::kBallot, mask, predicate != 0, 0, 32, file, line));
}
inline int __any_sync(unsigned mask, int predicate, LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return static_cast<int>(warp_collective(WarpOp::kAny, mask, predicate != 0, 0, 32, file, line));
}
inline int __all_sync(unsigned mask, int predicate, LINACT_EMU_SITE) {
  using namespace ::linact_emu;
  return static_cast<int>(warp_collective(WarpOp::kAll, mask, predicate != 0, 0, 32, file, line));
}
// Lanes of the caller's warp that have not exited. The emulator cannot know which lanes a GPU
// would have converged at this point; code that needs a mask should compute it with a ballot.
inline unsigned __activemask() {
  return ::linact_emu::active_mask();
}

#undef LINACT_EMU_SITE

inline void __threadfence() {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
inline void __threadfence_block() {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

// Atomics. Blocks run in parallel on worker threads, so these are real atomic operations; the
// GPU gives no ordering beyond atomicity, hence relaxed.
#define LINACT_EMU_ATOMIC_RMW(fn, builtin, T)       \
  inline T fn(T* address, T val) {                  \
    return builtin(address, val, __ATOMIC_RELAXED); \
  }
LINACT_EMU_ATOMIC_RMW(atomicAdd, __atomic_fetch_add, int)
LINACT_EMU_ATOMIC_RMW(atomicAdd, __atomic_fetch_add, unsigned int)
LINACT_EMU_ATOMIC_RMW(atomicAdd, __atomic_fetch_add, unsigned long long)
LINACT_EMU_ATOMIC_RMW(atomicSub, __atomic_fetch_sub, int)
LINACT_EMU_ATOMIC_RMW(atomicSub, __atomic_fetch_sub, unsigned int)
LINACT_EMU_ATOMIC_RMW(atomicAnd, __atomic_fetch_and, int)
LINACT_EMU_ATOMIC_RMW(atomicAnd, __atomic_fetch_and, unsigned int)
LINACT_EMU_ATOMIC_RMW(atomicOr, __atomic_fetch_or, int)
LINACT_EMU_ATOMIC_RMW(atomicOr, __atomic_fetch_or, unsigned int)
LINACT_EMU_ATOMIC_RMW(atomicXor, __atomic_fetch_xor, int)
LINACT_EMU_ATOMIC_RMW(atomicXor, __atomic_fetch_xor, unsigned int)
LINACT_EMU_ATOMIC_RMW(atomicExch, __atomic_exchange_n, int)
LINACT_EMU_ATOMIC_RMW(atomicExch, __atomic_exchange_n, unsigned int)
LINACT_EMU_ATOMIC_RMW(atomicExch, __atomic_exchange_n, unsigned long long)
#undef LINACT_EMU_ATOMIC_RMW

namespace linact_emu {
// Read-modify-write of any 4- or 8-byte value through compare-and-swap.
template <class T, class F>
inline T atomic_update(T* address, F update) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits* bits = reinterpret_cast<Bits*>(address);
  Bits expected = __atomic_load_n(bits, __ATOMIC_RELAXED);
  for (;;) {
    T old;
    memcpy(&old, &expected, sizeof(T));
    T next = update(old);
    Bits desired;
    memcpy(&desired, &next, sizeof(T));
    if (__atomic_compare_exchange_n(bits, &expected, desired, true, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED)) {
      return old;
    }
  }
}
}  // namespace linact_emu

inline float atomicAdd(float* address, float val) {
  return ::linact_emu::atomic_update(address, [val](float old) { return old + val; });
}
inline double atomicAdd(double* address, double val) {
  return ::linact_emu::atomic_update(address, [val](double old) { return old + val; });
}
inline float atomicExch(float* address, float val) {
  return ::linact_emu::atomic_update(address, [val](float) { return val; });
}
#define LINACT_EMU_ATOMIC_MINMAX(T)                                                              \
  inline T atomicMax(T* address, T val) {                                                        \
    return ::linact_emu::atomic_update(address, [val](T old) { return old < val ? val : old; }); \
  }                                                                                              \
  inline T atomicMin(T* address, T val) {                                                        \
    return ::linact_emu::atomic_update(address, [val](T old) { return val < old ? val : old; }); \
  }
LINACT_EMU_ATOMIC_MINMAX(int)
LINACT_EMU_ATOMIC_MINMAX(unsigned int)
LINACT_EMU_ATOMIC_MINMAX(long long)
LINACT_EMU_ATOMIC_MINMAX(unsigned long long)
#undef LINACT_EMU_ATOMIC_MINMAX

#define LINACT_EMU_ATOMIC_CAS(T)                                                 \
  inline T atomicCAS(T* address, T compare, T val) {                             \
    __atomic_compare_exchange_n(address, &compare, val, false, __ATOMIC_RELAXED, \
                                __ATOMIC_RELAXED);                               \
    return compare;                                                              \
  }
LINACT_EMU_ATOMIC_CAS(int)
LINACT_EMU_ATOMIC_CAS(unsigned int)
LINACT_EMU_ATOMIC_CAS(unsigned long long)
LINACT_EMU_ATOMIC_CAS(unsigned short)
#undef LINACT_EMU_ATOMIC_CAS

// Math intrinsics. The fast-math ones (__expf, __fdividef, ...) are computed exactly here; a GPU
// returns them with a few ulp of error, so tolerances must not rely on the emulator's precision.
inline float __fmaf_rn(float a, float b, float c) {
  return fmaf(a, b, c);
}
inline float __fadd_rn(float a, float b) {
  return a + b;
}
inline float __fmul_rn(float a, float b) {
  return a * b;
}
inline float __fdiv_rn(float a, float b) {
  return a / b;
}
inline float __fdividef(float a, float b) {
  return a / b;
}
inline float __frcp_rn(float a) {
  return 1.0f / a;
}
inline float __fsqrt_rn(float a) {
  return sqrtf(a);
}
inline float rsqrtf(float a) {
  return 1.0f / sqrtf(a);
}
inline double rsqrt(double a) {
  return 1.0 / sqrt(a);
}
inline float __expf(float a) {
  return expf(a);
}
inline float __logf(float a) {
  return logf(a);
}
inline float __sinf(float a) {
  return sinf(a);
}
inline float __cosf(float a) {
  return cosf(a);
}
inline float __tanhf(float a) {
  return tanhf(a);
}
inline float __powf(float a, float b) {
  return powf(a, b);
}
inline float __saturatef(float a) {
  return a != a ? 0.0f : (a < 0.0f ? 0.0f : (a > 1.0f ? 1.0f : a));
}
inline int __float_as_int(float f) {
  return ::linact_emu::from_bits<int>(::linact_emu::to_bits(f));
}
inline unsigned __float_as_uint(float f) {
  return ::linact_emu::from_bits<unsigned>(::linact_emu::to_bits(f));
}
inline float __int_as_float(int i) {
  return ::linact_emu::from_bits<float>(::linact_emu::to_bits(i));
}
inline float __uint_as_float(unsigned i) {
  return ::linact_emu::from_bits<float>(::linact_emu::to_bits(i));
}
inline int __popc(unsigned x) {
  return __builtin_popcount(x);
}
inline int __popcll(unsigned long long x) {
  return __builtin_popcountll(x);
}
inline int __clz(int x) {
  return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x));
}
inline int __ffs(int x) {
  return __builtin_ffs(x);
}
inline unsigned __brev(unsigned x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
  return (x >> 16) | (x << 16);
}

template <class T>
inline T __ldg(const T* p) {
  return *p;
}

// min/max as CUDA declares them for device code: mixed signed/unsigned arguments compare as
// unsigned, like the toolkit's overloads.
inline int min(int a, int b) {
  return a < b ? a : b;
}
inline int max(int a, int b) {
  return a > b ? a : b;
}
inline unsigned min(unsigned a, unsigned b) {
  return a < b ? a : b;
}
inline unsigned max(unsigned a, unsigned b) {
  return a > b ? a : b;
}
inline unsigned min(int a, unsigned b) {
  return min(static_cast<unsigned>(a), b);
}
inline unsigned max(int a, unsigned b) {
  return max(static_cast<unsigned>(a), b);
}
inline unsigned min(unsigned a, int b) {
  return min(a, static_cast<unsigned>(b));
}
inline unsigned max(unsigned a, int b) {
  return max(a, static_cast<unsigned>(b));
}
inline long long min(long long a, long long b) {
  return a < b ? a : b;
}
inline long long max(long long a, long long b) {
  return a > b ? a : b;
}
inline unsigned long long min(unsigned long long a, unsigned long long b) {
  return a < b ? a : b;
}
inline unsigned long long max(unsigned long long a, unsigned long long b) {
  return a > b ? a : b;
}
inline long min(long a, long b) {
  return a < b ? a : b;
}
inline long max(long a, long b) {
  return a > b ? a : b;
}
inline unsigned long min(unsigned long a, unsigned long b) {
  return a < b ? a : b;
}
inline unsigned long max(unsigned long a, unsigned long b) {
  return a > b ? a : b;
}
inline float min(float a, float b) {
  return fminf(a, b);
}
inline float max(float a, float b) {
  return fmaxf(a, b);
}
inline double min(double a, double b) {
  return fmin(a, b);
}
inline double max(double a, double b) {
  return fmax(a, b);
}

#endif  // LINACT_EMU_DEVICE_H_
