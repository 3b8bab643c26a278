#include "model/tar_reader.h"

#include <cstring>
#include <limits>
#include <optional>
#include <unordered_set>

#include "util/error.h"

namespace vole::model {

namespace {

constexpr uint64_t kBlock = 512;

[[noreturn]] void bad(const std::string& label, const std::string& what) {
  fail(ErrorCode::InvalidFile, label + ": " + what);
}

// A NUL-terminated string in a fixed-width header field.
std::string_view field(const uint8_t* header, size_t offset, size_t width) {
  const char* p = reinterpret_cast<const char*>(header + offset);
  size_t n = 0;
  while (n < width && p[n] != '\0') ++n;
  return {p, n};
}

// Octal (leading spaces, digits, then NULs/spaces) or GNU base-256 (high bit of the
// first byte set). Returns nullopt for anything else.
std::optional<uint64_t> numeric_field(const uint8_t* header, size_t offset, size_t width) {
  const uint8_t* p = header + offset;
  if (p[0] & 0x80) {
    if (p[0] == 0xff) return std::nullopt;  // negative base-256
    uint64_t v = p[0] & 0x7f;
    for (size_t i = 1; i < width; ++i) {
      if (v > (std::numeric_limits<uint64_t>::max() >> 8)) return std::nullopt;
      v = (v << 8) | p[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < width && p[i] == ' ') ++i;
  uint64_t v = 0;
  bool digits = false;
  for (; i < width && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v > (std::numeric_limits<uint64_t>::max() >> 3)) return std::nullopt;
    v = (v << 3) | static_cast<uint64_t>(p[i] - '0');
    digits = true;
  }
  for (; i < width; ++i)
    if (p[i] != '\0' && p[i] != ' ') return std::nullopt;
  if (!digits) return 0;
  return v;
}

bool checksum_ok(const uint8_t* header) {
  auto stored = numeric_field(header, 148, 8);
  if (!stored) return false;
  uint64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    uint8_t b = (i >= 148 && i < 156) ? ' ' : header[i];
    unsigned_sum += b;
    signed_sum += static_cast<int8_t>(b);
  }
  return *stored == unsigned_sum || static_cast<int64_t>(*stored) == signed_sum;
}

bool all_zero(const uint8_t* block) {
  for (size_t i = 0; i < kBlock; ++i)
    if (block[i]) return false;
  return true;
}

// Content of a GNU long-name member: the name up to its first NUL.
std::string long_name(std::span<const uint8_t> data) {
  size_t n = 0;
  while (n < data.size() && data[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(data.data()), n);
}

struct PaxRecords {
  std::optional<std::string> path;
  std::optional<uint64_t> size;
};

// "<len> <key>=<value>\n" records, <len> counting the whole record.
PaxRecords parse_pax(std::span<const uint8_t> data, const std::string& where) {
  PaxRecords out;
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  while (!text.empty()) {
    if (text.front() == '\0') break;  // trailing padding
    size_t space = text.find(' ');
    if (space == std::string_view::npos || space == 0 || space > 20) bad(where, "malformed pax record length");
    uint64_t len = 0;
    for (size_t i = 0; i < space; ++i) {
      if (text[i] < '0' || text[i] > '9') bad(where, "malformed pax record length");
      len = len * 10 + static_cast<uint64_t>(text[i] - '0');
    }
    if (len <= space + 1 || len > text.size() || text[len - 1] != '\n') bad(where, "malformed pax record");
    std::string_view record = text.substr(space + 1, len - space - 2);
    size_t eq = record.find('=');
    if (eq == std::string_view::npos) bad(where, "pax record without '='");
    std::string_view key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") {
      out.path = std::string(value);
    } else if (key == "size") {
      uint64_t v = 0;
      if (value.empty() || value.size() > 19) bad(where, "bad pax size");
      for (char c : value) {
        if (c < '0' || c > '9') bad(where, "bad pax size");
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      out.size = v;
    }
    text.remove_prefix(len);
  }
  return out;
}

}  // namespace

std::string normalise_tar_name(std::string_view name, const std::string& label) {
  if (!name.empty() && name.front() == '/') bad(label, "member \"" + std::string(name) + "\" has an absolute path");
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view part = name.substr(start, slash - start);
    if (part == "..") bad(label, "member \"" + std::string(name) + "\" leaves the archive (\"..\")");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(part);
    }
    start = slash + 1;
  }
  return out;
}

