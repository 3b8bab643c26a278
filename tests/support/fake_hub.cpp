#include "support/fake_hub.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "hub/git_blob.h"
#include "util/hash.h"

namespace vole::test {

using json = nlohmann::json;

std::string sha256_of(const std::string& d) {
  return vole::sha256_hex({reinterpret_cast<const uint8_t*>(d.data()), d.size()});
}

std::string git_blob_id(const std::string& d) {
  return vole::hub::git_blob_sha1({reinterpret_cast<const uint8_t*>(d.data()), d.size()});
}

struct FakeHub::State {
  struct Repo {
    std::string commit;
    std::map<std::string, FakeFile> files;
    std::string token;  // gated when non-empty
  };
  struct Stats {
    uint64_t bytes = 0;
    std::vector<std::string> ranges;
    int requests = 0;
  };
  mutable std::mutex mu;
  std::map<std::string, Repo> repos;
  std::map<std::string, Fault> faults;  // "repo:path"
  std::optional<Fault> api_fault;
  std::map<std::string, Stats> stats;
  size_t page_size = 1000;
  std::string cdn_url;
  std::atomic<int> in_flight{0}, max_in_flight{0}, api_requests{0}, cdn_auth{0}, hub_auth{0}, cdn_requests{0};

  struct InFlight {
    State& s;
    explicit InFlight(State& st) : s(st) {
      int now = ++s.in_flight;
      int prev = s.max_in_flight.load();
      while (now > prev && !s.max_in_flight.compare_exchange_weak(prev, now)) {
      }
    }
    ~InFlight() { --s.in_flight; }
  };

  static void reply(HttpResponseWriter& w, int status, const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Length", std::to_string(body.size()));
    w.head(status, headers);
    w.body(body);
  }

