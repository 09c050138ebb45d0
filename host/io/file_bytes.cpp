#include "io/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace linact::host {
namespace {

// gzread takes an unsigned length; a few MiB per call keeps the number of calls small.
constexpr size_t kReadChunk = size_t{4} << 20;

[[noreturn]] void throw_errno(const std::string& path, const std::string& what) {
  throw IoError(path + ": " + what + ": " + std::strerror(errno));
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void write_all(int fd, const std::string& path, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno(path, "cannot write");
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Makes the rename itself durable; a folder that cannot be opened for this is not an error of
// the file just written, so failures here are ignored.
void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Owns a gzFile so every exit path closes it (and with it the descriptor it was given).
class GzFile {
 public:
  explicit GzFile(int fd) : file_(gzdopen(fd, "rb")), name_("<fd:" + std::to_string(fd) + ">") {}
  ~GzFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  gzFile get() const { return file_; }
  // What zlib calls the file in its messages.
  const std::string& name() const { return name_; }

 private:
  gzFile file_;
  std::string name_;
};

// zlib prefixes its messages with its name for the file, "<fd:N>"; the caller's message already
// starts with the path.
std::string gz_error_text(const GzFile& file) {
  int code = Z_OK;
  const char* text = gzerror(file.get(), &code);
  if (code == Z_ERRNO) return std::strerror(errno);
  std::string message = text != nullptr ? text : "unknown zlib error";
  const std::string prefix = file.name() + ": ";
  if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
  return message;
}

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

// Opens a regular file for reading and returns its descriptor and size. A device such as
// /dev/zero would never end and a pipe would block, so anything else is refused by type.
// O_NONBLOCK keeps the open itself from waiting for a pipe's writer; it has no effect on the
// reads of a regular file.
int open_regular(const std::string& path, off_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw_errno(path, "cannot open");
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    throw_errno(path, "cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError(path + ": is " + file_type_name(st.st_mode) +
                  ", not a regular file; give the path of a file");
  }
  if (size != nullptr) *size = st.st_size;
  return fd;
}

}  // namespace

std::vector<uint8_t> read_file(const std::string& path) {
  off_t size = 0;
  const int fd = open_regular(path, &size);
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(size));
  std::vector<uint8_t> chunk(kReadChunk);
  while (true) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      throw_errno(path, "cannot read");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  }
  ::close(fd);
  return bytes;
}

std::vector<uint8_t> read_decompressed(const std::string& path, size_t max_bytes) {
  const int fd = open_regular(path, nullptr);
  GzFile file(fd);
  if (file.get() == nullptr) {
    ::close(fd);
    throw IoError(path + ": cannot open for gzip reading (out of memory?)");
  }

  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(kReadChunk);
  while (true) {
    const int n = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) throw IoError(path + ": cannot read (corrupt gzip data?): " + gz_error_text(file));
    if (n == 0) break;
    if (bytes.size() + static_cast<size_t>(n) > max_bytes) {
      throw IoError(path + ": holds more than " + std::to_string(max_bytes) +
                    " bytes of data; not a file this reader expects");
    }
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  }

  // A gzip stream cut short ends with n == 0 like a complete one; only gzerror tells them apart.
  int code = Z_OK;
  gzerror(file.get(), &code);
  if (code != Z_OK) {
    throw IoError(path +
                  ": gzip stream is damaged or cut short (truncated?): " + gz_error_text(file));
  }
  return bytes;
}

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw_errno(path, "cannot create a temporary file beside it (" + temp + ")");

  try {
    write_all(fd, path, static_cast<const uint8_t*>(data), size);
    // mkstemp creates the file private to its owner; the result should read like any other file.
    if (::fchmod(fd, 0644) != 0) throw_errno(path, "cannot set permissions of " + temp);
    if (::fsync(fd) != 0) throw_errno(path, "cannot flush to disk");
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    throw_errno(path, "cannot close " + temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    throw_errno(path, "cannot rename " + temp + " over it");
  }
  sync_dir(parent_dir(path));
}

}  // namespace linact::host
