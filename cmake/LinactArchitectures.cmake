# Default CUDA architectures of the nvcc flavour. Override with -DCMAKE_CUDA_ARCHITECTURES=...
#
#   80-real  A100 (Ampere): the oldest part with every instruction the kernels use
#            (cp.async, ldmatrix, bf16 mma.sync m16n8k16); machine code only.
#   90       H100 / H200 (Hopper): the part linact is tuned and benchmarked on; machine code
#            plus PTX, so newer GPUs (Blackwell) can JIT-compile it at load time.
#
# Two targets keep CI's nvcc time low; every extra architecture compiles every kernel again.
set(LINACT_DEFAULT_CUDA_ARCHITECTURES "80-real;90")
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "${LINACT_DEFAULT_CUDA_ARCHITECTURES}" CACHE STRING
      "CUDA architectures of the nvcc flavour")
endif()
