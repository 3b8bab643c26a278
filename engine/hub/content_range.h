#pragma once
// Checks on ranged responses: a 206 must carry exactly the Content-Range we asked for,
// with the total size the hub listed; and which ETag identifies the remote object.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/http.h"
#include "hub/hub_client.h"

namespace vole::hub {

struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  std::optional<uint64_t> total;  // absent for "*"
};

// Parses "bytes first-last/total" (total may be "*"); nullopt when malformed.
std::optional<ContentRange> parse_content_range(std::string_view header);

// Throws HubError(Integrity) unless `r` is a 206 for exactly `want` of a `total`-byte object.
void expect_range(const HttpResponse& r, ByteRange want, uint64_t total, const std::string& what);

// Checks the hub's own statements about the object, where it made them: X-Repo-Commit
// must be the pinned commit, X-Linked-Size the listed size and, for LFS files, the
// X-Linked-Etag the listed SHA-256 (it is the LFS object id). Throws HubError(Integrity).
void expect_hub_headers(const HttpResponse& r, const std::string& commit, const RemoteFile& file,
                        const std::string& what);

// The object's ETag: the hub's X-Linked-Etag when the request was redirected to the CDN
// (that is the LFS SHA-256), else the final response's ETag; normalised, "" if none.
std::string response_etag(const HttpResponse& r);

}  // namespace vole::hub
