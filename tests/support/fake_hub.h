#pragma once
// A fake Hugging Face hub on loopback for download tests: the real API shapes
// (/api/models/{repo}/revision/{rev}, paginated /tree/ listings with lfs.oid, /resolve/
// with X-Linked-Etag / X-Repo-Commit and a 302 to a separate CDN server for LFS files),
// Range / 206 support, gated repos, and per-file fault injection. Counts what it served.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support/http_server.h"

namespace vole::test {

struct FakeFile {
  std::string content;
  bool lfs = false;  // served through the CDN redirect and listed with lfs.oid
};

struct Fault {
  int fail_times = 0;  // the next N requests for the file get fail_status
  int fail_status = 500;
  std::string error_code;  // X-Error-Code on those responses
  int drop_times = 0;      // the next N body responses longer than drop_after bytes are cut there
  uint64_t drop_after = 0;
  bool ignore_range = false;                 // answer Range requests with the whole file (200)
  std::optional<std::string> serve_instead;  // bytes to serve instead (wrong size / wrong hash)
  size_t throttle_bytes = 0;                 // at most this many bytes per throttle_interval
  std::chrono::milliseconds throttle_interval{10};
  std::chrono::milliseconds delay{0};  // before each body response
  std::optional<std::string> etag;     // report this ETag / X-Linked-Etag instead of the real one
  std::optional<uint64_t> fail_from;   // answer 503 to every request reaching this offset
  std::optional<std::string> commit;   // report this X-Repo-Commit instead of the repo's
};

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();

  // Adds a repo at a random commit; returns the commit.
  std::string add_repo(const std::string& repo, std::map<std::string, FakeFile> files);
  void set_fault(const std::string& repo, const std::string& path, Fault fault);
  void clear_fault(const std::string& repo, const std::string& path);
  void set_api_fault(Fault fault);  // revision and tree requests
  void set_gated(const std::string& repo, const std::string& token);
  void set_tree_page_size(size_t n);

  std::string url() const;  // the hub's base URL (VOLE_HUB_URL)

  // Statistics (thread-safe).
  uint64_t bytes_served(const std::string& repo, const std::string& path) const;  // body bytes
  std::vector<std::string> ranges_seen(const std::string& repo, const std::string& path) const;  // "" = no Range
  int file_requests(const std::string& repo, const std::string& path) const;  // resolve requests
  int max_in_flight() const;  // most requests waiting out their Fault::delay at once (hub and CDN)
  int api_requests() const;
  int cdn_requests_with_auth() const;
  int hub_requests_with_auth() const;
  int cdn_requests() const;
  void reset_stats();

 private:
  struct State;
  std::unique_ptr<State> s_;
  std::unique_ptr<HttpServer> hub_, cdn_;
};

std::string sha256_of(const std::string& data);
std::string git_blob_id(const std::string& data);

}  // namespace vole::test
