// Feeds arbitrary bytes to the checkpoint parser, whole-file and payload-only (random bytes almost
// never carry a matching CRC32, so the payload parser needs its own entry). The format has one
// encoding per content, so any payload that parses must serialize back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "io/checkpoint.h"
#include "io/file_bytes.h"

namespace {

using linact::host::IoError;

void check_file(const uint8_t* data, size_t size) {
  try {
    linact::host::parse_checkpoint(data, size, "fuzz");
  } catch (const IoError&) {
  }
}

void check_payload(const uint8_t* data, size_t size) {
  linact::host::Checkpoint checkpoint;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_file(data, size);
  check_payload(data, size);
  return 0;
}
