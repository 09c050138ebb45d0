// Comparison helpers shared by the test suites. A failed comparison names the first mismatching
// index with its value, the reference and the tolerance, and the worst error as a fraction of the
// tolerance, so a near miss and a wild miss read differently.
#ifndef LINACT_TESTS_COMMON_COMPARE_H_
#define LINACT_TESTS_COMMON_COMPARE_H_

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>

namespace linact::test {

// |actual - expected| <= abs_tol + rel_tol * |expected| at every index; NaN matches NaN only and
// an infinity matches the same infinity only.
inline ::testing::AssertionResult all_close(const float* actual, const float* expected, size_t n,
                                            double rel_tol, double abs_tol, const char* what) {
  size_t mismatches = 0;
  size_t first = n;
  double worst_fraction = 0.0;
  size_t worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = actual[i];
    const double e = expected[i];
    bool ok;
    double fraction = 0.0;
    if (std::isnan(e) || std::isnan(a)) {
      ok = std::isnan(e) && std::isnan(a);
      fraction = ok ? 0.0 : INFINITY;
    } else if (std::isinf(e) || std::isinf(a)) {
      ok = a == e;
      fraction = ok ? 0.0 : INFINITY;
    } else {
      const double tol = abs_tol + rel_tol * std::fabs(e);
      const double err = std::fabs(a - e);
      fraction = tol > 0.0 ? err / tol : (err == 0.0 ? 0.0 : INFINITY);
      ok = err <= tol;
    }
    if (fraction > worst_fraction) {
      worst_fraction = fraction;
      worst = i;
    }
    if (!ok) {
      ++mismatches;
      if (first == n) first = i;
    }
  }
  if (mismatches == 0) {
    return ::testing::AssertionSuccess()
           << what << ": " << n << " values within tolerance (worst used " << worst_fraction
           << " of it)";
  }
  std::ostringstream msg;
  msg.precision(9);
  msg << what << ": " << mismatches << " of " << n << " values differ. First at index " << first
      << ": got " << actual[first] << ", reference " << expected[first] << ", tolerance " << abs_tol
      << " + " << rel_tol << " * |reference|. Worst at index " << worst << ": got " << actual[worst]
      << ", reference " << expected[worst];
  return ::testing::AssertionFailure() << msg.str();
}

// Bitwise equality, for determinism and untouched-memory checks.
inline ::testing::AssertionResult bitwise_equal(const float* actual, const float* expected,
                                                size_t n, const char* what) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t a, e;
    std::memcpy(&a, actual + i, 4);
    std::memcpy(&e, expected + i, 4);
    if (a != e) {
      std::ostringstream msg;
      msg.precision(9);
      msg << what << ": first difference at index " << i << ": got " << actual[i] << " (0x"
          << std::hex << a << "), expected " << std::dec << expected[i] << " (0x" << std::hex << e
          << ")";
      return ::testing::AssertionFailure() << msg.str();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace linact::test

#endif  // LINACT_TESTS_COMMON_COMPARE_H_
