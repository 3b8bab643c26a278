#include "hub/hub_client.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <set>

#include "hub/git_blob.h"
#include "hub/repo_id.h"
#include "util/hash.h"
#include "util/json.h"

namespace vole::hub {

namespace {

using json = nlohmann::json;

bool is_hex(const std::string& s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// The rel="next" target of an RFC 8288 Link header, or "".
std::string next_link(const std::optional<std::string>& link) {
  if (!link) return {};
  std::string_view s = *link;
  size_t pos = 0;
  while ((pos = s.find('<', pos)) != std::string_view::npos) {
    size_t close = s.find('>', pos);
    if (close == std::string_view::npos) break;
    size_t end = s.find('<', close);
    auto params = s.substr(close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos || params.find("rel=next") != std::string_view::npos)
      return std::string(s.substr(pos + 1, close - pos - 1));
    pos = close;
  }
  return {};
}

json parse_json(const std::string& text, const std::string& what) {
  if (json_nesting_depth(text) > kMaxJsonDepth)
    fail_hub(Failure::Integrity,
             "the hub sent JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels for " + what);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail_hub(Failure::Integrity, "the hub sent invalid JSON for " + what + ": " + e.what());
  }
}

uint64_t json_size(const json& v, const std::string& what) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    fail_hub(Failure::Integrity, what + ": size is not a non-negative integer");
  return v.get<uint64_t>();
}

std::string first_line(const std::string& s, size_t max) {
  std::string out = s.substr(0, std::min(s.find('\n'), max));
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

HubConfig HubConfig::from_environment(const std::string& settings_token) {
  HubConfig c;
  if (const char* url = std::getenv("VOLE_HUB_URL"); url && *url) c.base_url = url;
  c.token = settings_token;
  if (c.token.empty())
    if (const char* t = std::getenv("HF_TOKEN"); t && *t) c.token = t;
  return c;
}

std::string normalize_etag(const std::string& etag) {
  std::string e = etag;
  if (e.starts_with("W/")) e = e.substr(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

HubClient::HubClient(HubConfig config, RetryPolicy retry)
    : config_([&] {
        config.base_url = strip_slash(config.base_url);
        if (url_origin(config.base_url).empty())
          fail_hub(Failure::InvalidInput, "hub URL '" + config.base_url + "' is not an http(s) URL");
        return config;
      }()),
      retry_(retry),
      http_(HttpOptions{.auth_origin = url_origin(config_.base_url),
                        .token = config_.token,
                        .ca_bundle = config_.ca_bundle,
                        .connect_timeout = config_.connect_timeout,
                        .stall_timeout = config_.stall_timeout}) {}

std::string HubClient::file_url(const std::string& repo, const std::string& commit, const std::string& path) const {
  return config_.base_url + "/" + repo + "/resolve/" + percent_encode(commit) + "/" + encode_path(path);
}

void HubClient::check_status(const HttpResponse& r, const std::string& what) const {
  long s = r.status;
  if (s >= 200 && s < 300) return;
  std::string code = r.headers.get("x-error-code").value_or("");
  std::string detail = first_line(r.headers.get("x-error-message").value_or(""), 200);
  std::string suffix = detail.empty() ? "" : " (" + detail + ")";
  bool token = !config_.token.empty();
  if (code == "GatedRepo") {
    if (token)
      fail_hub(Failure::Gated, what + ": this repo is gated and your Hugging Face token has no access to it: "
                                      "accept its licence on the model page, then retry" + suffix, false, s);
    fail_hub(Failure::Gated, what + ": this repo is gated: accept its licence on huggingface.co and add a "
                                    "Hugging Face token (Settings, or the HF_TOKEN variable)" + suffix, false, s);
  }
  if (s == 401 || s == 403) {
    if (token)
      fail_hub(Failure::Unauthorized, what + ": access denied (HTTP " + std::to_string(s) +
                                          "): check that your Hugging Face token is valid and can read this repo" +
                                          suffix, false, s);
    fail_hub(Failure::Unauthorized, what + ": not found or access denied (HTTP " + std::to_string(s) +
                                        "): if the repo is private or gated, add a Hugging Face token" + suffix,
             false, s);
  }
  if (s == 404) {
    std::string kind = code == "RepoNotFound"       ? "repository not found"
                       : code == "RevisionNotFound" ? "revision not found"
                       : code == "EntryNotFound"    ? "file not found in the repo"
                                                    : "not found (HTTP 404)";
    fail_hub(Failure::NotFound, what + ": " + kind + suffix, false, s);
  }
  if (s == 408 || s == 429 || s >= 500)
    fail_hub(Failure::Network, what + ": server error (HTTP " + std::to_string(s) + ")" + suffix, true, s);
  if (s == 416) fail_hub(Failure::Integrity, what + ": the server rejected the byte range (HTTP 416)", false, s);
  fail_hub(Failure::Network, what + ": unexpected HTTP " + std::to_string(s) + suffix, false, s);
}

std::string HubClient::get_json_text(const std::string& url, const std::string& what, const StopFn& stop,
                                     std::string* next_page) {
  return with_retries(retry_, stop, [&] {
    HttpResponse r = http_.perform({.url = url}, stop);
    check_status(r, what);
    if (next_page) *next_page = next_link(r.headers.get("link"));
    return r.body;
  });
}

std::string HubClient::resolve_commit(const std::string& repo, const std::string& revision, const StopFn& stop) {
  validate_repo_id(repo);
  validate_revision(revision);
  std::string what = "revision '" + revision + "' of " + repo;
  json info = parse_json(
      get_json_text(config_.base_url + "/api/models/" + repo + "/revision/" + percent_encode(revision), what, stop,
                    nullptr),
      what);
  if (!info.is_object() || !info.contains("sha") || !info["sha"].is_string() ||
      !is_commit_sha(info["sha"].get<std::string>()))
    fail_hub(Failure::Integrity, "the hub's answer for " + what + " has no valid commit sha");
  return info["sha"].get<std::string>();
}

std::vector<RemoteFile> HubClient::list_files(const std::string& repo, const std::string& commit, const StopFn& stop) {
  validate_repo_id(repo);
  std::string what = "file list of " + repo + "@" + commit.substr(0, 12);
  std::vector<RemoteFile> files;
  std::set<std::string> seen;
  std::string url = config_.base_url + "/api/models/" + repo + "/tree/" + percent_encode(commit) + "?recursive=true";
  for (int page = 0; !url.empty(); ++page) {
    if (page > 10000) fail_hub(Failure::Integrity, what + ": too many pages");
    std::string next;
    json entries = parse_json(get_json_text(url, what, stop, &next), what);
    if (!entries.is_array()) fail_hub(Failure::Integrity, what + ": expected a JSON array");
    for (const auto& e : entries) {
      if (!e.is_object() || !e.contains("type") || !e["type"].is_string() || !e.contains("path") ||
          !e["path"].is_string())
        fail_hub(Failure::Integrity, what + ": an entry lacks type or path");
      if (e["type"] != "file") continue;  // directories (the listing is recursive)
      RemoteFile f;
      f.path = e["path"].get<std::string>();
      validate_repo_path(f.path);
      std::string where = what + ", " + f.path;
      if (!e.contains("size")) fail_hub(Failure::Integrity, where + ": no size");
      f.size = json_size(e["size"], where);
      if (!e.contains("oid") || !e["oid"].is_string() || !is_hex(e["oid"].get<std::string>(), 40))
        fail_hub(Failure::Integrity, where + ": missing or malformed git oid");
      f.git_oid = e["oid"].get<std::string>();
      if (e.contains("lfs") && !e["lfs"].is_null()) {
        const json& lfs = e["lfs"];
        if (!lfs.is_object() || !lfs.contains("oid") || !lfs["oid"].is_string() ||
            !is_hex(lfs["oid"].get<std::string>(), 64))
          fail_hub(Failure::Integrity, where + ": malformed lfs.oid (expected a SHA-256)");
        f.sha256 = lfs["oid"].get<std::string>();
        if (lfs.contains("size") && json_size(lfs["size"], where) != f.size)
          fail_hub(Failure::Integrity, where + ": size and lfs.size disagree");
      }
      if (!seen.insert(f.path).second) fail_hub(Failure::Integrity, where + ": listed twice");
      files.push_back(std::move(f));
    }
    if (!next.empty() && url_origin(next).empty()) fail_hub(Failure::Integrity, what + ": bad next-page link");
    url = next;
  }
  return files;
}

void verify_small_file(std::string_view data, const RemoteFile& file, const std::string& what) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  if (data.size() != file.size)
    fail_hub(Failure::Integrity, what + ": got " + std::to_string(data.size()) + " bytes, the hub lists " +
                                     std::to_string(file.size));
  if (file.is_lfs()) {
    if (sha256_hex(bytes) != file.sha256) fail_hub(Failure::Integrity, what + ": SHA-256 does not match the hub's");
  } else if (!file.git_oid.empty() && git_blob_sha1(bytes) != file.git_oid) {
    fail_hub(Failure::Integrity, what + ": git blob id does not match the hub's");
  }
}

std::string HubClient::fetch_small_file(const std::string& repo, const std::string& commit, const RemoteFile& file,
                                        const StopFn& stop) {
  std::string what = "file " + file.path + " of " + repo;
  std::string data = get_json_text(file_url(repo, commit, file.path), what, stop, nullptr);
  verify_small_file(data, file, what);
  return data;
}

}  // namespace vole::hub
