// The emulated CUDA runtime: allocation poisoning, copies and their range checks, launch
// configuration errors, function attributes, device properties, events, stream capture and
// graph replay.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "emu_test_util.h"
#include "launch.cuh"
#include "runtime_signatures.h"

namespace {

__global__ void add_one(float* x, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] += 1.0f;
}

TEST(Signatures, AProgramUsingTheToolkitsDefaultArgumentsBuildsAndRuns) {
  const char* failed = use_runtime_with_toolkit_signatures();
  EXPECT_EQ(failed, nullptr) << "failed call: " << failed;
}

TEST(Malloc, FreshAllocationsReadAsNan) {
  DeviceBuffer<float> buf(1000);
  for (float v : buf.download())
    ASSERT_TRUE(std::isnan(v));
  uint16_t half_bits;
  EMU_CHECK(cudaMemcpy(&half_bits, buf.get(), 2, cudaMemcpyDeviceToHost));
  EXPECT_EQ(half_bits, 0xffff);  // NaN as fp16 and as bf16
}

TEST(Malloc, AllocationsAre256ByteAlignedAndZeroBytesGiveNull) {
  void* p = nullptr;
  EMU_CHECK(cudaMalloc(&p, 3));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 256, 0u);
  EMU_CHECK(cudaFree(p));
  EMU_CHECK(cudaMalloc(&p, 0));
  EXPECT_EQ(p, nullptr);
}

