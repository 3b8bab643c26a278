#include "util/file.h"

#include "util/user_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace vole {

namespace {
[[noreturn]] void fail_errno(const std::string& what, const fs::path& path) {
  int err = errno;
  ErrorCode code = (err == ENOENT) ? ErrorCode::NotFound
                   : (err == ENOMEM) ? ErrorCode::OutOfMemory
                                     : ErrorCode::Io;
  fail(code, what + " " + path.string() + ": " + std::strerror(err));
}
}  // namespace

MappedFile::MappedFile(const fs::path& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files map.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP) fail(ErrorCode::InvalidFile, "cannot open " + path.string() + ": a loop of symbolic links");
    fail_errno("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail_errno("cannot stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(ErrorCode::InvalidArgument, path.string() + " is not a regular file: it is " + describe_path(path));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      fail_errno("cannot map", path);
    }
    data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::reset() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

void MappedFile::release_pages(size_t offset, size_t length) const {
  if (!data_ || offset >= size_) return;
  long page = ::sysconf(_SC_PAGESIZE);
  size_t begin = (offset + page - 1) / page * page;  // only whole pages inside the range
  size_t end = std::min(size_, offset + length) / page * page;
  if (end > begin) ::madvise(const_cast<uint8_t*>(data_) + begin, end - begin, MADV_DONTNEED);
}

std::string describe_path(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return "missing";
    if (errno == ELOOP) return "a loop of symbolic links";
    return std::string("unreadable (") + std::strerror(errno) + ")";
  }
  if (S_ISDIR(st.st_mode)) return "a folder";
  if (S_ISREG(st.st_mode)) return "a regular file";
  if (S_ISCHR(st.st_mode)) return "a character device";
  if (S_ISBLK(st.st_mode)) return "a block device";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "not a regular file";
}

std::string read_text_file(const fs::path& path) { return read_text_file(path, kMaxTextFileBytes); }

std::string read_text_file(const fs::path& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) fail(ErrorCode::InvalidFile, "cannot open " + path.string() + ": a loop of symbolic links");
    fail_errno("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail_errno("cannot stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    fail(ErrorCode::InvalidArgument, path.string() + " is a folder, not a file");
  }
  auto too_big = [&] {
    ::close(fd);
    fail(ErrorCode::InvalidArgument, path.string() + " is larger than " + std::to_string(max_bytes >> 20) +
                                         " MiB, the most Vole reads from such a file");
  };
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) too_big();
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      errno = err;
      fail_errno("cannot read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) too_big();
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

AtomicFileWriter::AtomicFileWriter(const fs::path& path) : path_(path), tmp_(path) {
  tmp_ += ".tmp-" + std::to_string(::getpid());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_errno("cannot create", tmp_);
}

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

void AtomicFileWriter::abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
}

void AtomicFileWriter::write_at(uint64_t offset, std::span<const uint8_t> data) {
  require(fd_ >= 0, "write to a closed file " + tmp_.string());
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      abandon();
      errno = err;
      fail_errno("cannot write", tmp_);
    }
    done += static_cast<size_t>(n);
  }
  size_ = std::max<uint64_t>(size_, offset + data.size());
}

void AtomicFileWriter::write(std::span<const uint8_t> data) { write_at(size_, data); }

void AtomicFileWriter::commit() {
  require(fd_ >= 0, "commit of a closed file " + tmp_.string());
  if (::fsync(fd_) != 0) {
    int err = errno;
    abandon();
    errno = err;
    fail_errno("cannot flush", tmp_);
  }
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0 || ::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    errno = err;
    fail_errno("cannot rename into", path_);
  }
  // Persist the directory entry too, so the rename survives a power cut.
  int dfd = ::open(path_.parent_path().empty() ? "." : path_.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const fs::path& path, std::span<const uint8_t> data) {
  AtomicFileWriter writer(path);
  writer.write(data);
  writer.commit();
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  write_file_atomic(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

namespace {

// Follows a chain of symbolic links to the path a write lands on (which may not exist
// yet: a dangling link creates its target). Relative links resolve against their folder.
fs::path resolve_links(const fs::path& path) {
  fs::path p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    if (hops >= 40) fail(ErrorCode::InvalidArgument, "cannot write " + path.string() + ": a loop of symbolic links");
    std::error_code ec;
    fs::path link = fs::read_symlink(p, ec);
    if (ec) fail(ErrorCode::Io, "cannot read the symbolic link " + p.string() + ": " + ec.message());
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
}

const char* kind_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

OutputFile::OutputFile(const fs::path& path) {
  require(!path.empty(), "no output file named");
  if (path == "-") {
    target_ = path;
    std::fflush(stdout);  // what stdio holds comes first
    fd_ = STDOUT_FILENO;
    return;
  }
  target_ = resolve_links(path);
  struct stat st {};
  if (::stat(target_.c_str(), &st) != 0) {
    if (errno != ENOENT) fail_errno("cannot write", path);
    atomic_ = std::make_unique<AtomicFileWriter>(target_);  // a new file
    return;
  }
  if (S_ISREG(st.st_mode)) {
    atomic_ = std::make_unique<AtomicFileWriter>(target_);
    ::chmod(atomic_->temp_path().c_str(), st.st_mode & 07777);  // the old file's bits, umask aside
    return;
  }
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) fail_errno("cannot open", target_);
    own_fd_ = true;
    return;
  }
  std::string shown = target_ == path ? path.string() : path.string() + " (-> " + target_.string() + ")";
  fail(ErrorCode::InvalidArgument, "cannot write to " + shown + ": it is " + kind_name(st.st_mode));
}

OutputFile::~OutputFile() {
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

void OutputFile::write(std::span<const uint8_t> data) {
  if (atomic_) return atomic_->write(data);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot write", target_);
    }
    done += static_cast<size_t>(n);
  }
}

void OutputFile::write(std::string_view text) {
  write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void OutputFile::commit() {
  if (atomic_) return atomic_->commit();
  if (own_fd_) {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_errno("cannot write", target_);
  }
}

void write_output_file(const fs::path& path, std::span<const uint8_t> data) {
  OutputFile out(path);
  out.write(data);
  out.commit();
}

void write_output_file(const fs::path& path, std::string_view text) {
  OutputFile out(path);
  out.write(text);
  out.commit();
}

}  // namespace vole
