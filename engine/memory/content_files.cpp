#include "memory/content_files.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "memory/sqlite.h"
#include "util/error.h"
#include "util/file.h"
#include "util/hash.h"

namespace vole::memory {

namespace fs = std::filesystem;

namespace {

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 &&
         std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

fs::path content_folder_for(const fs::path& database_path, std::string_view name) {
  if (database_path.empty())
    return fs::temp_directory_path() / ("vole-session-" + std::string(name) + "-" + std::to_string(::getpid()));
  return database_path.parent_path() / name;
}

std::string save_content_file(const fs::path& folder, std::span<const uint8_t> bytes, std::string_view extension) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) fail(ErrorCode::Io, "cannot create the folder " + folder.string() + ": " + ec.message());
  std::string sha = sha256_hex(bytes);
  fs::path file = folder / (sha + "." + std::string(extension));
  // Content-addressed: an existing file of the right size already holds these bytes.
  if (!(fs::is_regular_file(file, ec) && fs::file_size(file, ec) == bytes.size())) write_file_atomic(file, bytes);
  return sha;
}

void remove_unreferenced_content_files(Store::Locked& locked, const fs::path& folder, std::string_view referenced_sql,
                                       std::span<const std::string_view> extensions) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return;
  std::set<std::string> referenced;
  try {
    auto st = locked.conn.prepare(std::string(referenced_sql));
    while (st.step()) referenced.insert(st.text(0));
  } catch (const StoreError&) {
    return;  // unsure what is referenced: keep every file
  }
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::string stem = p.stem().string();
    std::string ext = p.extension().string();
    // Only Vole's own names; anything else in the folder is left alone.
    if (!is_sha256_hex(stem) || ext.size() < 2 ||
        std::ranges::find(extensions, std::string_view(ext).substr(1)) == extensions.end())
      continue;
    if (!referenced.contains(stem)) fs::remove(p, ec);
  }
}

}  // namespace vole::memory
