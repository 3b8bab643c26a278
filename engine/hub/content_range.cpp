#include "hub/content_range.h"

#include <charconv>

#include "hub/failure.h"
#include "hub/hub_client.h"

namespace vole::hub {

namespace {
bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::optional<ContentRange> parse_content_range(std::string_view h) {
  if (!h.starts_with("bytes ")) return std::nullopt;
  h.remove_prefix(6);
  auto dash = h.find('-'), slash = h.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return std::nullopt;
  ContentRange r;
  if (!parse_u64(h.substr(0, dash), r.first) || !parse_u64(h.substr(dash + 1, slash - dash - 1), r.last) ||
      r.last < r.first)
    return std::nullopt;
  auto total = h.substr(slash + 1);
  if (total != "*") {
    uint64_t t = 0;
    if (!parse_u64(total, t) || r.last >= t) return std::nullopt;
    r.total = t;
  }
  return r;
}

void expect_range(const HttpResponse& r, ByteRange want, uint64_t total, const std::string& what) {
  std::string asked = "bytes " + std::to_string(want.first) + "-" + std::to_string(want.last);
  if (r.status != 206)
    fail_hub(Failure::Integrity, what + ": asked for " + asked + ", got HTTP " + std::to_string(r.status));
  auto header = r.headers.get("content-range");
  auto cr = header ? parse_content_range(*header) : std::nullopt;
  if (!cr) fail_hub(Failure::Integrity, what + ": 206 response without a valid Content-Range");
  if (cr->first != want.first || cr->last != want.last)
    fail_hub(Failure::Integrity, what + ": asked for " + asked + ", server sent " + *header);
  if (cr->total && *cr->total != total)
    fail_hub(Failure::Integrity, what + ": the server reports " + std::to_string(*cr->total) +
                                     " bytes, the hub lists " + std::to_string(total) + " (wrong size)");
}

void expect_hub_headers(const HttpResponse& r, const std::string& commit, const RemoteFile& file,
                        const std::string& what) {
  const HttpHeaders& hub = r.redirect_headers ? *r.redirect_headers : r.headers;
  if (auto c = hub.get("x-repo-commit"); c && !commit.empty() && *c != commit)
    fail_hub(Failure::Integrity, what + ": the hub served commit " + *c + " instead of " + commit);
  if (auto s = hub.get("x-linked-size"); s && *s != std::to_string(file.size))
    fail_hub(Failure::Integrity, what + ": the hub links " + *s + " bytes, its listing says " +
                                     std::to_string(file.size) + " (wrong size)");
  if (auto e = hub.get("x-linked-etag"); e && file.is_lfs() && normalize_etag(*e) != file.sha256)
    fail_hub(Failure::Integrity, what + ": the hub links object " + normalize_etag(*e) + ", its listing says " +
                                     file.sha256);
}

std::string response_etag(const HttpResponse& r) {
  if (r.redirect_headers)
    if (auto linked = r.redirect_headers->get("x-linked-etag")) return normalize_etag(*linked);
  if (auto linked = r.headers.get("x-linked-etag")) return normalize_etag(*linked);
  if (auto etag = r.headers.get("etag")) return normalize_etag(*etag);
  return {};
}

}  // namespace vole::hub
