#pragma once
// libsndfile over memory: a read-only view of a whole file's bytes, and a growable byte
// vector to encode into. Both the decoder and the WAV writer go through these, so no
// code path hands libsndfile a path (it never opens, creates or replaces files itself).
#include <sndfile.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vole::audio::detail {

struct MemoryReader {
  std::span<const uint8_t> bytes;
  sf_count_t position = 0;
};

struct MemoryWriter {
  std::vector<uint8_t> bytes;
  sf_count_t position = 0;
};

SF_VIRTUAL_IO* reader_io();
SF_VIRTUAL_IO* writer_io();

// Owns an open SNDFILE*.
class SndFile {
 public:
  SndFile() = default;
  explicit SndFile(SNDFILE* f) : file_(f) {}
  ~SndFile() {
    if (file_) sf_close(file_);
  }
  SndFile(const SndFile&) = delete;
  SndFile& operator=(const SndFile&) = delete;
  SNDFILE* get() const { return file_; }
  void reset(SNDFILE* f) {
    close();
    file_ = f;
  }
  // Closes now (the writer needs the header finished before it reads the bytes).
  int close() {
    int r = file_ ? sf_close(file_) : 0;
    file_ = nullptr;
    return r;
  }

 private:
  SNDFILE* file_ = nullptr;
};

}  // namespace vole::audio::detail
