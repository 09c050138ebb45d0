// C API of the training operations, linactBceWithLogits and linactAdamStep: validation of every
// argument (a failed check names the argument, its value and the fix, and nothing is launched
// or written), then the launchers.
#include <math.h>

#include "context.h"
#include "cuda_check.h"
#include "nvtx.h"
#include "training_kernels.h"

namespace {

using linact::fail;

long long ll(int64_t v) {
  return static_cast<long long>(v);
}

}  // namespace

extern "C" {

linactStatus_t linactBceWithLogits(linactHandle_t handle, int64_t n, const float* logits,
                                   float target, float* loss, float* mean_prob, float* dlogits) {
  linact::NvtxRange range("linactBceWithLogits");
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  linact::clear_error(handle);
  if (n < 1) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "n is %lld: give the number of logits, at least 1", ll(n));
  }
  if (logits == nullptr) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "logits is NULL: pass a device array of n = %lld floats", ll(n));
  }
  if (!isfinite(target)) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "target is %g: give a finite target (0 or 1 for real/fake labels)",
                static_cast<double>(target));
  }
  if (loss == nullptr && mean_prob == nullptr && dlogits == nullptr) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "loss, mean_prob and dlogits are all NULL: pass at least one output");
  }
  const linact::kernels::BceWithLogitsArgs args{n, logits, target, loss, mean_prob, dlogits};
  if (const linactStatus_t pending = linact::check_no_pending_cuda_error(handle)) return pending;
  LINACT_CUDA_CHECK(handle, linact::kernels::launch_bce_with_logits(args, handle->stream));
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactAdamStep(linactHandle_t handle, const linactAdamParams_t* params,
                              int64_t count, float* param, const float* grad, float* exp_avg,
                              float* exp_avg_sq, const int64_t* step) {
  linact::NvtxRange range("linactAdamStep");
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  linact::clear_error(handle);
  if (params == nullptr) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "params is NULL: pass a linactAdamParams_t with lr, beta1, beta2 and eps");
  }
  const linactAdamParams_t& p = *params;
  if (!(p.lr > 0.0f) || !isfinite(p.lr)) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "params->lr is %g: give a positive finite learning rate",
                static_cast<double>(p.lr));
  }
  if (!(p.beta1 >= 0.0f && p.beta1 < 1.0f)) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE, "params->beta1 is %g: give a value in [0, 1)",
                static_cast<double>(p.beta1));
  }
  if (!(p.beta2 >= 0.0f && p.beta2 < 1.0f)) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE, "params->beta2 is %g: give a value in [0, 1)",
                static_cast<double>(p.beta2));
  }
  if (!(p.eps > 0.0f) || !isfinite(p.eps)) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "params->eps is %g: give a small positive epsilon such as 1e-8",
                static_cast<double>(p.eps));
  }
  if (count < 1) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "count is %lld: give the number of parameters, at least 1", ll(count));
  }
  const char* missing = param == nullptr        ? "param"
                        : grad == nullptr       ? "grad"
                        : exp_avg == nullptr    ? "exp_avg"
                        : exp_avg_sq == nullptr ? "exp_avg_sq"
                        : step == nullptr       ? "step"
                                                : nullptr;
  if (missing != nullptr) {
    return fail(handle, LINACT_STATUS_INVALID_VALUE,
                "%s is NULL: pass a device array (step: one int64 holding t >= 1)", missing);
  }
  const linact::kernels::AdamArgs args{count, p.lr, p.beta1, p.beta2,    p.eps,
                                       param, grad, exp_avg, exp_avg_sq, step};
  if (const linactStatus_t pending = linact::check_no_pending_cuda_error(handle)) return pending;
  LINACT_CUDA_CHECK(handle, linact::kernels::launch_adam(args, handle->stream));
  return LINACT_STATUS_SUCCESS;
}

}  // extern "C"
