// Feeds arbitrary bytes to the checkpoint parser, whole-file and payload-only (random bytes almost
// never carry a matching CRC32, so the payload parser needs its own entry). The format has one
// encoding per content, so any payload that parses must serialize back to the same bytes.
// Whatever parses then goes to the training run's loader (from_checkpoint), whose config, size
// and state checks must refuse with an IoError and never allocate what the file does not hold; a
// training run it accepts must save and load back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "gan_checkpoint.h"
#include "io/checkpoint.h"
#include "io/file_bytes.h"

namespace {

using linact::host::Checkpoint;
using linact::host::IoError;
using linact::host::TrainingSnapshot;

void check_training_run(const Checkpoint& checkpoint) {
  TrainingSnapshot snapshot;
  try {
    snapshot = linact::host::from_checkpoint(checkpoint, "fuzz");
  } catch (const IoError&) {
    return;
  }
  // Bytes, not floats, are compared: NaN payloads must come back too.
  const auto saved = linact::host::serialize_checkpoint(linact::host::to_checkpoint(snapshot));
  const TrainingSnapshot again = linact::host::from_checkpoint(
      linact::host::parse_checkpoint(saved.data(), saved.size(), "fuzz"), "fuzz");
  if (linact::host::serialize_checkpoint(linact::host::to_checkpoint(again)) != saved) std::abort();
}

void check_file(const uint8_t* data, size_t size) {
  Checkpoint checkpoint;
  try {
    checkpoint = linact::host::parse_checkpoint(data, size, "fuzz");
  } catch (const IoError&) {
    return;
  }
  check_training_run(checkpoint);
}

void check_payload(const uint8_t* data, size_t size) {
  Checkpoint checkpoint;
  try {
    checkpoint = linact::host::parse_checkpoint_payload(data, size, "fuzz");
  } catch (const IoError&) {
    return;
  }
  const auto bytes = linact::host::serialize_checkpoint(checkpoint);
  const size_t header = linact::host::kCheckpointHeaderBytes;
  if (bytes.size() != header + size || std::memcmp(bytes.data() + header, data, size) != 0) {
    std::abort();
  }
  check_training_run(checkpoint);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_file(data, size);
  check_payload(data, size);
  return 0;
}
