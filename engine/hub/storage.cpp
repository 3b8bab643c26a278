#include "hub/storage.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "hub/failure.h"
#include "hub/fetcher.h"
#include "hub/repo_id.h"
#include "util/file.h"
#include "util/json.h"
#include "util/paths.h"

namespace vole::hub {

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

std::vector<fs::path> subdirs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

bool has_valid_config_and_weights(const fs::path& dir) {
  try {
    auto config = parse_json_text(read_text_file(dir / "config.json"), "config.json");
    if (!config.is_object()) return false;
  } catch (const std::exception&) {
    return false;
  }
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && it->path().extension() == ".safetensors") return true;
  return false;
}

}  // namespace

fs::path default_models_dir() { return data_dir() / "models"; }

fs::path model_dir_for(const fs::path& models_dir, const std::string& repo) {
  return models_dir / model_folder_name(repo);
}

DiskSpace disk_space(const fs::path& dir) {
  fs::path p = dir;
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  struct statvfs st {};
  if (::statvfs(p.empty() ? "." : p.c_str(), &st) != 0)
    fail_hub(Failure::Io, "cannot read the free space of " + dir.string());
  return {static_cast<uint64_t>(st.f_blocks) * st.f_frsize, static_cast<uint64_t>(st.f_bavail) * st.f_frsize};
}

uint64_t size_on_disk(const fs::path& dir) {
  uint64_t sum = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code fe;
    if (it->is_regular_file(fe) && !it->is_symlink(fe)) sum += it->file_size(fe);
  }
  return sum;
}

uint64_t default_quota(const fs::path& models_dir) { return disk_space(models_dir).free / 10 * 8; }

std::string format_bytes(uint64_t b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void check_space(const std::string& what, uint64_t needed, uint64_t free, std::optional<uint64_t> quota,
                 uint64_t used) {
  std::string numbers = "needs " + format_bytes(needed) + ", " + format_bytes(free) + " free on disk";
  if (quota) numbers += ", quota " + format_bytes(*quota) + " of which Vole uses " + format_bytes(used);
  if (needed > free) fail_hub(Failure::NoSpace, "not enough disk space for " + what + ": " + numbers);
  if (quota && used + needed > *quota)
    fail_hub(Failure::NoSpace, what + " would exceed Vole's storage quota: " + numbers +
                                   " (raise the quota or delete a model)");
}

std::vector<InstalledModel> list_installed(const fs::path& models_dir) {
  std::vector<InstalledModel> out;
  for (const auto& dir : subdirs(models_dir)) {
    InstalledModel m;
    m.dir = dir;
    std::error_code ec;
    m.download_pending = fs::exists(dir / kPendingName, ec);
    try {
      m.manifest = read_manifest(dir);
    } catch (const HubError&) {
      m.manifest.reset();  // unreadable manifest: judge the folder by its contents
    }
    if (m.manifest) {
      m.repo = m.manifest->repo;
      for (const auto& f : m.manifest->files) {
        auto size = fs::file_size(dir / f.path, ec);
        if (ec || size != f.local_size) m.intact = false;
      }
    } else if (m.download_pending) {
      continue;  // an unfinished download, not a model (list_pending reports it)
    } else if (has_valid_config_and_weights(dir)) {
      m.repo = repo_from_folder_name(dir.filename().string()).value_or(dir.filename().string());
    } else {
      continue;
    }
    m.size_on_disk = size_on_disk(dir);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<PendingDownload> list_pending(const fs::path& models_dir) {
  std::vector<PendingDownload> out;
  for (const auto& dir : subdirs(models_dir))
    if (auto p = read_pending(dir)) out.push_back(*p);
  return out;
}

StorageReport storage_report(const fs::path& models_dir) {
  StorageReport r;
  r.disk = disk_space(models_dir);
  for (const auto& dir : subdirs(models_dir)) {
    uint64_t bytes = size_on_disk(dir);
    r.per_model.emplace_back(dir.filename().string(), bytes);
    r.used_bytes += bytes;
  }
  std::error_code ec;
  for (fs::directory_iterator it(models_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) {
      uint64_t n = it->file_size(ec);
      if (!ec) r.used_bytes += n;  // an error reads as (uintmax_t)-1
    }
  return r;
}

void delete_model_files(const fs::path& models_dir, const std::string& repo) {
  fs::path dir = model_dir_for(models_dir, repo);
  if (!is_dir(dir)) fail_hub(Failure::NotFound, repo + " is not installed");
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) fail_hub(Failure::Io, "cannot delete " + dir.string() + ": " + ec.message());
}

void remove_unfinished_download(const fs::path& dir, bool started_by_download) {
  std::error_code ec;
  bool installed = fs::exists(dir / kManifestName, ec);
  bool ours = started_by_download || fs::exists(dir / kPendingName, ec);
  if (!installed && ours) {
    fs::remove_all(dir, ec);  // an unfinished Vole download and nothing else: remove it all
    return;
  }
  // An installed model being extended (its manifest tracks every file that landed), or a
  // folder placed by hand: only the download's leftovers go.
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_partial_or_sidecar(it->path())) doomed.push_back(it->path());
  for (const auto& p : doomed) fs::remove(p, ec);
  remove_pending(dir);
}

CleanupReport remove_orphaned_partials(const fs::path& models_dir, const std::set<fs::path>& busy_dirs) {
  CleanupReport r;
  for (const auto& dir : subdirs(models_dir)) {
    if (busy_dirs.count(dir)) continue;
    std::vector<fs::path> doomed;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec) && (is_partial_or_sidecar(it->path()) || it->path().filename() == kPendingName))
        doomed.push_back(it->path());
    for (const auto& p : doomed) {
      std::error_code fe;
      uint64_t size = fs::file_size(p, fe);
      if (fs::remove(p, fe)) {
        r.removed.push_back(p);
        r.bytes_freed += size;
      }
    }
    if (!doomed.empty() && fs::is_empty(dir, ec)) fs::remove(dir, ec);
  }
  return r;
}

}  // namespace vole::hub
