#include "audio/sndfile_io.h"

#include <algorithm>
#include <cstring>

namespace vole::audio::detail {

namespace {

// The callbacks both directions share, over MemoryReader or MemoryWriter (each has
// `bytes` and `position`).
template <class Memory>
Memory& memory(void* user) {
  return *static_cast<Memory*>(user);
}

template <class Memory>
sf_count_t length(void* user) {
  return static_cast<sf_count_t>(memory<Memory>(user).bytes.size());
}

// SEEK_SET / SEEK_CUR / SEEK_END; a negative result is refused (libsndfile treats -1 as
// an error).
template <class Memory>
sf_count_t seek(sf_count_t offset, int whence, void* user) {
  Memory& m = memory<Memory>(user);
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m.position : length<Memory>(user);
  if (offset < 0 && base < -offset) return -1;
  m.position = base + offset;
  return m.position;
}

template <class Memory>
sf_count_t read(void* ptr, sf_count_t count, void* user) {
  Memory& m = memory<Memory>(user);
  sf_count_t size = length<Memory>(user);
  if (count <= 0 || m.position >= size) return 0;
  sf_count_t n = std::min(count, size - m.position);
  std::memcpy(ptr, m.bytes.data() + m.position, static_cast<size_t>(n));
  m.position += n;
  return n;
}

template <class Memory>
sf_count_t tell(void* user) {
  return memory<Memory>(user).position;
}

sf_count_t refuse_write(const void*, sf_count_t, void*) { return 0; }

// Writes at the current position, growing the vector (libsndfile seeks back to finish
// the header, so writes are not always appends).
sf_count_t write(const void* ptr, sf_count_t count, void* user) {
  MemoryWriter& w = memory<MemoryWriter>(user);
  if (count <= 0) return 0;
  size_t end = static_cast<size_t>(w.position + count);
  if (end > w.bytes.size()) w.bytes.resize(end);
  std::memcpy(w.bytes.data() + w.position, ptr, static_cast<size_t>(count));
  w.position += count;
  return count;
}

SF_VIRTUAL_IO g_reader = {length<MemoryReader>, seek<MemoryReader>, read<MemoryReader>, refuse_write,
                          tell<MemoryReader>};
SF_VIRTUAL_IO g_writer = {length<MemoryWriter>, seek<MemoryWriter>, read<MemoryWriter>, write, tell<MemoryWriter>};

}  // namespace

SF_VIRTUAL_IO* reader_io() { return &g_reader; }
SF_VIRTUAL_IO* writer_io() { return &g_writer; }

}  // namespace vole::audio::detail
