// The CPU reference of Linear + bias + activation: plain loops, double-precision accumulation.
// It is the oracle of the kernel tests, so it favours obviousness over speed.
//
// Shapes as nn.Linear: x [batch, in_features] (row stride ldx), w [out_features, in_features]
// (row stride ldw), bias [out_features], y [batch, out_features] (row stride ldy). z, the
// pre-activation, is packed (row stride out_features), as linact's aux buffer. dx uses ldx, dw
// uses ldw, dy uses ldy, matching the C API. Strides here are explicit (no 0 = packed).
//
// The float entry points read float inputs, compute everything in double (sums, bias, the
// activation and its derivative) and round once when storing. The double entry points do the
// same on double data, for finite-difference checks that need more than float's precision.
#ifndef LINACT_TESTS_REFERENCE_LINEAR_REFERENCE_H_
#define LINACT_TESTS_REFERENCE_LINEAR_REFERENCE_H_

#include <cstdint>

#include "linact/activation.h"

namespace linact::ref {

struct LinearShape {
  int64_t batch = 0;
  int64_t in_features = 0;
  int64_t out_features = 0;
  int64_t ldx = 0;
  int64_t ldw = 0;
  int64_t ldy = 0;
};

// A packed shape: every row stride equals its row length.
LinearShape packed_shape(int64_t batch, int64_t in_features, int64_t out_features);

// y = act(x w^T + bias); bias may be null (no bias); z (may be null) receives x w^T + bias.
void linear_forward(const LinearShape& shape, Activation act, float alpha, const float* x,
                    const float* w, const float* bias, float* y, float* z);
void linear_forward(const LinearShape& shape, Activation act, double alpha, const double* x,
                    const double* w, const double* bias, double* y, double* z);

// dz = dy * act'(saved) with saved = z where saves_preactivation(act, alpha), else y;
// dx = dz w, dw = dz^T x, db = column sums of dz. dx, dw, db may each be null. With accumulate
// dw and db are added to (the sum is formed in double, then added to the stored value).
// z may be null when the activation reads y.
void linear_backward(const LinearShape& shape, Activation act, float alpha, const float* x,
                     const float* w, const float* y, const float* z, const float* dy, float* dx,
                     float* dw, float* db, bool accumulate);
void linear_backward(const LinearShape& shape, Activation act, double alpha, const double* x,
                     const double* w, const double* y, const double* z, const double* dy,
                     double* dx, double* dw, double* db, bool accumulate);

}  // namespace linact::ref

#endif  // LINACT_TESTS_REFERENCE_LINEAR_REFERENCE_H_
