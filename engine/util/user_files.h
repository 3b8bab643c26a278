#pragma once
// Files the user names: what Vole writes on their behalf (an --out path, an export, a
// WAV) and what it reads from a path they give. What is at the path decides how, so a
// link or a device is never replaced by a regular file and /dev/zero is never read to
// the end. (util/file.h's write_file_atomic stays for Vole's own files.)
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "util/file.h"

namespace vole {

// Writes a file the user named:
// - nothing, or a regular file: atomic replace (temp file + fsync + rename; the old
//   file's permissions are kept);
// - a symbolic link (or a chain of them): its final target, as above; the link stays;
// - a FIFO, a character device (/dev/null, a terminal) or "-" (standard output):
//   opened and written in place;
// - a directory, a block device, a socket, a symlink loop: refused (InvalidArgument),
//   nothing touched.
class OutputFile {
 public:
  explicit OutputFile(const fs::path& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::span<const uint8_t> data);
  void write(std::string_view text);
  // Makes the bytes final (the rename of an atomic replace); without it nothing replaces
  // the old file. In-place targets are written as they come.
  void commit();
  // Where the bytes end up: the resolved file, or the path given for in-place targets.
  const fs::path& target() const { return target_; }

 private:
  fs::path target_;
  std::unique_ptr<AtomicFileWriter> atomic_;
  int fd_ = -1;          // in-place target
  bool own_fd_ = false;  // false for standard output
};

void write_output_file(const fs::path& path, std::span<const uint8_t> data);
void write_output_file(const fs::path& path, std::string_view text);

// What is at `path`, following links, in words for messages: "missing", "a folder",
// "a regular file", "a character device", "a FIFO", "a loop of symbolic links", ...
std::string describe_path(const fs::path& path);

// read_text_file (util/file.h) reads at most this much from anything.
inline constexpr size_t kMaxTextFileBytes = size_t{512} << 20;
// The same with another bound: a folder is refused; a FIFO or device (/dev/stdin, a
// pipe from the shell) is read up to `max_bytes`, and anything larger is refused rather
// than read until memory runs out (/dev/zero).
std::string read_text_file(const fs::path& path, size_t max_bytes);

}  // namespace vole
