#include "knowledge/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.h"
#include "util/hash.h"

namespace vole::knowledge {

namespace {
[[noreturn]] void fail_errno(int err, const std::string& what, const std::filesystem::path& path) {
  ErrorCode code = (err == ENOENT || err == ENOTDIR) ? ErrorCode::NotFound : ErrorCode::Io;
  fail(code, what + " " + path.string() + ": " + std::strerror(err));
}
}  // namespace

FileReader::FileReader(const std::filesystem::path& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the S_ISREG check below refuses it.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) fail_errno(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    int err = errno;
    ::close(fd_);
    fail_errno(err, "cannot inspect", path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fail(ErrorCode::Unsupported, path.string() + " is not a regular file");
  }
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
  size_ = static_cast<uint64_t>(st.st_size);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

size_t FileReader::read(char* buffer, size_t capacity) {
  for (;;) {
    ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0) {
      position_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) fail_errno(errno, "cannot read", path_);
  }
}

std::string read_head(const std::filesystem::path& path, size_t max) {
  FileReader file(path);
  std::string head(max, '\0');
  size_t got = 0;
  while (got < max) {
    size_t n = file.read(head.data() + got, max - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  return head;
}

uint64_t hash_file(const std::filesystem::path& path, const std::atomic<bool>* cancel) {
  FileReader file(path);
  Xxh3Stream hash;
  std::vector<char> buffer(1 << 20);
  while (size_t n = file.read(buffer.data(), buffer.size())) {
    if (cancel && cancel->load(std::memory_order_relaxed)) fail(ErrorCode::Cancelled, "hashing cancelled");
    hash.update({reinterpret_cast<const uint8_t*>(buffer.data()), n});
  }
  return hash.digest();
}

}  // namespace vole::knowledge
