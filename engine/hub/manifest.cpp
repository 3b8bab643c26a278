#include "hub/manifest.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "hub/failure.h"
#include "hub/repo_id.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::hub {

namespace {
using json = nlohmann::json;
constexpr int kManifestVersion = 1;

template <class T>
T field(const json& j, const char* key, const std::string& what) {
  if (!j.contains(key)) fail_hub(Failure::Integrity, what + ": missing '" + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    fail_hub(Failure::Integrity, what + ": '" + key + "' has the wrong type");
  }
}
}  // namespace

const char* file_kind_name(FileKind kind) {
  switch (kind) {
    case FileKind::Whole: return "whole";
    case FileKind::Subset: return "subset";
    case FileKind::Generated: return "generated";
  }
  return "whole";
}

FileKind file_kind_from_name(const std::string& name) {
  if (name == "whole") return FileKind::Whole;
  if (name == "subset") return FileKind::Subset;
  if (name == "generated") return FileKind::Generated;
  fail_hub(Failure::Integrity, "unknown file kind '" + name + "' in a Vole manifest");
}

uint64_t Manifest::local_bytes() const {
  uint64_t sum = 0;
  for (const auto& f : files) sum += f.local_size;
  return sum;
}

const ManifestFile* Manifest::find(std::string_view path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

std::string manifest_to_json(const Manifest& m) {
  json files = json::array();
  for (const auto& f : m.files) {
    json e = {{"path", f.path},          {"kind", file_kind_name(f.kind)}, {"remote_size", f.remote_size},
              {"local_size", f.local_size}, {"sha256", f.sha256},         {"git_oid", f.git_oid},
              {"verified", f.verified}};
    if (f.kind == FileKind::Subset) {
      e["tensors"] = f.tensors;
      e["remote_tensor_count"] = f.remote_tensor_count;
      e["remote_header_sha256"] = f.remote_header_sha256;
    }
    files.push_back(std::move(e));
  }
  json j = {{"format", "vole-model-manifest"},
            {"version", kManifestVersion},
            {"repo", m.repo},
            {"revision", m.revision},
            {"commit", m.commit},
            {"features", m.features.names()},
            {"full_bytes", m.full_bytes},
            {"downloaded_bytes", m.downloaded_bytes},
            {"local_bytes", m.local_bytes()},
            {"saved_bytes", m.saved_bytes()},
            {"updated_at", m.updated_at},
            {"files", files}};
  return j.dump(2) + "\n";
}

Manifest manifest_from_json(const std::string& text, const std::string& what) {
  json j;
  if (json_nesting_depth(text) > kMaxJsonDepth) fail_hub(Failure::Integrity, what + ": nested too deeply");
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail_hub(Failure::Integrity, what + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", "") != "vole-model-manifest")
    fail_hub(Failure::Integrity, what + ": not a Vole model manifest");
  if (field<int>(j, "version", what) != kManifestVersion)
    fail_hub(Failure::Integrity, what + ": unsupported manifest version");
  Manifest m;
  m.repo = field<std::string>(j, "repo", what);
  if (!is_valid_repo_id(m.repo)) fail_hub(Failure::Integrity, what + ": invalid repo id");
  m.revision = field<std::string>(j, "revision", what);
  m.commit = field<std::string>(j, "commit", what);
  try {
    m.features = FeatureSet::from_names(field<std::vector<std::string>>(j, "features", what));
  } catch (const HubError& e) {
    fail_hub(Failure::Integrity, what + ": " + e.what());
  }
  m.full_bytes = field<uint64_t>(j, "full_bytes", what);
  m.downloaded_bytes = field<uint64_t>(j, "downloaded_bytes", what);
  m.updated_at = j.value("updated_at", "");
  if (!j.contains("files") || !j["files"].is_array()) fail_hub(Failure::Integrity, what + ": no file list");
  for (const auto& e : j["files"]) {
    ManifestFile f;
    std::string where = what + " (file entry)";
    f.path = field<std::string>(e, "path", where);
    validate_repo_path(f.path);
    where = what + " (" + f.path + ")";
    f.kind = file_kind_from_name(field<std::string>(e, "kind", where));
    f.remote_size = field<uint64_t>(e, "remote_size", where);
    f.local_size = field<uint64_t>(e, "local_size", where);
    f.sha256 = field<std::string>(e, "sha256", where);
    f.git_oid = field<std::string>(e, "git_oid", where);
    f.verified = field<std::string>(e, "verified", where);
    if (f.kind == FileKind::Subset) {
      f.tensors = field<std::vector<std::string>>(e, "tensors", where);
      f.remote_tensor_count = field<uint64_t>(e, "remote_tensor_count", where);
      f.remote_header_sha256 = field<std::string>(e, "remote_header_sha256", where);
    }
    m.files.push_back(std::move(f));
  }
  return m;
}

std::optional<Manifest> read_manifest(const fs::path& model_dir) {
  fs::path p = model_dir / kManifestName;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  return manifest_from_json(read_text_file(p), p.string());
}

void write_manifest(const fs::path& model_dir, const Manifest& m) {
  write_file_atomic(model_dir / kManifestName, manifest_to_json(m));
}

std::optional<PendingDownload> read_pending(const fs::path& model_dir) {
  fs::path p = model_dir / kPendingName;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  try {
    json j = parse_json_text(read_text_file(p), p.string());
    PendingDownload d;
    d.repo = j.at("repo").get<std::string>();
    d.revision = j.at("revision").get<std::string>();
    d.commit = j.at("commit").get<std::string>();
    d.features = FeatureSet::from_names(j.at("features").get<std::vector<std::string>>());
    if (!is_valid_repo_id(d.repo) || !is_commit_sha(d.commit)) return std::nullopt;
    return d;
  } catch (const std::exception&) {
    return std::nullopt;  // a torn or foreign marker only means we cannot offer a resume
  }
}

void write_pending(const fs::path& model_dir, const PendingDownload& p) {
  json j = {{"repo", p.repo}, {"revision", p.revision}, {"commit", p.commit}, {"features", p.features.names()}};
  write_file_atomic(model_dir / kPendingName, j.dump(2) + "\n");
}

void remove_pending(const fs::path& model_dir) {
  std::error_code ec;
  fs::remove(model_dir / kPendingName, ec);
}

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace vole::hub
