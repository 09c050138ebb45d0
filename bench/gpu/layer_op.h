// One layer operation to time: a shape, an activation, a pass, and the implementation that runs
// it. Each implementation keeps RotatingTensors sets of its inputs and outputs and runs on the
// set it is given.
#ifndef LINACT_BENCH_GPU_LAYER_OP_H_
#define LINACT_BENCH_GPU_LAYER_OP_H_

#include <cublasLt.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "linact/activation.h"
#include "support.h"

namespace linact_bench {

enum class Pass { kForward, kBackward };

struct LayerShape {
  const char* name;  // G1..G4, D1..D4 (the GAN's layers) or S (square)
  int64_t m, n, k;   // batch, out_features, in_features
};

// The LeakyReLU slope of the GAN's discriminator, used for every LeakyReLU case.
constexpr float kLeakySlope = 0.2f;

struct LayerCase {
  LayerShape shape;
  linact::Activation act;
  Pass pass;
};

// Work every implementation of a case must do, counted once for all of them: 2mnk flops per
// product, and each tensor of linact's interface read or written once.
double layer_flops(const LayerCase& c);
double layer_bytes(const LayerCase& c);

// Tensor slots of a set. The linact, cuBLAS and GEMM-only operations use all of them and the
// cuBLASLt forward the first five; all fill them from kFillSeed, so set 0 holds the same inputs
// in each and their outputs can be compared (--verify).
enum LayerSlot { kSlotX, kSlotW, kSlotB, kSlotY, kSlotAux, kSlotDy, kSlotDx, kSlotDw, kSlotDb };
constexpr uint64_t kFillSeed = 0x11ac7;

class LayerOp {
 public:
  virtual ~LayerOp() = default;
  virtual int sets() const = 0;
  virtual void run(int set) = 0;
  // The tensors, laid out as LayerSlot says; null where the layout differs (cuBLASLt backward).
  virtual const RotatingTensors* tensors() const { return nullptr; }
};

// linact's fused forward or backward through the C API.
std::unique_ptr<LayerOp> make_linact_op(const LayerCase& c);
// cuBLAS SGEMM plus the separate kernels of baseline.h.
std::unique_ptr<LayerOp> make_cublas_op(const LayerCase& c);
// cuBLAS SGEMM alone (no bias, no activation, no db): the floor the others add work to.
std::unique_ptr<LayerOp> make_gemm_only_op(const LayerCase& c);

// cuBLASLt with an epilogue, where one computes the case's function:
//   forward   identity: BIAS; relu: RELU_BIAS and RELU_AUX_BIAS; gelu_tanh: GELU_AUX_BIAS
//   backward  identity: dx GEMM, dW GEMM with BGRADB (db);
//             relu, gelu_tanh: the chained form, dW GEMM plus the dx GEMM with DRELU_BGRAD /
//             DGELU_BGRAD, which applies the derivative of the activation below and reduces its
//             bias gradient. cuBLASLt cannot apply a derivative to an input, so a backward pass
//             built on it gets each layer's dz from the epilogue of the layer above: per layer,
//             two GEMMs and one fused epilogue, the same work as one linact backward call.
// cuBLASLt's GELU is the tanh approximation, hence gelu_tanh.
struct LtVariant {
  const char* name;  // as it appears in the benchmark name
  cublasLtEpilogue_t epilogue;
};
std::unique_ptr<LayerOp> make_cublaslt_op(const LayerCase& c, const LtVariant& v);

// The cuBLASLt variants that compute the case's function (see above); empty where none does.
std::vector<LtVariant> lt_variants(const LayerCase& c);

// Runs every implementation of each GAN layer at batch 64 and 256 once on the same inputs and
// prints ||out - ref|| / ||ref|| against the cuBLAS comparator for y (forward) and dx, dW, db
// (backward). Returns nonzero when any exceeds kVerifyTolerance or is not finite.
constexpr double kVerifyTolerance = 1e-3;  // fp32 far below it; TF32-class arithmetic near 3e-4
int verify_layers();

}  // namespace linact_bench

#endif  // LINACT_BENCH_GPU_LAYER_OP_H_
