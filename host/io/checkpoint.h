// Checkpoints of the runner: named fp32 tensors, int64 scalars and texts in one file with a
// version and a CRC32. The byte layout is specified in host/io/CHECKPOINT.md.
#ifndef LINACT_HOST_IO_CHECKPOINT_H_
#define LINACT_HOST_IO_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace linact::host {

constexpr char kCheckpointMagic[8] = {'L', 'I', 'N', 'A', 'C', 'T', 'C', 'K'};
constexpr uint32_t kCheckpointVersion = 1;
constexpr size_t kCheckpointHeaderBytes = 28;
constexpr size_t kCheckpointMaxNameBytes = 1024;

// What a checkpoint holds; names are free-form (the runner uses "G.0.weight", "G.0.weight.adam_m",
// "G.step", "rng", "config", ...; CHECKPOINT.md lists them all). Names are unique per kind and
// 1..1024 bytes long.
struct Checkpoint {
  std::map<std::string, std::vector<float>> tensors;
  std::map<std::string, int64_t> scalars;
  std::map<std::string, std::string> texts;
};

// The complete file image of a checkpoint. Throws IoError for a name that is empty or too long.
std::vector<uint8_t> serialize_checkpoint(const Checkpoint& checkpoint);

// Parse a whole checkpoint file held in memory: header, version, size, checksum, then payload.
// Nothing is returned unless every check passes. `source` names the file in messages.
Checkpoint parse_checkpoint(const uint8_t* data, size_t size, const std::string& source);

// Parse only the payload (the bytes the checksum covers). parse_checkpoint calls it once the
// header checks pass; exposed so a fuzzer can reach it without forging checksums.
Checkpoint parse_checkpoint_payload(const uint8_t* data, size_t size, const std::string& source);

// Write atomically: a reader sees the previous file or the complete new one.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Throws IoError naming the file and the fault for a truncated, corrupted, foreign or
// newer-version file.
Checkpoint load_checkpoint(const std::string& path);

// Look up an entry a caller needs; a missing entry (or a tensor of another size) throws IoError
// naming `source`, the entry and what was found.
const std::vector<float>& checkpoint_tensor(const Checkpoint& checkpoint, const std::string& name,
                                            size_t expected_size, const std::string& source);
int64_t checkpoint_scalar(const Checkpoint& checkpoint, const std::string& name,
                          const std::string& source);
const std::string& checkpoint_text(const Checkpoint& checkpoint, const std::string& name,
                                   const std::string& source);

}  // namespace linact::host

#endif  // LINACT_HOST_IO_CHECKPOINT_H_
