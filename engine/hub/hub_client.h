#pragma once
// The Hugging Face hub API, as much of it as downloading a model needs:
//   GET /api/models/{repo}/revision/{revision}          -> {"sha": commit, ...}
//   GET /api/models/{repo}/tree/{commit}?recursive=true -> [{type, path, size, oid, lfs?}]
//       (paginated: a Link header with rel="next" points at the following page)
//   GET /{repo}/resolve/{commit}/{path}                 -> the file, usually via a
//       redirect to the CDN; the hub's response carries X-Linked-Etag / X-Linked-Size.
// Every download is pinned to the commit the revision resolved to, so a branch moving
// mid-download cannot mix files from two versions.
#include <string>
#include <vector>

#include "hub/http.h"
#include "hub/retry.h"

namespace vole::hub {

struct HubConfig {
  std::string base_url = "https://huggingface.co";
  std::string token;      // access token for gated/private repos ("" = anonymous)
  std::string ca_bundle;  // extra CA certificates for a mirror (verification stays on)
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds stall_timeout{30000};

  // Base URL from VOLE_HUB_URL (mirrors, tests); token from `settings_token`, else HF_TOKEN.
  static HubConfig from_environment(const std::string& settings_token = {});
};

struct RemoteFile {
  std::string path;
  uint64_t size = 0;
  std::string git_oid;  // git blob SHA-1 (40 hex)
  std::string sha256;   // LFS object id (64 hex) for LFS files, else empty
  bool is_lfs() const { return !sha256.empty(); }
};

class HubClient {
 public:
  HubClient(HubConfig config, RetryPolicy retry = {});

  // The commit a branch/tag/commit names.
  std::string resolve_commit(const std::string& repo, const std::string& revision, const StopFn& stop);
  // Every file of the repo at `commit` (directories omitted), validated.
  std::vector<RemoteFile> list_files(const std::string& repo, const std::string& commit, const StopFn& stop);
  // Downloads a small file (config, index) whole into memory, verified against the
  // listing's SHA-256 or git blob id, with retries.
  std::string fetch_small_file(const std::string& repo, const std::string& commit, const RemoteFile& file,
                               const StopFn& stop);

  std::string file_url(const std::string& repo, const std::string& commit, const std::string& path) const;

  // Throws a HubError describing a non-2xx response; 5xx/408/429 are marked retryable.
  // `what` names the thing requested ("file config.json of Qwen/Qwen3-0.6B").
  void check_status(const HttpResponse& response, const std::string& what) const;

  HttpSession& http() { return http_; }
  const HubConfig& config() const { return config_; }
  const RetryPolicy& retry() const { return retry_; }

 private:
  std::string get_json_text(const std::string& url, const std::string& what, const StopFn& stop,
                            std::string* next_page);
  HubConfig config_;
  RetryPolicy retry_;
  HttpSession http_;
};

// Verifies `data` against a listing entry: SHA-256 for LFS files, the git blob SHA-1
// otherwise, and the size. Throws HubError(Integrity) naming `what`.
void verify_small_file(std::string_view data, const RemoteFile& file, const std::string& what);

// "W/\"abc\"" -> "abc": ETags compared without weakness marker and quotes.
std::string normalize_etag(const std::string& etag);

}  // namespace vole::hub
