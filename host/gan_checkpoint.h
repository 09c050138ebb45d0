// A training run as a checkpoint (host/io's format): everything needed to continue it exactly.
//   texts    "kind" = "linact-gan", "config" (the GanConfig as JSON), "rng" (generator state)
//   scalars  "epochs_done" (epochs completed), "limit" (TrainingSnapshot::limit), "G.step" and
//            "D.step" (Adam steps taken by each network)
//   tensors  per layer i of G and D: "G.<i>.weight" [out * in], "G.<i>.bias" [out], and the Adam
//            moments of each as "<name>.adam_m" and "<name>.adam_v"
#ifndef LINACT_HOST_GAN_CHECKPOINT_H_
#define LINACT_HOST_GAN_CHECKPOINT_H_

#include <string>

#include "backend.h"
#include "io/checkpoint.h"

namespace linact::host {

struct TrainingSnapshot {
  GanConfig config;
  GanState state;
  std::string rng_state;
  int64_t epochs_done = 0;
  // The run trains on its first `limit` images only (TrainOptions::limit); 0 = all. A resumed
  // run must use the same value to continue as the straight run would have.
  int64_t limit = 0;
};

Checkpoint to_checkpoint(const TrainingSnapshot& snapshot);

// Throws IoError naming `source` when an entry is missing, of the wrong size, or the config or
// RNG text is malformed. Every tensor's size is checked against the config before the state is
// allocated, so a config of absurd widths is refused rather than exhausting memory.
TrainingSnapshot from_checkpoint(const Checkpoint& checkpoint, const std::string& source);

}  // namespace linact::host

#endif  // LINACT_HOST_GAN_CHECKPOINT_H_
