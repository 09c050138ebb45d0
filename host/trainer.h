// The training loop: per epoch one shuffle of the data, then every batch in order, the last one
// short when the batch size does not divide the count (60000 at 128: 468 of 128 and one of 96).
// Noise for each step is drawn after the shuffle from the same generator, so a run is fixed by
// its seed, and a run resumed from the state after an epoch continues exactly as if it had not
// stopped.
#ifndef LINACT_HOST_TRAINER_H_
#define LINACT_HOST_TRAINER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "backend.h"
#include "rng.h"

namespace linact::host {

struct EpochSummary {
  int64_t epoch = 0;  // 1-based number of the epoch just finished
  int64_t steps = 0;
  int64_t images = 0;
  double seconds = 0.0;
  StepStats mean;  // means over the epoch's steps
  StepStats last;  // the last step's values
};

// Called after every step: 1-based step within the epoch, steps in the epoch, that step's stats,
// images trained on so far in the epoch.
using StepCallback =
    std::function<void(int64_t step, int64_t steps, const StepStats& stats, int64_t images)>;

int64_t steps_per_epoch(int64_t count, int64_t batch_size);

class Trainer {
 public:
  // `rng` continues the generator that drew the backend's initial parameters.
  Trainer(const GanConfig& config, Backend& backend, Rng rng, int64_t epochs_done = 0);

  // One epoch over images [count, 784].
  EpochSummary run_epoch(const float* images, int64_t count, const StepCallback& on_step = {});

  int64_t epochs_done() const { return epochs_done_; }
  const Rng& rng() const { return rng_; }

 private:
  GanConfig config_;
  Backend& backend_;
  Rng rng_;
  int64_t epochs_done_;
  std::vector<int64_t> order_;
  std::vector<float> real_;
  std::vector<float> noise_;
};

// The fixed noise batch of the per-epoch sample grids: `count` rows drawn from its own generator
// seeded from `seed`, so it is the same in every epoch and after a resume.
std::vector<float> fixed_noise(uint64_t seed, int64_t count, int64_t noise_dim);

}  // namespace linact::host

#endif  // LINACT_HOST_TRAINER_H_
