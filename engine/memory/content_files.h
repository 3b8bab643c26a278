#pragma once
// Files kept beside the database and named by their content: "<folder>/<sha256>.<ext>",
// written once per content and shared by every row that names them. Pictures
// (memory/images.h) and dictation recordings (memory/recordings.h) are stored this way;
// each kind has its own folder, table and list of extensions, and this module does the
// file work they share.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "memory/store.h"

namespace vole::memory {

// "<database folder>/<name>"; for an in-memory store (empty path) a per-process folder
// under the temporary directory.
std::filesystem::path content_folder_for(const std::filesystem::path& database_path, std::string_view name);

// Writes `bytes` as "<folder>/<sha256>.<extension>" unless a file of that size is there
// already (same name, same content), creating the folder. Returns the SHA-256 (lower-case
// hex). Throws Error (Io, DiskFull) when the file cannot be written.
std::string save_content_file(const std::filesystem::path& folder, std::span<const uint8_t> bytes,
                              std::string_view extension);

// Deletes the files in `folder` named "<sha256>.<one of extensions>" whose hash the
// query `referenced_sql` (one text column) does not return. Other files are left alone.
// Best effort: when the query fails, every file is kept.
void remove_unreferenced_content_files(Store::Locked& locked, const std::filesystem::path& folder,
                                       std::string_view referenced_sql, std::span<const std::string_view> extensions);

}  // namespace vole::memory
