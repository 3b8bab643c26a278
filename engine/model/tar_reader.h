#pragma once
// Reading tar archives (NeMo's `.nemo` files are one) in place: the member list is
// parsed from the archive's bytes and a member's content is a span of those bytes, so
// nothing is extracted to disk and no path from the archive ever reaches the file system.
//
// Accepted: POSIX ustar (with its 155-byte name prefix), GNU tar (`L` long names,
// base-256 sizes) and pax extended headers (`path` and `size` records), which is what
// Python's tarfile writes. Every header is checked before use: the checksum, octal or
// base-256 fields, sizes and offsets inside the archive (overflow-checked), names
// (no `..` component, no absolute path, no empty or over-long name), no duplicate member.
// Links, devices and FIFOs are refused: an archive of weights holds plain files.
// A gzip-compressed archive (older NeMo) is a clear Unsupported error.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.h"

namespace vole::model {

struct TarMember {
  std::string name;     // normalised: no leading "./", no "." components
  uint64_t offset = 0;  // of the content, from the start of the archive
  uint64_t size = 0;
};

struct TarLimits {
  size_t max_members = 100'000;
  size_t max_name_bytes = 4096;
  uint64_t max_extended_header = 1 << 20;  // pax / GNU long-name records
};

// The regular files of the tar archive whose complete bytes are `archive`, in archive
// order (directories are skipped). `label` names the archive in errors.
std::vector<TarMember> list_tar(std::span<const uint8_t> archive, const std::string& label,
                                const TarLimits& limits = {});

// "./a//b/./c" -> "a/b/c"; throws InvalidFile for "..", absolute or empty names.
std::string normalise_tar_name(std::string_view name, const std::string& label);

// A tar file on disk, memory-mapped read-only.
class TarArchive {
 public:
  explicit TarArchive(const fs::path& path);
  const fs::path& path() const { return map_.path(); }
  const std::vector<TarMember>& members() const { return members_; }
  const TarMember* find(std::string_view name) const;  // by normalised name
  std::span<const uint8_t> bytes(const TarMember& m) const { return {map_.data() + m.offset, m.size}; }

 private:
  MappedFile map_;
  std::vector<TarMember> members_;
};

}  // namespace vole::model
