// C API of the Linear layer: validation of every argument (a failed check names the argument,
// its value and the fix, and nothing is launched or written), then the launchers.
#include <math.h>
#include <stdint.h>

#include <cstring>

#include "context.h"
#include "cuda_check.h"
#include "linact/activation.h"
#include "linear_kernels.h"
#include "nvtx.h"

namespace {

using linact::Activation;
using linact::fail;
using linact::kernels::kMaxColumns;

// A validated descriptor with packed leading dimensions resolved.
struct Layer {
  int64_t m, n, k;
  int64_t ldx, ldw, ldy;
  Activation act;
  float alpha;
  bool saves_z;
  size_t aux_bytes;
};

long long ll(int64_t v) {
  return static_cast<long long>(v);
}

// The integer a C caller stored in an enum field. Read as bytes: C lets any int through, and
// loading an out-of-range value as the C++ enum type would be undefined behaviour.
template <typename Enum>
int raw_value(const Enum& e) {
  static_assert(sizeof(Enum) == sizeof(int), "the C enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof(v));
  return v;
}

// Elements from the first to one past the last of a rows x cols tensor with row stride ld, or
// -1 when that count (in bytes) does not fit in int64.
int64_t span_elements(int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return 0;
  int64_t elems = 0;
  int64_t bytes = 0;
  if (__builtin_mul_overflow(rows - 1, ld, &elems) || __builtin_add_overflow(elems, cols, &elems) ||
      __builtin_mul_overflow(elems, static_cast<int64_t>(sizeof(float)), &bytes)) {
    return -1;
  }
  return elems;
}

linactStatus_t check_leading_dim(linactHandle_t h, const char* name, int64_t ld, int64_t row,
                                 const char* row_name, int64_t* out) {
  if (ld == 0) {
    *out = row;
    return LINACT_STATUS_SUCCESS;
  }
  if (ld < row) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "desc->%s is %lld, shorter than a row of %lld elements (%s): use 0 for packed rows "
                "or a stride >= %lld",
                name, ll(ld), ll(row), row_name, ll(row));
  }
  *out = ld;
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t check_desc(linactHandle_t h, const linactLinearDesc_t* desc, Layer* layer) {
  if (desc == nullptr) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "desc is NULL: pass a linactLinearDesc_t describing the layer");
  }
  const linactLinearDesc_t& d = *desc;
  const int dtype = raw_value(d.dtype);
  const int activation = raw_value(d.activation);
  if (dtype == LINACT_F16 || dtype == LINACT_BF16) {
    return fail(h, LINACT_STATUS_NOT_SUPPORTED,
                "desc->dtype is %s: this version of linact computes in fp32 only; use LINACT_F32",
                dtype == LINACT_F16 ? "LINACT_F16" : "LINACT_BF16");
  }
  if (dtype != LINACT_F32) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "desc->dtype is %d, not a linactDataType_t: use LINACT_F32", dtype);
  }
  const struct {
    const char* name;
    int64_t value;
    const char* meaning;
  } dims[] = {{"m", d.m, "batch rows"}, {"n", d.n, "out_features"}, {"k", d.k, "in_features"}};
  for (const auto& dim : dims) {
    if (dim.value < 0) {
      return fail(h, LINACT_STATUS_INVALID_VALUE, "desc->%s is %lld: the %s must be >= 0", dim.name,
                  ll(dim.value), dim.meaning);
    }
  }
  if (d.m > linact::kernels::kMaxRows) {
    return fail(h, LINACT_STATUS_NOT_SUPPORTED,
                "desc->m is %lld: batches above %lld rows are not supported; split the batch",
                ll(d.m), ll(linact::kernels::kMaxRows));
  }
  if (d.n > kMaxColumns || d.k > kMaxColumns) {
    const bool n_big = d.n > kMaxColumns;
    return fail(h, LINACT_STATUS_NOT_SUPPORTED,
                "desc->%s is %lld: %s above %lld are not supported; split the layer into "
                "narrower ones",
                n_big ? "n" : "k", ll(n_big ? d.n : d.k), n_big ? "out_features" : "in_features",
                ll(kMaxColumns));
  }
  if (!linact::is_valid_activation(activation)) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "desc->activation is %d: use a linactActivation_t from LINACT_ACT_IDENTITY (0) to "
                "LINACT_ACT_SILU (%d)",
                activation, linact::kNumActivations - 1);
  }
  if (!isfinite(d.alpha)) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "desc->alpha is %g: the LeakyReLU slope must be finite (0.01 is the usual value; "
                "other activations ignore it but it must still be finite)",
                static_cast<double>(d.alpha));
  }

  Layer l{};
  l.m = d.m;
  l.n = d.n;
  l.k = d.k;
  l.act = static_cast<Activation>(activation);
  l.alpha = d.alpha;
  linactStatus_t s = check_leading_dim(h, "ldx", d.ldx, d.k, "in_features, desc->k", &l.ldx);
  if (s == LINACT_STATUS_SUCCESS) {
    s = check_leading_dim(h, "ldw", d.ldw, d.k, "in_features, desc->k", &l.ldw);
  }
  if (s == LINACT_STATUS_SUCCESS) {
    s = check_leading_dim(h, "ldy", d.ldy, d.n, "out_features, desc->n", &l.ldy);
  }
  if (s != LINACT_STATUS_SUCCESS) return s;

  if (span_elements(l.m, l.k, l.ldx) < 0 || span_elements(l.n, l.k, l.ldw) < 0 ||
      span_elements(l.m, l.n, l.ldy) < 0 || span_elements(l.m, l.n, l.n) < 0) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "desc (m %lld, n %lld, k %lld, ldx %lld, ldw %lld, ldy %lld) describes a tensor "
                "larger than 2^63 bytes: check the shape",
                ll(l.m), ll(l.n), ll(l.k), ll(l.ldx), ll(l.ldw), ll(l.ldy));
  }
  l.saves_z = linact::saves_preactivation(l.act, l.alpha);
  l.aux_bytes = l.saves_z ? static_cast<size_t>(l.m * l.n) * sizeof(float) : 0;
  *layer = l;
  return LINACT_STATUS_SUCCESS;
}

