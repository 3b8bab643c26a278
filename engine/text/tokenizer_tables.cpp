#include "text/tokenizer_tables.h"

#include <xxhash.h>

#include <cstring>

#include "util/error.h"

namespace vole::text {

uint64_t hash_bytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

void StringIdTable::reserve(size_t count) {
  size_t cap = 16;
  while (cap < count * 2) cap <<= 1;
  if (cap <= slots_.size()) return;
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(cap, Slot{});
  for (const Slot& s : old) {
    if (s.id < 0) continue;
    for (size_t i = s.hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
      if (slots_[i].id < 0) {
        slots_[i] = s;
        break;
      }
    }
  }
}

void StringIdTable::grow() { reserve(std::max<size_t>(16, size_ * 2 + 2)); }

bool StringIdTable::insert(std::string_view key, int32_t id) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  if (arena_.size() + key.size() > UINT32_MAX) fail(ErrorCode::OutOfMemory, "tokenizer vocabulary over 4 GiB");
  uint64_t h = hash_bytes(key);
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.id < 0) {
      s = {h, static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(key.size()), id};
      arena_.append(key);
      ++size_;
      return true;
    }
    if (s.hash == h && std::string_view(arena_).substr(s.offset, s.length) == key) return false;
  }
}

int32_t StringIdTable::find(std::string_view key) const {
  if (slots_.empty()) return -1;
  uint64_t h = hash_bytes(key);
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.id < 0) return -1;
    if (s.hash == h && s.length == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0)
      return s.id;
  }
}

bool PieceCache::lookup(std::string_view piece, uint64_t hash, std::vector<int32_t>& out) const {
  if (slots_.empty()) return false;
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used) return false;
    if (s.hash == hash && s.key_length == piece.size() &&
        std::memcmp(keys_.data() + s.key_offset, piece.data(), piece.size()) == 0) {
      out.insert(out.end(), ids_.begin() + s.id_offset, ids_.begin() + s.id_offset + s.id_count);
      return true;
    }
  }
}

void PieceCache::rehash(size_t slot_count) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(slot_count, Slot{});
  for (const Slot& s : old) {
    if (!s.used) continue;
    for (size_t i = s.hash & (slot_count - 1);; i = (i + 1) & (slot_count - 1)) {
      if (!slots_[i].used) {
        slots_[i] = s;
        break;
      }
    }
  }
}

void PieceCache::insert(std::string_view piece, uint64_t hash, std::span<const int32_t> ids) {
  if (piece.size() > kMaxPieceBytes || ids.size() > UINT16_MAX) return;
  if (size_ >= kMaxEntries || keys_.size() + piece.size() > kMaxArenaBytes ||
      (ids_.size() + ids.size()) * sizeof(int32_t) > kMaxArenaBytes)
    clear();
  if ((size_ + 1) * 2 > slots_.size()) rehash(std::max<size_t>(1024, slots_.size() * 2));
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (!s.used) {
      s = {hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(ids_.size()),
           static_cast<uint16_t>(piece.size()), static_cast<uint16_t>(ids.size()), true};
      keys_.append(piece);
      ids_.insert(ids_.end(), ids.begin(), ids.end());
      ++size_;
      return;
    }
    if (s.hash == hash && s.key_length == piece.size() && std::memcmp(keys_.data() + s.key_offset, piece.data(), piece.size()) == 0)
      return;
  }
}

void PieceCache::clear() {
  for (Slot& s : slots_) s.used = false;
  keys_.clear();
  ids_.clear();
  size_ = 0;
}

}  // namespace vole::text
