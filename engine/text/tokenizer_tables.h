#pragma once
// Flat hash tables for the tokenizer's hot paths: all keys live in one arena and slots
// are open-addressed, so a lookup is a hash, one or two cache lines and a memcmp, and
// loading 150k+ vocabulary entries costs no per-entry allocation.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vole::text {

uint64_t hash_bytes(std::string_view bytes);

// String -> id, insert-only.
class StringIdTable {
 public:
  void reserve(size_t count);
  // Adds `key`; if it is already present the old id stays and false is returned.
  bool insert(std::string_view key, int32_t id);
  // The id of `key`, or -1.
  int32_t find(std::string_view key) const;
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0, length = 0;
    int32_t id = -1;  // -1: empty
  };
  void grow();
  std::string arena_;
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// Piece (raw bytes) -> BPE ids, bounded: when full it starts over (cheap, and natural
// text refills it with its frequent words at once).
class PieceCache {
 public:
  // Appends the cached ids of `piece` to `out`; false if not cached.
  bool lookup(std::string_view piece, uint64_t hash, std::vector<int32_t>& out) const;
  void insert(std::string_view piece, uint64_t hash, std::span<const int32_t> ids);
  void clear();
  size_t size() const { return size_; }

  static constexpr size_t kMaxEntries = 1 << 16;
  static constexpr size_t kMaxPieceBytes = 256;
  static constexpr size_t kMaxArenaBytes = 4 << 20;  // keys, and ids (x4) each

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_offset = 0, id_offset = 0;
    uint16_t key_length = 0, id_count = 0;
    bool used = false;
  };
  void rehash(size_t slot_count);
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> ids_;
  size_t size_ = 0;
};

}  // namespace vole::text
