// Whole-file reads and atomic writes shared by the runner's file formats.
#ifndef LINACT_HOST_IO_FILE_BYTES_H_
#define LINACT_HOST_IO_FILE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace linact::host {

// Every reader and writer of host/io reports failures with this type. The message starts with
// the file's path and says what is wrong with it.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bytes of a file as stored. Anything but a regular file (a directory, a device such as
// /dev/zero, a pipe) is refused with an IoError naming the path and what it is.
std::vector<uint8_t> read_file(const std::string& path);

// The bytes of a file, decompressed when it is gzip and as stored otherwise. Only regular files
// are read, as by read_file, and a stream that decompresses to more than max_bytes is refused
// rather than filling memory.
std::vector<uint8_t> read_decompressed(const std::string& path, size_t max_bytes);

// Replaces `path` with `size` bytes such that a reader sees either the old file or the whole new
// one, never a part: write a temporary file in the same folder, fsync it, rename it over `path`,
// fsync the folder.
void write_file_atomically(const std::string& path, const void* data, size_t size);

}  // namespace linact::host

#endif  // LINACT_HOST_IO_FILE_BYTES_H_
