// A host program written against the CUDA runtime's own declarations: every call uses the
// argument list and defaults that the toolkit's cuda_runtime_api.h and cuda_runtime.h give. It
// is compiled against the emulator's headers into emu_runtime_test (which runs it) and, where the
// toolkit is installed, syntax-checked against the toolkit's headers, so both accept the same
// program.
#include <cuda_runtime.h>

#include <type_traits>
#include <utility>

#include "runtime_signatures.h"

namespace {

// CUDA has no one-argument cudaStreamBeginCapture; a program using one must not build here.
template <class S, class = void>
struct BeginCaptureTakesOneArgument : std::false_type {};
template <class S>
struct BeginCaptureTakesOneArgument<
    S, std::void_t<decltype(cudaStreamBeginCapture(std::declval<S>()))>> : std::true_type {};
static_assert(!BeginCaptureTakesOneArgument<cudaStream_t>::value,
              "cudaStreamBeginCapture(stream) is not a CUDA overload");

}  // namespace

#define SIGNATURE_CHECK(call)                \
  do {                                       \
    if ((call) != cudaSuccess) return #call; \
  } while (0)

const char* use_runtime_with_toolkit_signatures() {
  const size_t n = 64;
  float* device = nullptr;
  float* pinned = nullptr;
  void* raw_pinned = nullptr;
  SIGNATURE_CHECK(cudaMalloc(&device, n * sizeof(float)));
  SIGNATURE_CHECK(cudaMallocHost(&pinned, n * sizeof(float)));
  SIGNATURE_CHECK(cudaMallocHost(&raw_pinned, n * sizeof(float), cudaHostAllocDefault));
  for (size_t i = 0; i < n; ++i)
    pinned[i] = static_cast<float>(i);
  cudaStream_t stream;
  cudaEvent_t event, flagged;
  SIGNATURE_CHECK(cudaStreamCreate(&stream));
  SIGNATURE_CHECK(cudaEventCreate(&event));
  SIGNATURE_CHECK(cudaEventCreate(&flagged, cudaEventDisableTiming));
  // The stream argument defaults to the legacy default stream, the flags to 0.
  SIGNATURE_CHECK(cudaMemsetAsync(device, 0, n * sizeof(float)));
  SIGNATURE_CHECK(cudaMemcpyAsync(device, pinned, n * sizeof(float), cudaMemcpyHostToDevice));
  SIGNATURE_CHECK(cudaMemcpy2DAsync(raw_pinned, 8 * sizeof(float), device, 8 * sizeof(float),
                                    8 * sizeof(float), 8, cudaMemcpyDeviceToHost));
  SIGNATURE_CHECK(cudaEventRecord(event));
  SIGNATURE_CHECK(cudaStreamWaitEvent(stream, event));
  SIGNATURE_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  SIGNATURE_CHECK(cudaMemsetAsync(device, 0, sizeof(float), stream));
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  SIGNATURE_CHECK(cudaStreamEndCapture(stream, &graph));
  SIGNATURE_CHECK(cudaGraphInstantiate(&exec, graph));
  SIGNATURE_CHECK(cudaGraphLaunch(exec, stream));
  SIGNATURE_CHECK(cudaStreamSynchronize(stream));
  SIGNATURE_CHECK(cudaGraphExecDestroy(exec));
  SIGNATURE_CHECK(cudaGraphDestroy(graph));
  if (static_cast<float*>(raw_pinned)[63] != 63.0f) return "cudaMemcpy2DAsync copied wrong data";
  SIGNATURE_CHECK(cudaEventDestroy(flagged));
  SIGNATURE_CHECK(cudaEventDestroy(event));
  SIGNATURE_CHECK(cudaStreamDestroy(stream));
  SIGNATURE_CHECK(cudaFreeHost(raw_pinned));
  SIGNATURE_CHECK(cudaFreeHost(pinned));
  SIGNATURE_CHECK(cudaFree(device));
  return nullptr;
}
