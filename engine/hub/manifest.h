#pragma once
// Metadata Vole keeps in each model folder (<models>/<owner>--<name>/):
//  - vole-manifest.json: written when a download completes. What was fetched (repo,
//    pinned commit, features, each file with sizes, hashes and, for safetensors
//    subsets, the tensors it holds), so the UI can show bytes saved and a later
//    "enable vision" fetches only the missing tensors.
//  - vole-download.json: present while a download is unfinished (across restarts), so
//    the app can offer to resume it; removed on completion or cancel.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/features.h"

namespace vole::hub {

namespace fs = std::filesystem;

inline constexpr const char* kManifestName = "vole-manifest.json";
inline constexpr const char* kPendingName = "vole-download.json";

enum class FileKind {
  Whole,      // the remote file byte for byte (size + SHA-256 / git blob id verified)
  Subset,     // a safetensors file holding some of the remote file's tensors
  Generated,  // written by Vole from verified remote data (a rewritten shard index)
};
const char* file_kind_name(FileKind kind);
FileKind file_kind_from_name(const std::string& name);  // throws HubError(Integrity)

struct ManifestFile {
  std::string path;
  FileKind kind = FileKind::Whole;
  uint64_t remote_size = 0;
  uint64_t local_size = 0;
  std::string sha256;   // of the remote file (LFS), may be empty for small files
  std::string git_oid;  // of the remote file
  std::string verified;  // "sha256", "git-sha1", "ranges" (subsets), "generated"
  // Subset files:
  std::vector<std::string> tensors;
  uint64_t remote_tensor_count = 0;
  std::string remote_header_sha256;  // identifies the remote header the subset was cut from
};

struct Manifest {
  std::string repo;
  std::string revision;
  std::string commit;
  FeatureSet features;
  std::vector<ManifestFile> files;
  uint64_t full_bytes = 0;        // what downloading every model file of the repo would take
  uint64_t downloaded_bytes = 0;  // fetched over the network for this folder (all jobs)
  std::string updated_at;         // UTC, ISO 8601

  uint64_t local_bytes() const;
  uint64_t saved_bytes() const { return full_bytes > local_bytes() ? full_bytes - local_bytes() : 0; }
  const ManifestFile* find(std::string_view path) const;
};

std::string manifest_to_json(const Manifest& m);
Manifest manifest_from_json(const std::string& text, const std::string& what);  // throws HubError(Integrity)
// nullopt when the folder has no manifest; throws HubError(Integrity) when it is malformed.
std::optional<Manifest> read_manifest(const fs::path& model_dir);
void write_manifest(const fs::path& model_dir, const Manifest& m);  // atomic

struct PendingDownload {
  std::string repo;
  std::string revision;
  std::string commit;
  FeatureSet features;
};
std::optional<PendingDownload> read_pending(const fs::path& model_dir);  // nullopt if absent or unreadable
void write_pending(const fs::path& model_dir, const PendingDownload& p);
void remove_pending(const fs::path& model_dir);

std::string utc_now_iso8601();

}  // namespace vole::hub
