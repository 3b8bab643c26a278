#pragma once
// Reads a file front to back in blocks, for extractors that stream (a 2 GB file is never
// loaded whole). Open and read failures are vole::Errors that name the file and the reason
// (permission denied, vanished, I/O error). Refuses anything that is not a regular file, so a
// FIFO or device can never block or flood the indexer.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace vole::knowledge {

class FileReader {
 public:
  explicit FileReader(const std::filesystem::path& path);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Up to `capacity` bytes; 0 at the end of the file.
  size_t read(char* buffer, size_t capacity);
  uint64_t size() const { return size_; }  // at open
  uint64_t position() const { return position_; }
  int fd() const { return fd_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
};

// The first `max` bytes of a file (fewer if it is shorter).
std::string read_head(const std::filesystem::path& path, size_t max);

// XXH3-64 of the whole file, streamed. `cancel` (optional) is checked per block.
uint64_t hash_file(const std::filesystem::path& path, const std::atomic<bool>* cancel = nullptr);

}  // namespace vole::knowledge