// A float tensor: NULL where it is needed, or not 4-byte aligned, is an error.
linactStatus_t check_tensor(linactHandle_t h, const char* name, const void* ptr, bool needed,
                            const char* why) {
  if (ptr == nullptr) {
    if (!needed) return LINACT_STATUS_SUCCESS;
    return fail(h, LINACT_STATUS_INVALID_VALUE, "%s is NULL: %s; pass a device pointer", name, why);
  }
  if (reinterpret_cast<uintptr_t>(ptr) % alignof(float) != 0) {
    return fail(h, LINACT_STATUS_INVALID_VALUE,
                "%s is %p, not 4-byte aligned: pass a pointer to float elements", name, ptr);
  }
  return LINACT_STATUS_SUCCESS;
}

struct Range {
  uintptr_t begin, end;
};

Range byte_range(const void* ptr, int64_t rows, int64_t cols, int64_t ld) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(ptr);
  const int64_t elems = ptr == nullptr ? 0 : span_elements(rows, cols, ld);
  return {begin, begin + static_cast<uintptr_t>(elems) * sizeof(float)};
}

bool overlaps(Range a, Range b) {
  return a.begin < a.end && b.begin < b.end && a.begin < b.end && b.begin < a.end;
}

struct Tensor {
  const char* name;
  Range range;
};

// Outputs may not overlap what the same call reads (blocks would read values other blocks have
// already overwritten) nor each other.
template <size_t kOutputs, size_t kInputs>
linactStatus_t check_disjoint(linactHandle_t h, const Tensor (&outputs)[kOutputs],
                              const Tensor (&inputs)[kInputs]) {
  for (size_t o = 0; o < kOutputs; ++o) {
    const Tensor& out = outputs[o];
    for (const Tensor& in : inputs) {
      if (overlaps(out.range, in.range)) {
        return fail(h, LINACT_STATUS_INVALID_VALUE,
                    "%s (%p) overlaps %s: %s is written while %s is read; give %s its own buffer",
                    out.name, reinterpret_cast<void*>(out.range.begin), in.name, out.name, in.name,
                    out.name);
      }
    }
    for (size_t other = o + 1; other < kOutputs; ++other) {
      if (overlaps(out.range, outputs[other].range)) {
        return fail(h, LINACT_STATUS_INVALID_VALUE,
                    "%s (%p) overlaps %s: both are written; give each its own buffer", out.name,
                    reinterpret_cast<void*>(out.range.begin), outputs[other].name);
      }
    }
  }
  return LINACT_STATUS_SUCCESS;
}

