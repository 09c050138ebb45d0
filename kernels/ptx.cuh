// The warp-level PTX operations linact's kernels use, in one place for both flavours: inline
// assembly under nvcc (sm_80 and newer), the emulator's implementation under g++.
//
//   mma_m16n8k16<In>(d, a, b, c)   d = a b + c, In = __nv_bfloat16 or __half, fp32 accumulate;
//                                  fragments as the PTX ISA lays them out for m16n8k16
//   ldmatrix_x{1,2,4}[_trans]      8x8 b16 matrices from shared memory, one row address per lane
//   cp_async_{16,8,4}              shared <- global, asynchronous; `src_bytes` below the size
//                                  zero-fills the rest (for tiles that overhang the matrix)
//   cp_async_commit / cp_async_wait<N>
//
// Under the emulator every call reports the kernel's own source line in its errors.
#ifndef LINACT_KERNELS_PTX_CUH_
#define LINACT_KERNELS_PTX_CUH_

#include <stdint.h>

#include <type_traits>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#if defined(LINACT_EMU)
#include <linact_emu/ptx.h>
#define LINACT_PTX_SITE_PARAMS , const char *file = __builtin_FILE(), int line = __builtin_LINE()
#define LINACT_PTX_SITE_PARAMS_ONLY const char *file = __builtin_FILE(), int line = __builtin_LINE()
#else
#define LINACT_PTX_SITE_PARAMS
#define LINACT_PTX_SITE_PARAMS_ONLY
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#error "kernels/ptx.cuh needs sm_80 or newer (cp.async, ldmatrix, bf16 mma.sync)"
#endif

namespace linact {

#if !defined(LINACT_EMU)
__device__ __forceinline__ uint32_t shared_address(const void* ptr) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(ptr));
}
#endif

template <class In>
__device__ __forceinline__ void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4],
                                             const uint32_t (&b)[2],
                                             const float (&c)[4] LINACT_PTX_SITE_PARAMS) {
  static_assert(std::is_same<In, __nv_bfloat16>::value || std::is_same<In, __half>::value,
                "mma_m16n8k16 takes __nv_bfloat16 or __half inputs");
#if defined(LINACT_EMU)
  ::linact_emu::mma_m16n8k16(std::is_same<In, __half>::value ? ::linact_emu::MmaInput::kF16
                                                             : ::linact_emu::MmaInput::kBf16,
                             d, a, b, c, file, line);
#elif defined(__CUDA_ARCH__)
  if constexpr (std::is_same<In, __nv_bfloat16>::value) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]),
          "f"(c[2]), "f"(c[3]));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]),
          "f"(c[2]), "f"(c[3]));
  }
#endif
}

__device__ __forceinline__ void ldmatrix_x1(uint32_t (&r)[1],
                                            const void* row LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::ldmatrix(1, false, r, row, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n"
               : "=r"(r[0])
               : "r"(shared_address(row)));
#endif
}

__device__ __forceinline__ void ldmatrix_x2(uint32_t (&r)[2],
                                            const void* row LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::ldmatrix(2, false, r, row, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(shared_address(row)));
#endif
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4],
                                            const void* row LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::ldmatrix(4, false, r, row, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(row)));
#endif
}

__device__ __forceinline__ void ldmatrix_x1_trans(uint32_t (&r)[1],
                                                  const void* row LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::ldmatrix(1, true, r, row, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n"
               : "=r"(r[0])
               : "r"(shared_address(row)));
#endif
}

__device__ __forceinline__ void ldmatrix_x2_trans(uint32_t (&r)[2],
                                                  const void* row LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::ldmatrix(2, true, r, row, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(shared_address(row)));
#endif
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4],
                                                  const void* row LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::ldmatrix(4, true, r, row, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(row)));
#endif
}

// 16 bytes bypass L1 (.cg): tiles are read once per block. 8 and 4 bytes only exist as .ca.
__device__ __forceinline__ void cp_async_16(void* dst, const void* src,
                                            int src_bytes = 16 LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::cp_async(dst, src, 16, src_bytes, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)),
               "l"(src), "r"(src_bytes));
#endif
}

__device__ __forceinline__ void cp_async_8(void* dst, const void* src,
                                           int src_bytes = 8 LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::cp_async(dst, src, 8, src_bytes, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(shared_address(dst)),
               "l"(src), "r"(src_bytes));
#endif
}

__device__ __forceinline__ void cp_async_4(void* dst, const void* src,
                                           int src_bytes = 4 LINACT_PTX_SITE_PARAMS) {
#if defined(LINACT_EMU)
  ::linact_emu::cp_async(dst, src, 4, src_bytes, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(shared_address(dst)),
               "l"(src), "r"(src_bytes));
#endif
}

__device__ __forceinline__ void cp_async_commit(LINACT_PTX_SITE_PARAMS_ONLY) {
#if defined(LINACT_EMU)
  ::linact_emu::cp_async_commit(file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}

// Waits until at most N of the committed groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait(LINACT_PTX_SITE_PARAMS_ONLY) {
  static_assert(N >= 0, "cp_async_wait<N> needs N >= 0");
#if defined(LINACT_EMU)
  ::linact_emu::cp_async_wait(N, file, line);
#elif defined(__CUDA_ARCH__)
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
#endif
}

}  // namespace linact

#undef LINACT_PTX_SITE_PARAMS
#undef LINACT_PTX_SITE_PARAMS_ONLY

#endif  // LINACT_KERNELS_PTX_CUH_
