// The C++ header include/linact/linact.hpp: the handle's lifetime, errors as exceptions carrying
// the status and the message, and the typed Linear calls.
#include "linact/linact.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "linear_test_support.h"

namespace linact::test {
namespace {

TEST(LinactHpp, HandleMovesAndKeepsItsStream) {
  Handle a;
  ASSERT_NE(a.get(), nullptr);
  EXPECT_EQ(a.stream(), nullptr);
  linactHandle_t raw = a.get();
  Handle b(std::move(a));
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(a.get(), nullptr);
}

TEST(LinactHpp, FailedCallThrowsErrorWithStatusAndMessage) {
  Handle h;
  linactLinearDesc_t d{};
  d.m = -2;
  d.n = 3;
  d.k = 4;
  try {
    linear_forward(h, d, nullptr, nullptr, nullptr, nullptr);
    FAIL() << "a negative batch did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), LINACT_STATUS_INVALID_VALUE);
    EXPECT_NE(std::string(e.what()).find("desc->m is -2"), std::string::npos) << e.what();
  }
  d.m = 2;
  d.dtype = LINACT_BF16;
  EXPECT_THROW(linear_aux_size(d), Error);
}

TEST(LinactHpp, TypedForwardAndBackwardMatchTheReference) {
  Handle h;
  Problem p;
  p.m = 9;
  p.n = 6;
  p.k = 5;
  p.act = Activation::kSilu;
  const LayerData d(p, 21);
  const linactLinearDesc_t desc = p.desc();
  ASSERT_EQ(linear_aux_size(desc), static_cast<size_t>(p.m * p.n) * sizeof(float));

  DeviceCopy x(d.x), w(d.w), bias(d.bias), dy(d.dy);
  Strided y_out(p.m, p.n, p.ldy(), 0, poison()), z_out(p.m, p.n, p.n, 0, poison());
  DeviceCopy y(y_out), z(z_out);
  linear_forward(h, desc, x.ptr(), w.ptr(), bias.ptr(), y.ptr(), z.ptr());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  y_out.data = y.buffer.download();
  EXPECT_TRUE(matches(y_out, d.y, p.k, "y"));

  Gradients got = Gradients::poisoned(p, true, true, true);
  DeviceCopy dx(got.dx), dw(got.dw), db(got.db);
  linear_backward(h, desc, x.ptr(), w.ptr(), y.ptr(), z.ptr(), dy.ptr(), dx.ptr(), dw.ptr(),
                  db.ptr());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  got.dx.data = dx.buffer.download();
  got.dw.data = dw.buffer.download();
  got.db.data = db.buffer.download();
  // The reference reads its own y and z; the kernel's agree with them to the tolerance.
  Gradients want = Gradients::poisoned(p, true, true, true);
  reference_backward(d, want, false);
  EXPECT_TRUE(matches(got.dx, want.dx, p.n, "dx"));
  EXPECT_TRUE(matches(got.dw, want.dw, p.m, "dw"));
  EXPECT_TRUE(matches(got.db, want.db, p.m, "db"));
}

}  // namespace
}  // namespace linact::test