  static void error(HttpResponseWriter& w, int status, const std::string& code, const std::string& message) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!code.empty()) h.emplace_back("X-Error-Code", code);
    h.emplace_back("X-Error-Message", message);
    reply(w, status, json{{"error", message}}.dump(), h);
  }

  // Applies a pending status fault; true when it answered.
  bool status_fault(std::optional<Fault>& f, HttpResponseWriter& w) {
    if (!f || f->fail_times <= 0) return false;
    f->fail_times--;
    Fault copy = *f;
    error(w, copy.fail_status, copy.error_code, "injected failure");
    return true;
  }

  bool gated_refusal(const Repo& repo, const std::string& name, const HttpRequestIn& req, HttpResponseWriter& w) {
    if (repo.token.empty()) return false;
    auto auth = req.header("authorization");
    if (auth == "Bearer " + repo.token) return false;
    error(w, auth ? 403 : 401, "GatedRepo",
          "Access to model " + name + " is restricted. You must have access to it and be authenticated to access it.");
    return true;
  }

  // Splits "/{owner}/{name}/rest" for known repos.
  Repo* repo_of(const std::string& path, std::string& name, std::string& rest) {
    auto a = path.find('/', 1);
    if (a == std::string::npos) return nullptr;
    auto b = path.find('/', a + 1);
    name = path.substr(1, b == std::string::npos ? std::string::npos : b - 1);
    rest = b == std::string::npos ? "" : path.substr(b);
    auto it = repos.find(name);
    return it == repos.end() ? nullptr : &it->second;
  }

  void serve_body(const HttpRequestIn& req, HttpResponseWriter& w, const std::string& key, const FakeFile& file,
                  const std::string& etag, std::unique_lock<std::mutex>& lk, const std::string& commit = {}) {
    Fault f;
    if (auto it = faults.find(key); it != faults.end()) f = it->second;
    std::string content = f.serve_instead ? *f.serve_instead : file.content;
    std::string range = req.header("range").value_or("");
    stats[key].ranges.push_back(range);
    lk.unlock();
    if (f.delay.count() > 0) {
      // Counted while the client is certainly still waiting for this response (a count
      // taken while the body goes out would race with the client's next request).
      InFlight waiting(*this);
      std::this_thread::sleep_for(f.delay);
    }

    uint64_t size = content.size(), first = 0, last = size ? size - 1 : 0;
    int status = 200;
    if (!range.empty() && !f.ignore_range) {
      auto eq = range.find('='), dash = range.find('-');
      first = std::stoull(range.substr(eq + 1, dash - eq - 1));
      std::string tail = range.substr(dash + 1);
      if (!tail.empty()) last = std::min<uint64_t>(std::stoull(tail), size - 1);
      if (first >= size || first > last) {
        reply(w, 416, "", {{"Content-Range", "bytes */" + std::to_string(size)}});
        return;
      }
      status = 206;
    }
    if (f.fail_from && size > 0 && last >= *f.fail_from) return error(w, 503, "", "injected failure");
    uint64_t length = size ? last - first + 1 : 0;
    std::vector<std::pair<std::string, std::string>> h = {
        {"Content-Length", std::to_string(length)}, {"ETag", "\"" + f.etag.value_or(etag) + "\""},
        {"Accept-Ranges", "bytes"},
        {"Content-Type", "application/octet-stream"}};
    if (!commit.empty()) h.emplace_back("X-Repo-Commit", f.commit.value_or(commit));  // the hub's own responses
    if (status == 206)
      h.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                          std::to_string(size));
    bool drop = false;  // only responses longer than drop_after are cut (and use up a drop)
    if (f.drop_times > 0 && length > f.drop_after && !w.is_head_request()) {
      std::lock_guard g(mu);
      drop = faults[key].drop_times-- > 0;
    }
    if (!w.head(status, h) || w.is_head_request()) return;
    uint64_t limit = drop ? f.drop_after : length;
    uint64_t sent = 0;
    size_t step = f.throttle_bytes ? f.throttle_bytes : 64 * 1024;
    while (sent < limit) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(step, limit - sent));
      if (!w.body(std::string_view(content).substr(first + sent, n))) break;
      sent += n;
      {
        std::lock_guard g(mu);
        stats[key].bytes += n;
      }
      if (f.throttle_bytes) std::this_thread::sleep_for(f.throttle_interval);
    }
    if (drop) w.drop();
  }

  void hub_handler(const HttpRequestIn& req, HttpResponseWriter& w) {
    if (req.header("authorization")) hub_auth++;
    std::unique_lock lk(mu);
    if (req.path.starts_with("/api/models/")) {
      api_requests++;
      if (status_fault(api_fault, w)) return;
      std::string name, rest;
      Repo* repo = repo_of(req.path.substr(11), name, rest);
      if (!repo) return error(w, 404, "RepoNotFound", "Repository not found");
      if (rest.starts_with("/revision/")) {
        std::string rev = rest.substr(10);
        if (rev != "main" && rev != repo->commit) return error(w, 404, "RevisionNotFound", "Invalid rev id: " + rev);
        json siblings = json::array();
        for (auto& [p, f] : repo->files) siblings.push_back({{"rfilename", p}});
        return reply(w, 200, json{{"id", name}, {"sha", repo->commit}, {"siblings", siblings}}.dump(),
                     {{"Content-Type", "application/json"}});
      }
      if (rest.starts_with("/tree/")) {
        std::string rev = rest.substr(6);
        if (rev != "main" && rev != repo->commit) return error(w, 404, "RevisionNotFound", "Invalid rev id: " + rev);
        size_t cursor = req.query_param("cursor").empty() ? 0 : std::stoul(req.query_param("cursor"));
        json page = json::array();
        size_t i = 0;
        for (auto& [p, f] : repo->files) {
          if (i++ < cursor || page.size() >= page_size) continue;
          json e = {{"type", "file"}, {"oid", git_blob_id(f.lfs ? "pointer:" + p : f.content)},
                    {"size", f.content.size()}, {"path", p}};
          if (f.lfs) e["lfs"] = {{"oid", sha256_of(f.content)}, {"size", f.content.size()}, {"pointerSize", 134}};
          page.push_back(e);
          if (p.find('/') != std::string::npos)
            page.push_back({{"type", "directory"}, {"oid", std::string(40, '0')}, {"size", 0},
                            {"path", p.substr(0, p.find('/'))}});
        }
        std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
        if (cursor + page_size < repo->files.size())
          h.emplace_back("Link", "<" + hub_url + "/api/models/" + name + "/tree/" + rev +
                                     "?recursive=true&cursor=" + std::to_string(cursor + page_size) + ">; rel=\"next\"");
        return reply(w, 200, page.dump(), h);
      }
      return error(w, 404, "", "unknown API route");
    }
    std::string name, rest;
    Repo* repo = repo_of(req.path, name, rest);
    if (!repo || !rest.starts_with("/resolve/")) return error(w, 404, "RepoNotFound", "Repository not found");
    std::string after = rest.substr(9);
    std::string rev = after.substr(0, after.find('/'));
    std::string path = after.find('/') == std::string::npos ? "" : after.substr(after.find('/') + 1);
    if (rev != "main" && rev != repo->commit) return error(w, 404, "RevisionNotFound", "Invalid rev id: " + rev);
    std::string key = name + ":" + path;
    stats[key].requests++;
    std::optional<Fault> f;
    if (auto it = faults.find(key); it != faults.end()) f = it->second;
    if (f && f->fail_times > 0) {
      faults[key].fail_times--;
      return error(w, f->fail_status, f->error_code, "injected failure");
    }
    if (gated_refusal(*repo, name, req, w)) return;
    auto file = repo->files.find(path);
    if (file == repo->files.end()) return error(w, 404, "EntryNotFound", "Entry not found");
    if (file->second.lfs) {
      std::string sha = sha256_of(file->second.content);
      return reply(w, 302, "Found. Redirecting",
                   {{"Location", cdn_url + "/blobs/" + sha + "?X-Amz-Signature=secret&repo=" + name},
                    {"X-Linked-Etag", "\"" + (f && f->etag ? *f->etag : sha) + "\""},
                    {"X-Linked-Size", std::to_string(file->second.content.size())},
                    {"X-Repo-Commit", f && f->commit ? *f->commit : repo->commit}});
    }
    FakeFile copy = file->second;
    serve_body(req, w, key, copy, git_blob_id(copy.content), lk, repo->commit);
  }

  void cdn_handler(const HttpRequestIn& req, HttpResponseWriter& w) {
    cdn_requests++;
    if (req.header("authorization")) cdn_auth++;
    std::unique_lock lk(mu);
    if (!req.path.starts_with("/blobs/")) return error(w, 404, "", "no such blob");
    std::string sha = req.path.substr(7);
    std::string repo_name = req.query_param("repo");
    auto repo = repos.find(repo_name);
    if (repo == repos.end()) return error(w, 404, "", "no such blob");
    for (auto& [p, f] : repo->second.files)
      if (f.lfs && sha256_of(f.content) == sha) {
        FakeFile copy = f;
        return serve_body(req, w, repo_name + ":" + p, copy, sha, lk);
      }
    error(w, 404, "", "no such blob");
  }

  std::string hub_url;
};

