// HubClient against hand-written hub responses: pinned commits, pagination, and listings
// that must be refused (path traversal, malformed ids, duplicates).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/failure.h"
#include "hub/hub_client.h"
#include "support/http_server.h"

using namespace vole::hub;
using namespace vole::test;
using json = nlohmann::json;

namespace {

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

// Serves `revision_body` for the revision API and `tree_body` for the tree API.
struct CannedHub {
  std::string revision_body = json{{"sha", kSha}}.dump();
  std::string tree_body = "[]";
  HttpServer server{[this](const HttpRequestIn& r, HttpResponseWriter& w) {
    std::string body = r.path.find("/revision/") != std::string::npos ? revision_body : tree_body;
    w.head(200, {{"Content-Length", std::to_string(body.size())}, {"Content-Type", "application/json"}});
    w.body(body);
  }};
  HubClient client() {
    HubConfig c;
    c.base_url = server.url() + "/";  // a trailing slash is tolerated
    return HubClient(c, RetryPolicy{.max_attempts = 1});
  }
};

json file_entry(const std::string& path, uint64_t size = 10) {
  return {{"type", "file"}, {"oid", std::string(40, 'a')}, {"size", size}, {"path", path}};
}

std::string list_error(const json& tree) {
  CannedHub hub;
  hub.tree_body = tree.dump();
  try {
    hub.client().list_files("acme/model", kSha, {});
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::Integrity) << e.what();
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(HubClient, ResolvesCommitAndListsFiles) {
  CannedHub hub;
  json lfs_entry = file_entry("model.safetensors", 1234);
  lfs_entry["lfs"] = {{"oid", std::string(64, 'b')}, {"size", 1234}, {"pointerSize", 134}};
  hub.tree_body = json::array({file_entry("config.json"), lfs_entry,
                               {{"type", "directory"}, {"oid", std::string(40, '0')}, {"size", 0}, {"path", "onnx"}}})
                      .dump();
  HubClient client = hub.client();
  EXPECT_EQ(client.resolve_commit("acme/model", "main", {}), kSha);
  auto files = client.list_files("acme/model", kSha, {});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_FALSE(files[0].is_lfs());
  EXPECT_EQ(files[1].sha256, std::string(64, 'b'));
  EXPECT_EQ(files[1].size, 1234u);
  EXPECT_EQ(client.file_url("acme/model", kSha, "a b.json"), hub.server.url() + "/acme/model/resolve/" + kSha + "/a%20b.json");
}

TEST(HubClient, RefusesHostileOrBrokenListings) {
  EXPECT_NE(list_error(json::array({file_entry("../../.bashrc")})).find("unsafe file path"), std::string::npos);
  EXPECT_NE(list_error(json::array({file_entry("/etc/passwd")})).find("unsafe file path"), std::string::npos);
  EXPECT_NE(list_error(json::array({file_entry("a.json"), file_entry("a.json")})).find("listed twice"),
            std::string::npos);
  json bad_oid = file_entry("a.json");
  bad_oid["oid"] = "xyz";
  EXPECT_NE(list_error(json::array({bad_oid})).find("git oid"), std::string::npos);
  json bad_lfs = file_entry("w.safetensors");
  bad_lfs["lfs"] = {{"oid", "sha256:abc"}};
  EXPECT_NE(list_error(json::array({bad_lfs})).find("lfs.oid"), std::string::npos);
  json size_mismatch = file_entry("w.safetensors", 10);
  size_mismatch["lfs"] = {{"oid", std::string(64, 'c')}, {"size", 11}};
  EXPECT_NE(list_error(json::array({size_mismatch})).find("disagree"), std::string::npos);
  json negative = file_entry("a.json");
  negative["size"] = -5;
  EXPECT_NE(list_error(json::array({negative})).find("non-negative"), std::string::npos);
  EXPECT_NE(list_error(json{{"error", "x"}}).find("expected a JSON array"), std::string::npos);

  CannedHub hub;
  hub.revision_body = json{{"sha", "main"}}.dump();
  EXPECT_THROW(hub.client().resolve_commit("acme/model", "main", {}), HubError);
  hub.revision_body = "<html>";
  try {
    hub.client().resolve_commit("acme/model", "main", {});
    FAIL();
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("invalid JSON"), std::string::npos);
  }
}

TEST(HubClient, BadBaseUrlIsAClearError) {
  HubConfig c;
  c.base_url = "not a url";
  try {
    HubClient client(c);
    FAIL();
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("not an http(s) URL"), std::string::npos);
  }
}
