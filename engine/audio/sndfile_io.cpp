#include "audio/sndfile_io.h"

#include <algorithm>
#include <cstring>

namespace vole::audio::detail {

namespace {

// Seeks shared by both directions: SEEK_SET / SEEK_CUR / SEEK_END, refusing negative
// positions (libsndfile treats -1 as an error).
sf_count_t seek_to(sf_count_t& position, sf_count_t size, sf_count_t offset, int whence) {
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? position : size;
  if (offset < 0 && base < -offset) return -1;
  position = base + offset;
  return position;
}

// Copies up to `count` bytes from `bytes` at `position` into `ptr` and advances.
sf_count_t read_bytes(std::span<const uint8_t> bytes, sf_count_t& position, void* ptr, sf_count_t count) {
  sf_count_t size = static_cast<sf_count_t>(bytes.size());
  if (count <= 0 || position >= size) return 0;
  sf_count_t n = std::min(count, size - position);
  std::memcpy(ptr, bytes.data() + position, static_cast<size_t>(n));
  position += n;
  return n;
}

sf_count_t reader_length(void* user) { return static_cast<sf_count_t>(static_cast<MemoryReader*>(user)->bytes.size()); }

sf_count_t reader_seek(sf_count_t offset, int whence, void* user) {
  auto* r = static_cast<MemoryReader*>(user);
  return seek_to(r->position, static_cast<sf_count_t>(r->bytes.size()), offset, whence);
}

sf_count_t reader_read(void* ptr, sf_count_t count, void* user) {
  auto* r = static_cast<MemoryReader*>(user);
  return read_bytes(r->bytes, r->position, ptr, count);
}

sf_count_t reader_write(const void*, sf_count_t, void*) { return 0; }

sf_count_t reader_tell(void* user) { return static_cast<MemoryReader*>(user)->position; }

sf_count_t writer_length(void* user) { return static_cast<sf_count_t>(static_cast<MemoryWriter*>(user)->bytes.size()); }

sf_count_t writer_seek(sf_count_t offset, int whence, void* user) {
  auto* w = static_cast<MemoryWriter*>(user);
  return seek_to(w->position, static_cast<sf_count_t>(w->bytes.size()), offset, whence);
}

sf_count_t writer_read(void* ptr, sf_count_t count, void* user) {
  auto* w = static_cast<MemoryWriter*>(user);
  return read_bytes(w->bytes, w->position, ptr, count);
}

// Writes at the current position, growing the vector (libsndfile seeks back to finish
// the header, so writes are not always appends).
sf_count_t writer_write(const void* ptr, sf_count_t count, void* user) {
  auto* w = static_cast<MemoryWriter*>(user);
  if (count <= 0) return 0;
  size_t end = static_cast<size_t>(w->position + count);
  if (end > w->bytes.size()) w->bytes.resize(end);
  std::memcpy(w->bytes.data() + w->position, ptr, static_cast<size_t>(count));
  w->position += count;
  return count;
}

sf_count_t writer_tell(void* user) { return static_cast<MemoryWriter*>(user)->position; }

SF_VIRTUAL_IO g_reader = {reader_length, reader_seek, reader_read, reader_write, reader_tell};
SF_VIRTUAL_IO g_writer = {writer_length, writer_seek, writer_read, writer_write, writer_tell};

}  // namespace

SF_VIRTUAL_IO* reader_io() { return &g_reader; }
SF_VIRTUAL_IO* writer_io() { return &g_writer; }

}  // namespace vole::audio::detail
