#pragma once
// A small libcurl client for talking to the hub and its CDN.
//  - One HttpSession per thread; it keeps connections alive between requests.
//  - Redirects are followed here, not by curl, so the access token is attached only
//    to requests for the hub's own origin (scheme, host, port) and never travels to
//    the CDN or anywhere else a redirect points. https -> http downgrades are refused.
//  - TLS peer and host verification are always on; there is deliberately no option
//    to turn them off. A custom CA bundle may be added (corporate mirrors).
//  - A stop function is polled at least every 50 ms, so pause/cancel land promptly.
//  - Transport failures throw HubError (retryable ones marked); HTTP error statuses
//    are returned to the caller, which knows what they mean for its request.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vole::hub {

using StopFn = std::function<bool()>;

// Response headers, looked up case-insensitively (names are stored lower-case).
class HttpHeaders {
 public:
  void set(std::string_view name, std::string_view value);
  std::optional<std::string> get(std::string_view name) const;
  void clear() { map_.clear(); }

 private:
  std::map<std::string, std::string> map_;
};

struct HttpOptions {
  std::string auth_origin;  // e.g. "https://huggingface.co:443": the only origin that gets the token
  std::string token;        // "Authorization: Bearer <token>" for auth_origin requests
  std::string ca_bundle;    // extra trust anchors (PEM file); verification itself stays on
  std::string user_agent = "vole/0.1";
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds stall_timeout{30000};  // give up when no byte arrives for this long
  int max_redirects = 10;
};

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive, as in the Range header
};

struct HttpRequest {
  std::string url;
  bool head = false;
  std::optional<ByteRange> range;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;            // of the final response
  std::optional<HttpHeaders> redirect_headers;  // of the first response, when it redirected
  std::string url;                // final URL
  std::string body;               // without a BodyHandler, or for non-2xx responses (first 64 KiB)
};

// Streams a 2xx body. on_head runs once the final response's headers are in, before any
// body byte; both callbacks may throw to abort the transfer (the exception propagates).
struct BodyHandler {
  std::function<void(const HttpResponse& head)> on_head;
  std::function<void(std::span<const uint8_t> data)> on_data;
};

class HttpSession {
 public:
  explicit HttpSession(HttpOptions options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Performs the request, following redirects. Bodies without a handler are capped
  // at 32 MiB (API responses); use a BodyHandler for files.
  HttpResponse perform(const HttpRequest& request, const StopFn& stop, BodyHandler* handler = nullptr);
  const HttpOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "scheme://host:port" in lower case with the default port made explicit; empty when
// the URL does not parse.
std::string url_origin(const std::string& url);
// The URL without its query and fragment: safe for error messages (signed CDN URLs
// carry credentials in the query).
std::string url_for_display(const std::string& url);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string percent_encode(std::string_view s);
// Percent-encodes each '/'-separated segment of a repo path.
std::string encode_path(std::string_view path);

}  // namespace vole::hub
