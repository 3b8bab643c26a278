#pragma once
// Files: read-only memory maps for model weights, whole-file reads for small
// metadata, and crash-safe writes (temp file + fsync + rename) for anything we own.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace vole {

namespace fs = std::filesystem;

// A read-only memory map of a whole file. Move-only; unmaps on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const fs::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const fs::path& path() const { return path_; }
  // Tells the kernel we are done with a range so its pages can be dropped from RAM.
  void release_pages(size_t offset, size_t length) const;

 private:
  void reset();
  fs::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

std::string read_text_file(const fs::path& path);

// Streams a file into place atomically: bytes go to a temp file next to `path`
// ("<path>.tmp-<pid>"); commit() flushes it to disk and renames it over `path`. If the
// writer is destroyed without commit() (an error, an exception) the temp file is
// removed; if the process is killed, only the temp file is left, never a torn `path`.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const fs::path& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(std::span<const uint8_t> data);                   // appends
  void write_at(uint64_t offset, std::span<const uint8_t> data);  // overwrites earlier bytes
  uint64_t size() const { return size_; }
  const fs::path& temp_path() const { return tmp_; }
  void commit();

 private:
  void abandon();
  fs::path path_, tmp_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Writes `data` to `path` atomically: readers see the old or the new file, never a
// torn one, even if the process is killed mid-write.
void write_file_atomic(const fs::path& path, std::span<const uint8_t> data);
void write_file_atomic(const fs::path& path, const std::string& text);

}  // namespace vole
