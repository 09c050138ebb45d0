// The runner's one source of randomness: initial weights, the shuffle of each epoch and the
// generator's noise all come from a std::mt19937_64 seeded with --seed, turned into numbers by
// the formulas below rather than by <random>'s distributions, whose outputs the C++ standard
// leaves to each library. The same seed therefore gives the same run with any compiler.
//   uniform01   (x >> 40) * 2^-24: a float in [0, 1) with 24 random bits
//   normal      Box-Muller on two 53-bit doubles u1 in (0, 1], u2 in [0, 1):
//               sqrt(-2 ln u1) cos(2 pi u2) and sqrt(-2 ln u1) sin(2 pi u2), in that order
//   below(n)    rejection sampling on x mod n, so every value in [0, n) is equally likely
#ifndef LINACT_HOST_RNG_H_
#define LINACT_HOST_RNG_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace linact::host {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  float uniform01();
  float uniform(float low, float high) { return low + (high - low) * uniform01(); }
  uint64_t below(uint64_t n);
  // Fills out[0, count) with standard normal samples; pairs never straddle two calls.
  void fill_normal(float* out, int64_t count);
  void shuffle(std::vector<int64_t>& v);

  // The engine's whole state as text (the standard's stream format), for checkpoints.
  std::string state() const;
  // Restores a state from state(); returns false, changing nothing, when the text is malformed.
  bool set_state(const std::string& text);

 private:
  std::mt19937_64 engine_;
};

}  // namespace linact::host

#endif  // LINACT_HOST_RNG_H_