FakeHub::FakeHub() : s_(std::make_unique<State>()) {
  cdn_ = std::make_unique<HttpServer>([this](const HttpRequestIn& r, HttpResponseWriter& w) { s_->cdn_handler(r, w); });
  hub_ = std::make_unique<HttpServer>([this](const HttpRequestIn& r, HttpResponseWriter& w) { s_->hub_handler(r, w); });
  s_->cdn_url = cdn_->url();
  s_->hub_url = hub_->url();
}

FakeHub::~FakeHub() {
  hub_->stop();
  cdn_->stop();
}

std::string FakeHub::add_repo(const std::string& repo, std::map<std::string, FakeFile> files) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string commit;
  for (int i = 0; i < 40; ++i) commit += "0123456789abcdef"[rng() % 16];
  std::lock_guard lk(s_->mu);
  s_->repos[repo] = {commit, std::move(files), ""};
  return commit;
}

void FakeHub::set_fault(const std::string& repo, const std::string& path, Fault fault) {
  std::lock_guard lk(s_->mu);
  s_->faults[repo + ":" + path] = fault;
}

void FakeHub::clear_fault(const std::string& repo, const std::string& path) {
  std::lock_guard lk(s_->mu);
  s_->faults.erase(repo + ":" + path);
}

void FakeHub::set_api_fault(Fault fault) {
  std::lock_guard lk(s_->mu);
  s_->api_fault = fault;
}

void FakeHub::set_gated(const std::string& repo, const std::string& token) {
  std::lock_guard lk(s_->mu);
  s_->repos.at(repo).token = token;
}

void FakeHub::set_tree_page_size(size_t n) {
  std::lock_guard lk(s_->mu);
  s_->page_size = n;
}

std::string FakeHub::url() const { return hub_->url(); }

uint64_t FakeHub::bytes_served(const std::string& repo, const std::string& path) const {
  std::lock_guard lk(s_->mu);
  auto it = s_->stats.find(repo + ":" + path);
  return it == s_->stats.end() ? 0 : it->second.bytes;
}

std::vector<std::string> FakeHub::ranges_seen(const std::string& repo, const std::string& path) const {
  std::lock_guard lk(s_->mu);
  auto it = s_->stats.find(repo + ":" + path);
  return it == s_->stats.end() ? std::vector<std::string>{} : it->second.ranges;
}

int FakeHub::file_requests(const std::string& repo, const std::string& path) const {
  std::lock_guard lk(s_->mu);
  auto it = s_->stats.find(repo + ":" + path);
  return it == s_->stats.end() ? 0 : it->second.requests;
}

int FakeHub::max_in_flight() const { return s_->max_in_flight.load(); }
int FakeHub::api_requests() const { return s_->api_requests.load(); }
int FakeHub::cdn_requests_with_auth() const { return s_->cdn_auth.load(); }
int FakeHub::hub_requests_with_auth() const { return s_->hub_auth.load(); }
int FakeHub::cdn_requests() const { return s_->cdn_requests.load(); }

void FakeHub::reset_stats() {
  std::lock_guard lk(s_->mu);
  s_->stats.clear();
  s_->max_in_flight = 0;
  s_->api_requests = 0;
  s_->cdn_auth = 0;
  s_->hub_auth = 0;
  s_->cdn_requests = 0;
}

}  // namespace vole::test