std::vector<TarMember> list_tar(std::span<const uint8_t> archive, const std::string& label, const TarLimits& limits) {
  if (archive.size() >= 2 && archive[0] == 0x1f && archive[1] == 0x8b)
    fail(ErrorCode::Unsupported, label +
                                     ": is gzip-compressed (an older NeMo archive); Vole reads uncompressed "
                                     "tar archives: unpack it with `gunzip -c` into a plain .nemo file");
  std::vector<TarMember> members;
  std::unordered_set<std::string> seen;
  std::optional<std::string> pending_name;
  bool has_pending_size = false;  // a pax `size` record for the next member
  uint64_t pending_size = 0;
  const uint64_t total = archive.size();
  uint64_t pos = 0;
  while (true) {
    if (pos == total) break;  // end without the two zero blocks: tolerated
    if (total - pos < kBlock) bad(label, "truncated tar header at byte " + std::to_string(pos));
    const uint8_t* h = archive.data() + pos;
    if (all_zero(h)) break;  // end-of-archive marker
    const std::string where = label + " (tar header at byte " + std::to_string(pos) + ")";
    if (!checksum_ok(h)) bad(where, "header checksum mismatch");
    auto size_field = numeric_field(h, 124, 12);
    if (!size_field) bad(where, "malformed size field");
    uint64_t size = has_pending_size ? pending_size : *size_field;
    char type = static_cast<char>(h[156]);
    uint64_t content = pos + kBlock;
    if (size > total - content)
      bad(where, "member of " + std::to_string(size) + " bytes runs past the end of the archive");
    uint64_t padded = size + (kBlock - size % kBlock) % kBlock;  // cannot overflow: size <= total
    uint64_t next = content + padded;
    if (next > total) next = total;  // a last member's padding may be cut; its bytes are all there
    std::span<const uint8_t> data = archive.subspan(content, size);

    if (type == 'L' || type == 'x') {
      if (size > limits.max_extended_header) bad(where, "extended header too large");
      if (type == 'L') {
        pending_name = long_name(data);
      } else {
        PaxRecords pax = parse_pax(data, where);
        if (pax.path) pending_name = pax.path;
        if (pax.size) {
          has_pending_size = true;
          pending_size = *pax.size;
        }
      }
      pos = next;
      continue;
    }
    if (type == 'g' || type == 'K') {  // global pax header, GNU long link name: nothing we need
      pos = next;
      continue;
    }

    std::string raw;
    if (pending_name) {
      raw = *pending_name;
    } else {
      std::string_view name = field(h, 0, 100);
      std::string_view magic = field(h, 257, 6);
      std::string_view prefix = (magic == "ustar" && h[262] == '\0') ? field(h, 345, 155) : std::string_view{};
      raw = prefix.empty() ? std::string(name) : std::string(prefix) + "/" + std::string(name);
    }
    pending_name.reset();
    has_pending_size = false;
    if (raw.size() > limits.max_name_bytes)
      bad(where, "member name longer than " + std::to_string(limits.max_name_bytes) + " bytes");

    if (type == '5') {  // directory
      pos = next;
      continue;
    }
    if (type == '1' || type == '2')
      bad(where, "member \"" + raw + "\" is a link; an archive of weights holds plain files");
    if (type != '0' && type != '\0' && type != '7')
      bad(where, "member \"" + raw + "\" has unsupported type '" + std::string(1, type) + "'");
    std::string name = normalise_tar_name(raw, where);
    if (name.empty()) bad(where, "member with an empty name");
    if (!seen.insert(name).second) bad(where, "member \"" + name + "\" appears twice");
    if (members.size() >= limits.max_members)
      bad(label, "more than " + std::to_string(limits.max_members) + " members");
    members.push_back({name, content, size});
    pos = next;
  }
  if (pending_name || has_pending_size) bad(label, "extended header at the end of the archive describes no member");
  return members;
}

TarArchive::TarArchive(const fs::path& path) : map_(path) { members_ = list_tar(map_.bytes(), path.string()); }

const TarMember* TarArchive::find(std::string_view name) const {
  for (const auto& m : members_)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace vole::model