TEST(Malloc, FreeingAnUnknownPointerIsInvalidValue) {
  int host = 0;
  EXPECT_EQ(cudaFree(&host), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

TEST(Memcpy, CopiesInEveryDirectionAndMemsetFillsBytes) {
  std::vector<float> host(64);
  for (int i = 0; i < 64; ++i)
    host[i] = static_cast<float>(i);
  DeviceBuffer<float> a(64), b(64);
  EMU_CHECK(cudaMemcpy(a.get(), host.data(), 64 * sizeof(float), cudaMemcpyHostToDevice));
  EMU_CHECK(cudaMemcpy(b.get(), a.get(), 64 * sizeof(float), cudaMemcpyDeviceToDevice));
  EXPECT_EQ(b.download(), host);
  EMU_CHECK(cudaMemset(b.get(), 0, 16 * sizeof(float)));
  const auto got = b.download();
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ(got[i], i < 16 ? 0.0f : host[i]) << "index " << i;
}

TEST(Memcpy, DeviceSideOutsideAnAllocationIsInvalidValue) {
  DeviceBuffer<float> dev(16);
  std::vector<float> host(32, 1.0f);
  EXPECT_EQ(cudaMemcpy(dev.get(), host.data(), 32 * sizeof(float), cudaMemcpyHostToDevice),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemcpy(host.data(), host.data() + 16, 4, cudaMemcpyDeviceToHost),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemset(host.data(), 0, 4), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
}

TEST(Memcpy, TwoDimensionalCopyHonoursBothPitches) {
  std::vector<uint8_t> host(4 * 10);
  for (size_t i = 0; i < host.size(); ++i)
    host[i] = static_cast<uint8_t>(i);
  DeviceBuffer<uint8_t> dev(4 * 16);
  EMU_CHECK(cudaMemset(dev.get(), 0, 64));
  EMU_CHECK(cudaMemcpy2D(dev.get(), 16, host.data(), 10, 6, 4, cudaMemcpyHostToDevice));
  const auto got = dev.download();
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 16; ++c)
      EXPECT_EQ(got[r * 16 + c], c < 6 ? host[r * 10 + c] : 0) << "row " << r << " col " << c;
}

TEST(Launch, InvalidConfigurationsRunNothingAndSetTheError) {
  DeviceBuffer<float> x(8);
  EMU_CHECK(cudaMemset(x.get(), 0, 8 * sizeof(float)));
  LINACT_LAUNCH(1, 1025, 0, nullptr, add_one)(x.get(), 8);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  LINACT_LAUNCH(0, 32, 0, nullptr, add_one)(x.get(), 8);
  EXPECT_EQ(cudaPeekAtLastError(), cudaErrorInvalidConfiguration);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  LINACT_LAUNCH(dim3(1, 1, 1), dim3(32, 1, 65), 0, nullptr, add_one)(x.get(), 8);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  LINACT_LAUNCH(1, 32, 48 * 1024 + 1, nullptr, add_one)(x.get(), 8);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(x.download(), std::vector<float>(8, 0.0f));
}

TEST(Launch, OptInDynamicSharedMemoryAllowsLargerLaunches) {
  DeviceBuffer<float> x(8);
  EMU_CHECK(cudaMemset(x.get(), 0, 8 * sizeof(float)));
  EXPECT_EQ(cudaFuncSetAttribute(add_one, cudaFuncAttributeMaxDynamicSharedMemorySize, 228 * 1024),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EMU_CHECK(cudaFuncSetAttribute(add_one, cudaFuncAttributeMaxDynamicSharedMemorySize, 100 * 1024));
  cudaFuncAttributes attr;
  EMU_CHECK(cudaFuncGetAttributes(&attr, add_one));
  EXPECT_EQ(attr.maxDynamicSharedSizeBytes, 100 * 1024);
  LINACT_LAUNCH(1, 32, 100 * 1024, nullptr, add_one)(x.get(), 8);
  EMU_CHECK(cudaGetLastError());
  EXPECT_EQ(x.download(), std::vector<float>(8, 1.0f));
}

template <class T, int kScale>
__global__ void scale_into(const T* in, double* out, long long n) {
  const long long i = threadIdx.x;
  if (i < n) out[i] = static_cast<double>(in[i]) * kScale;
}

TEST(Launch, TemplateKernelsTakeConvertedArgumentsByValue) {
  std::vector<int> in = {1, 2, 3};
  DeviceBuffer<int> din(3);
  DeviceBuffer<double> dout(3);
  din.upload(in);
  int n = 3;  // converted to the kernel's long long
  LINACT_LAUNCH(1, 32, 0, nullptr, scale_into<int, 4>)(din.get(), dout.get(), n);
  EMU_CHECK(cudaGetLastError());
  EXPECT_EQ(dout.download(), (std::vector<double>{4, 8, 12}));
}

TEST(Device, PropertiesDescribeTheEmulatorAsAnH200SizedPart) {
  int count = 0, device = -1;
  EMU_CHECK(cudaGetDeviceCount(&count));
  EMU_CHECK(cudaGetDevice(&device));
  EXPECT_EQ(count, 1);
  EXPECT_EQ(device, 0);
  EXPECT_EQ(cudaSetDevice(1), cudaErrorInvalidDevice);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidDevice);
  cudaDeviceProp prop;
  EMU_CHECK(cudaGetDeviceProperties(&prop, 0));
  EXPECT_STREQ(prop.name, "linact CPU emulator");
  EXPECT_EQ(prop.major * 10 + prop.minor, 90);
  EXPECT_EQ(prop.warpSize, 32);
  EXPECT_EQ(prop.maxThreadsPerBlock, 1024);
  EXPECT_EQ(prop.sharedMemPerBlock, 48u * 1024);
  EXPECT_EQ(prop.sharedMemPerBlockOptin, 227u * 1024);
  int sms = 0;
  EMU_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  EXPECT_EQ(sms, prop.multiProcessorCount);
  if (std::getenv("LINACT_EMU_SM_COUNT") == nullptr) EXPECT_EQ(sms, 132);
  size_t free_bytes = 0, total_bytes = 0;
  EMU_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  EXPECT_LE(free_bytes, total_bytes);
}

TEST(Errors, NamesAndStringsMatchTheToolkit) {
  EXPECT_STREQ(cudaGetErrorName(cudaErrorInvalidConfiguration), "cudaErrorInvalidConfiguration");
  EXPECT_STREQ(cudaGetErrorString(cudaErrorInvalidValue), "invalid argument");
  EXPECT_STREQ(cudaGetErrorString(cudaSuccess), "no error");
}

TEST(Events, ElapsedTimeIsMeasuredBetweenRecords) {
  cudaStream_t stream;
  cudaEvent_t start, stop;
  EMU_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  EMU_CHECK(cudaEventCreate(&start));
  EMU_CHECK(cudaEventCreate(&stop));
  DeviceBuffer<float> x(1 << 16);
  EMU_CHECK(cudaEventRecord(start, stream));
  LINACT_LAUNCH(256, 256, 0, stream, add_one)(x.get(), 1 << 16);
  EMU_CHECK(cudaEventRecord(stop, stream));
  EMU_CHECK(cudaEventSynchronize(stop));
  float ms = -1.0f;
  EMU_CHECK(cudaEventElapsedTime(&ms, start, stop));
  EXPECT_GT(ms, 0.0f);
  EMU_CHECK(cudaEventDestroy(start));
  EMU_CHECK(cudaEventDestroy(stop));
  EMU_CHECK(cudaStreamSynchronize(stream));
  EMU_CHECK(cudaStreamDestroy(stream));
  EXPECT_EQ(cudaStreamDestroy(stream), cudaErrorInvalidResourceHandle);
}

// A captured sequence runs nothing until the graph is launched, then runs in order each time.
TEST(Graph, CaptureRecordsAndLaunchReplaysInOrder) {
  cudaStream_t stream;
  EMU_CHECK(cudaStreamCreate(&stream));
  const int n = 100;
  std::vector<float> host(n, 5.0f), result(n, -1.0f);
  DeviceBuffer<float> x(n);
  EMU_CHECK(cudaMemset(x.get(), 0, n * sizeof(float)));

  EMU_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  cudaStreamCaptureStatus status;
  EMU_CHECK(cudaStreamIsCapturing(stream, &status));
  EXPECT_EQ(status, cudaStreamCaptureStatusActive);
  EMU_CHECK(
      cudaMemcpyAsync(x.get(), host.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  LINACT_LAUNCH(1, 128, 0, stream, add_one)(x.get(), n);
  LINACT_LAUNCH(1, 128, 0, stream, add_one)(x.get(), n);
  EMU_CHECK(
      cudaMemcpyAsync(result.data(), x.get(), n * sizeof(float), cudaMemcpyDeviceToHost, stream));
  cudaGraph_t graph;
  EMU_CHECK(cudaStreamEndCapture(stream, &graph));
  EMU_CHECK(cudaStreamIsCapturing(stream, &status));
  EXPECT_EQ(status, cudaStreamCaptureStatusNone);
  EXPECT_EQ(x.download(), std::vector<float>(n, 0.0f)) << "capture must not execute";
  EXPECT_EQ(result, std::vector<float>(n, -1.0f)) << "capture must not execute";

  cudaGraphExec_t exec;
  EMU_CHECK(cudaGraphInstantiate(&exec, graph, 0));
  EMU_CHECK(cudaGraphLaunch(exec, stream));
  EMU_CHECK(cudaStreamSynchronize(stream));
  EXPECT_EQ(result, std::vector<float>(n, 7.0f));
  host.assign(n, 10.0f);  // the replay reads the host buffer anew
  EMU_CHECK(cudaGraphLaunch(exec, stream));
  EXPECT_EQ(result, std::vector<float>(n, 12.0f));

  EMU_CHECK(cudaGraphExecDestroy(exec));
  EMU_CHECK(cudaGraphDestroy(graph));
  EMU_CHECK(cudaStreamDestroy(stream));
}

TEST(Graph, AllocatingDuringCaptureFailsAndInvalidatesTheCapture) {
  cudaStream_t stream;
  EMU_CHECK(cudaStreamCreate(&stream));
  EMU_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  void* p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, 64), cudaErrorStreamCaptureUnsupported);
  EXPECT_EQ(cudaStreamSynchronize(stream), cudaErrorStreamCaptureUnsupported);
  cudaGraph_t graph;
  EXPECT_EQ(cudaStreamEndCapture(stream, &graph), cudaErrorStreamCaptureInvalidated);
  EXPECT_EQ(graph, nullptr);
  EXPECT_EQ(cudaStreamBeginCapture(nullptr, cudaStreamCaptureModeGlobal),
            cudaErrorStreamCaptureUnsupported);
  cudaGetLastError();
  EMU_CHECK(cudaStreamDestroy(stream));
}

TEST(Graph, InvalidLaunchDuringCaptureIsReportedAtCapture) {
  cudaStream_t stream;
  EMU_CHECK(cudaStreamCreate(&stream));
  EMU_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  LINACT_LAUNCH(1, 2048, 0, stream, add_one)(nullptr, 0);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration);
  cudaGraph_t graph;
  EMU_CHECK(cudaStreamEndCapture(stream, &graph));
  EMU_CHECK(cudaGraphDestroy(graph));
  EMU_CHECK(cudaStreamDestroy(stream));
}

TEST(HostMemory, PinnedAllocationsRoundTrip) {
  float* pinned = nullptr;
  EMU_CHECK(cudaMallocHost(&pinned, 16 * sizeof(float)));
  for (int i = 0; i < 16; ++i)
    pinned[i] = static_cast<float>(i);
  DeviceBuffer<float> dev(16);
  EMU_CHECK(cudaMemcpyAsync(dev.get(), pinned, 16 * sizeof(float), cudaMemcpyHostToDevice, 0));
  EMU_CHECK(cudaDeviceSynchronize());
  EXPECT_EQ(dev.download()[15], 15.0f);
  EMU_CHECK(cudaFreeHost(pinned));
  EXPECT_EQ(cudaFreeHost(pinned), cudaErrorInvalidValue);
  cudaGetLastError();
}

}  // namespace
