#pragma once
// The models directory on disk: what is installed, how much space it takes, whether a
// download fits (free disk space and the user's quota), deleting models and cleaning
// up leftovers of downloads nobody is running any more.
//
// Layout: <models>/<owner>--<name>/ holds one repo's files, its vole-manifest.json and,
// while a download is unfinished, vole-download.json plus <file>.partial(.json).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/manifest.h"

namespace vole::hub {

namespace fs = std::filesystem;

fs::path default_models_dir();  // data_dir()/models
fs::path model_dir_for(const fs::path& models_dir, const std::string& repo);

struct DiskSpace {
  uint64_t total = 0;
  uint64_t free = 0;  // available to this user (statvfs f_bavail)
};
// Space on the file system holding `dir` (or its nearest existing parent).
DiskSpace disk_space(const fs::path& dir);

// Bytes of all regular files below `dir` (symlinks are not followed); 0 if absent.
uint64_t size_on_disk(const fs::path& dir);

// The default quota proposed at first run: 80% of the free space where models go.
uint64_t default_quota(const fs::path& models_dir);

// Refuses (HubError NoSpace, with every number in the message) a download needing
// `needed` more bytes when it exceeds the free space or takes Vole's usage (`used`)
// past `quota` (nullopt: no quota). `what` names the download.
void check_space(const std::string& what, uint64_t needed, uint64_t free, std::optional<uint64_t> quota,
                 uint64_t used);

// "1.5 GB" (decimal units, like the hub shows sizes).
std::string format_bytes(uint64_t bytes);

struct InstalledModel {
  std::string repo;
  fs::path dir;
  uint64_t size_on_disk = 0;
  std::optional<Manifest> manifest;  // absent for a folder placed by hand (config.json + weights)
  bool intact = true;                // every manifest file present with its recorded size
  bool download_pending = false;     // an unfinished download left vole-download.json
};

// Folders with a complete manifest, or with a valid config.json and safetensors weights
// (placed by hand; not an unfinished download's folder).
std::vector<InstalledModel> list_installed(const fs::path& models_dir);

// Unfinished downloads (vole-download.json markers), to offer resuming after a restart.
std::vector<PendingDownload> list_pending(const fs::path& models_dir);

struct StorageReport {
  DiskSpace disk;
  uint64_t used_bytes = 0;  // everything under the models directory, partial files included
  std::vector<std::pair<std::string, uint64_t>> per_model;  // folder name, bytes
};
StorageReport storage_report(const fs::path& models_dir);

// Removes a model's folder. The DownloadManager wrapper refuses while it downloads.
void delete_model_files(const fs::path& models_dir, const std::string& repo);

// Removes what an unfinished download left in `dir`: partial files, their sidecars and the
// vole-download.json marker. The whole folder goes when it holds no installed model (no
// vole-manifest.json) and the download created it (`started_by_download`, or the marker).
void remove_unfinished_download(const fs::path& dir, bool started_by_download);

struct CleanupReport {
  std::vector<fs::path> removed;
  uint64_t bytes_freed = 0;
};
// Deletes *.partial / *.partial.json files and vole-download.json markers in model
// folders not listed in `busy_dirs`, and folders left empty by that.
CleanupReport remove_orphaned_partials(const fs::path& models_dir, const std::set<fs::path>& busy_dirs);

}  // namespace vole::hub
