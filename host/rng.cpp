#include "rng.h"

#include <cmath>
#include <sstream>

namespace linact::host {

float Rng::uniform01() {
  return static_cast<float>(engine_() >> 40) * 0x1.0p-24f;
}

uint64_t Rng::below(uint64_t n) {
  // Values at or above the largest multiple of n would favour small results.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = engine_();
  while (x >= limit)
    x = engine_();
  return x % n;
}

void Rng::fill_normal(float* out, int64_t count) {
  constexpr double kTwoPi = 6.283185307179586476925;
  for (int64_t i = 0; i < count; i += 2) {
    const double u1 = static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    out[i] = static_cast<float>(r * std::cos(kTwoPi * u2));
    if (i + 1 < count) out[i + 1] = static_cast<float>(r * std::sin(kTwoPi * u2));
  }
}

void Rng::shuffle(std::vector<int64_t>& v) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(below(i));
    std::swap(v[i - 1], v[j]);
  }
}

std::string Rng::state() const {
  std::ostringstream out;
  out << engine_;
  return out.str();
}

bool Rng::set_state(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) return false;
  engine_ = engine;
  return true;
}

}  // namespace linact::host