// The fields the forward and backward launch arguments share: shape, strides, activation, x, w.
template <typename Args>
void set_layer_args(const Layer& l, const void* x, const void* w, Args* args) {
  args->m = l.m;
  args->n = l.n;
  args->k = l.k;
  args->ldx = l.ldx;
  args->ldw = l.ldw;
  args->ldy = l.ldy;
  args->act = l.act;
  args->alpha = l.alpha;
  args->x = static_cast<const float*>(x);
  args->w = static_cast<const float*>(w);
}

}  // namespace

extern "C" {

linactStatus_t linactLinearAuxSize(const linactLinearDesc_t* desc, size_t* bytes) {
  if (bytes == nullptr) return LINACT_STATUS_INVALID_VALUE;
  Layer layer;
  const linactStatus_t s = check_desc(nullptr, desc, &layer);
  if (s != LINACT_STATUS_SUCCESS) return s;
  *bytes = layer.aux_bytes;
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactLinearForward(linactHandle_t handle, const linactLinearDesc_t* desc,
                                   const void* x, const void* w, const void* bias, void* y,
                                   void* aux) {
  linact::NvtxRange range("linactLinearForward");
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  linact::clear_error(handle);
  Layer l;
  linactStatus_t s = check_desc(handle, desc, &l);
  if (s != LINACT_STATUS_SUCCESS) return s;

  const bool rows = l.m > 0;
  const bool cols = l.n > 0;
  const bool reduce = l.k > 0;
  const char* act_name = linact::activation_name(l.act);
  char aux_why[160];
  snprintf(aux_why, sizeof(aux_why),
           "the %s forward saves z for the backward here (linactLinearAuxSize gives %zu bytes)",
           act_name, l.aux_bytes);
  if ((s = check_tensor(handle, "x", x, rows && cols && reduce, "the forward reads x")) ||
      (s = check_tensor(handle, "w", w, rows && cols && reduce, "the forward reads w")) ||
      (s = check_tensor(handle, "bias", bias, false, "")) ||
      (s = check_tensor(handle, "y", y, rows && cols, "the forward writes y")) ||
      (s = check_tensor(handle, "aux", l.saves_z ? aux : nullptr, l.aux_bytes > 0, aux_why))) {
    return s;
  }

  const Tensor outputs[] = {{"y", byte_range(y, l.m, l.n, l.ldy)},
                            {"aux", l.saves_z ? byte_range(aux, l.m, l.n, l.n) : Range{}}};
  const Tensor inputs[] = {{"x", byte_range(x, l.m, l.k, l.ldx)},
                           {"w", byte_range(w, l.n, l.k, l.ldw)},
                           {"bias", byte_range(bias, 1, l.n, l.n)}};
  if ((s = check_disjoint(handle, outputs, inputs))) return s;

  linact::kernels::LinearForwardArgs args{};
  set_layer_args(l, x, w, &args);
  args.bias = static_cast<const float*>(bias);
  args.y = static_cast<float*>(y);
  args.z = l.saves_z ? static_cast<float*>(aux) : nullptr;
  if (const linactStatus_t pending = linact::check_no_pending_cuda_error(handle)) return pending;
  LINACT_CUDA_CHECK(handle, linact::kernels::launch_linear_forward(
                                args, linact::launch_resources(handle), handle->stream));
  return LINACT_STATUS_SUCCESS;
}

linactStatus_t linactLinearBackward(linactHandle_t handle, const linactLinearDesc_t* desc,
                                    const void* x, const void* w, const void* y, const void* aux,
                                    const void* dy, void* dx, void* dw, void* db, int accumulate) {
  linact::NvtxRange range("linactLinearBackward");
  if (handle == nullptr) return LINACT_STATUS_INVALID_VALUE;
  linact::clear_error(handle);
  Layer l;
  linactStatus_t s = check_desc(handle, desc, &l);
  if (s != LINACT_STATUS_SUCCESS) return s;

  // What the requested gradients read: each of them reads dz (dy, and the saved y or z unless
  // the activation is the identity) whenever m x n is non-empty; dw also reads x, dx also w.
  const bool want_dx = dx != nullptr && l.m > 0 && l.k > 0;
  const bool want_dw = dw != nullptr && l.n > 0 && l.k > 0;
  const bool want_db = db != nullptr && l.n > 0;
  const bool reads_dz = l.m > 0 && l.n > 0 && (want_dx || want_dw || want_db);
  const bool reads_saved = reads_dz && l.act != Activation::kIdentity;
  const char* act_name = linact::activation_name(l.act);
  char saved_why[160];
  snprintf(saved_why, sizeof(saved_why), "the %s backward reads %s", act_name,
           l.saves_z ? "the forward's aux buffer (z)" : "the forward's output y");
  if ((s = check_tensor(handle, "dy", dy, reads_dz, "the backward reads dy")) ||
      (s = check_tensor(handle, "x", x, want_dw && l.m > 0, "dw = dz^T x reads x")) ||
      (s = check_tensor(handle, "w", w, want_dx && l.n > 0, "dx = dz w reads w")) ||
      (s = check_tensor(handle, "y", l.saves_z ? nullptr : y, reads_saved && !l.saves_z,
                        saved_why)) ||
      (s = check_tensor(handle, "aux", l.saves_z ? aux : nullptr, reads_saved && l.saves_z,
                        saved_why)) ||
      (s = check_tensor(handle, "dx", dx, false, "")) ||
      (s = check_tensor(handle, "dw", dw, false, "")) ||
      (s = check_tensor(handle, "db", db, false, ""))) {
    return s;
  }

  const void* saved = l.saves_z ? aux : y;
  const Tensor outputs[] = {{"dx", want_dx ? byte_range(dx, l.m, l.k, l.ldx) : Range{}},
                            {"dw", want_dw ? byte_range(dw, l.n, l.k, l.ldw) : Range{}},
                            {"db", want_db ? byte_range(db, 1, l.n, l.n) : Range{}}};
  const Tensor inputs[] = {
      {"x", byte_range(x, l.m, l.k, l.ldx)},
      {"w", want_dx ? byte_range(w, l.n, l.k, l.ldw) : Range{}},
      {"dy", byte_range(dy, l.m, l.n, l.ldy)},
      {l.saves_z ? "aux" : "y",
       reads_saved ? byte_range(saved, l.m, l.n, l.saves_z ? l.n : l.ldy) : Range{}}};
  if ((s = check_disjoint(handle, outputs, inputs))) return s;

  linact::kernels::LinearBackwardArgs args{};
  set_layer_args(l, x, w, &args);
  args.dy = static_cast<const float*>(dy);
  args.saved = reads_saved ? static_cast<const float*>(saved) : nullptr;
  args.ld_saved = l.saves_z ? l.n : l.ldy;
  args.dx = want_dx ? static_cast<float*>(dx) : nullptr;
  args.dw = want_dw ? static_cast<float*>(dw) : nullptr;
  args.db = want_db ? static_cast<float*>(db) : nullptr;
  args.accumulate = accumulate != 0;
  if (const linactStatus_t pending = linact::check_no_pending_cuda_error(handle)) return pending;
  LINACT_CUDA_CHECK(handle, linact::kernels::launch_linear_backward_data(
                                args, linact::launch_resources(handle), handle->stream));
  LINACT_CUDA_CHECK(handle, linact::kernels::launch_linear_backward_weight(
                                args, linact::launch_resources(handle), handle->stream));
  return LINACT_STATUS_SUCCESS;
}

}  // extern "C"
