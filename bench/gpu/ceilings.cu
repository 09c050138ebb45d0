// The GPU's two ceilings, measured on random data: device-to-device copy bandwidth (bytes read
// plus bytes written) and cuBLAS GEMM rates in fp32, TF32 and bf16 (8192^3, fp32 accumulate).
// Usage: linact_gpu_ceilings [out.json]   (prints the same JSON to stdout without an argument)
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "support.h"

namespace linact_bench {
namespace {

constexpr size_t kCopyBytes = size_t{2} << 30;
constexpr int64_t kGemmSize = 8192;
constexpr int kWarmup = 3;
constexpr int kTimed = 10;

__global__ void to_bf16_kernel(const float* in, __nv_bfloat16* out, size_t n) {
  const size_t stride = size_t{gridDim.x} * blockDim.x;
  for (size_t i = size_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    out[i] = __float2bfloat16(in[i]);
  }
}

template <typename F>
double median_seconds(cudaStream_t stream, F&& run) {
  EventTimer timer;
  for (int i = 0; i < kWarmup; ++i)
    run();
  std::vector<double> t;
  for (int i = 0; i < kTimed; ++i) {
    timer.start(stream);
    run();
    timer.stop(stream);
    t.push_back(timer.seconds());
  }
  LINACT_BENCH_CUDA_CHECK(cudaGetLastError());
  std::sort(t.begin(), t.end());
  return (t[kTimed / 2 - 1] + t[kTimed / 2]) / 2;
}

double copy_gbps(cudaStream_t stream) {
  DeviceBuffer src(kCopyBytes);
  DeviceBuffer dst(kCopyBytes);
  fill_uniform(src.as<float>(), kCopyBytes / 4, -1.0f, 1.0f, 1, stream);
  const double s = median_seconds(stream, [&] {
    LINACT_BENCH_CUDA_CHECK(cudaMemcpyAsync(dst.as<void>(), src.as<void>(), kCopyBytes,
                                            cudaMemcpyDeviceToDevice, stream));
  });
  return 2.0 * kCopyBytes / s * 1e-9;
}

// C = A B with n x n matrices of `type`, fp32 accumulate (or TF32 when asked).
double gemm_tflops(cublasHandle_t cublas, cudaStream_t stream, cudaDataType_t type,
                   cublasComputeType_t compute) {
  const size_t count = static_cast<size_t>(kGemmSize * kGemmSize);
  const size_t elem = type == CUDA_R_32F ? 4 : 2;
  DeviceBuffer staging(count * 4);
  std::vector<DeviceBuffer> m;
  for (int i = 0; i < 3; ++i) {
    m.emplace_back(count * elem);
    if (type == CUDA_R_32F) {
      fill_uniform(m[i].as<float>(), count, -1.0f, 1.0f, 10 + i, stream);
    } else {
      fill_uniform(staging.as<float>(), count, -1.0f, 1.0f, 10 + i, stream);
      to_bf16_kernel<<<4096, 256, 0, stream>>>(staging.as<float>(), m[i].as<__nv_bfloat16>(),
                                               count);
      LINACT_BENCH_LAUNCH_CHECK();
    }
  }
  const float one = 1.0f;
  const float zero = 0.0f;
  const int n = static_cast<int>(kGemmSize);
  const double s = median_seconds(stream, [&] {
    LINACT_BENCH_CUBLAS_CHECK(cublasGemmEx(
        cublas, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, m[0].as<void>(), type, n, m[1].as<void>(),
        type, n, &zero, m[2].as<void>(), type, n, compute, CUBLAS_GEMM_DEFAULT));
  });
  return 2.0 * kGemmSize * kGemmSize * kGemmSize / s * 1e-12;
}

int run(int argc, char** argv) {
  int devices = 0;
  const cudaError_t err = cudaGetDeviceCount(&devices);
  if (err != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "linact_gpu_ceilings: no CUDA GPU found (%s)\n",
                 err != cudaSuccess ? cudaGetErrorString(err) : "0 devices");
    return 2;
  }
  cudaDeviceProp prop{};
  LINACT_BENCH_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  const Handles& h = handles();
  const double copy = copy_gbps(h.stream);
  const double fp32 = gemm_tflops(h.cublas, h.stream, CUDA_R_32F, CUBLAS_COMPUTE_32F);
  const double tf32 = gemm_tflops(h.cublas, h.stream, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32);
  const double bf16 = gemm_tflops(h.cublas, h.stream, CUDA_R_16BF, CUBLAS_COMPUTE_32F);

  char json[1024];
  std::snprintf(json, sizeof(json),
                "{\n  \"gpu_name\": \"%s\",\n  \"multiprocessors\": %d,\n  \"l2_bytes\": %d,\n"
                "  \"copy_bytes\": %zu,\n  \"copy_gbps_read_plus_write\": %.1f,\n"
                "  \"gemm_size\": %lld,\n  \"sgemm_fp32_tflops\": %.2f,\n"
                "  \"gemm_tf32_tflops\": %.2f,\n  \"gemm_bf16_tflops\": %.2f,\n"
                "  \"method\": \"median of %d CUDA-event timings after %d warm-ups, "
                "uniform random data\"\n}\n",
                prop.name, prop.multiProcessorCount, prop.l2CacheSize, kCopyBytes, copy,
                static_cast<long long>(kGemmSize), fp32, tf32, bf16, kTimed, kWarmup);
  std::fputs(json, stdout);
  if (argc > 1) {
    FILE* f = std::fopen(argv[1], "w");
    if (f == nullptr) {
      std::fprintf(stderr, "linact_gpu_ceilings: cannot write %s\n", argv[1]);
      return 1;
    }
    std::fputs(json, f);
    std::fclose(f);
  }
  return 0;
}

}  // namespace
}  // namespace linact_bench

int main(int argc, char** argv) {
  try {
    return linact_bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linact_gpu_ceilings: %s\n", e.what());
    return 1;
  }
}
