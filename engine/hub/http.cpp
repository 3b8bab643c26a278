#include "hub/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <mutex>

#include "hub/failure.h"

namespace vole::hub {

namespace {

constexpr size_t kMaxCollectedBody = 32u << 20;  // API responses (tree pages are far smaller)
constexpr size_t kMaxErrorBody = 64u << 10;
constexpr long kPollMs = 50;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail_hub(Failure::Internal, "libcurl failed to initialise");
  });
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// State shared with the curl callbacks of one transfer.
struct Transfer {
  CURL* easy = nullptr;
  HttpResponse* response = nullptr;
  BodyHandler* handler = nullptr;
  const StopFn* stop = nullptr;
  bool head_delivered = false;
  bool stopped = false;
  std::exception_ptr error;

  long status() {
    long s = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &s);
    return s;
  }
  bool streaming() const { return handler && response->status >= 200 && response->status < 300; }

  // Runs a user callback; an exception is kept and aborts the transfer.
  template <class F>
  bool guarded(F&& f) {
    try {
      f();
      return true;
    } catch (...) {
      error = std::current_exception();
      return false;
    }
  }
  void deliver_head() {
    if (head_delivered) return;
    head_delivered = true;
    if (handler && handler->on_head) handler->on_head(*response);
  }
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (1xx interim responses come first)
    t->response->headers.clear();
    t->response->status = 0;
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response->headers.set(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  if (t->response->status == 0) t->response->status = t->status();
  long status = t->response->status;
  if (is_redirect(status)) return bytes;  // the redirect's own body is noise
  if (t->streaming()) {
    bool ok = t->guarded([&] {
      t->deliver_head();
      if (t->handler->on_data) t->handler->on_data({reinterpret_cast<const uint8_t*>(data), bytes});
    });
    return ok ? bytes : 0;
  }
  size_t limit = (status >= 200 && status < 300) ? kMaxCollectedBody : kMaxErrorBody;
  if (t->response->body.size() + bytes > limit) {
    if (limit == kMaxErrorBody) return bytes;  // keep the start of an error page, drop the rest
    t->error = std::make_exception_ptr(HubError(Failure::Integrity, "response from " +
                                                url_for_display(t->response->url) + " is larger than 32 MiB"));
    return 0;
  }
  t->response->body.append(data, bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (*t->stop && (*t->stop)()) {
    t->stopped = true;
    return 1;  // aborts with CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

[[noreturn]] void throw_transport(CURLcode code, const char* detail, const std::string& url) {
  std::string what = std::string(curl_easy_strerror(code));
  if (detail && *detail && what != detail) what += " (" + std::string(detail) + ")";
  std::string where = " fetching " + url_for_display(url);
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      fail_hub(Failure::Tls, "TLS certificate verification failed" + where + ": " + what);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP3:
      fail_hub(Failure::Network, "network error" + where + ": " + what, /*retryable=*/true);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      fail_hub(Failure::InvalidInput, "bad URL " + url_for_display(url) + ": " + what);
    case CURLE_OUT_OF_MEMORY: fail_hub(Failure::Io, "out of memory" + where);
    default: fail_hub(Failure::Network, "network error" + where + ": " + what);
  }
}

}  // namespace

void HttpHeaders::set(std::string_view name, std::string_view value) {
  auto key = lower(name);
  auto it = map_.find(key);
  if (it == map_.end()) map_.emplace(std::move(key), std::string(value));
  else it->second += ", " + std::string(value);  // repeated headers combine, as in RFC 9110
}

std::optional<std::string> HttpHeaders::get(std::string_view name) const {
  auto it = map_.find(lower(name));
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

std::string url_origin(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return {};
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
      out = lower(scheme) + "://" + lower(host) + ":" + port;
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

std::string url_for_display(const std::string& url) {
  auto cut = url.find_first_of("?#");
  return cut == std::string::npos ? url : url.substr(0, cut);
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string encode_path(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    out += percent_encode(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    out += '/';
    start = end + 1;
  }
  return out;
}

struct HttpSession::Impl {
  HttpOptions options;
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {};

  // One request, no redirect following. Returns the redirect target ("" if none).
  std::string perform_once(const std::string& url, const HttpRequest& req, const StopFn& stop,
                           BodyHandler* handler, const std::optional<HttpHeaders>& first_redirect,
                           HttpResponse& resp) {
    curl_easy_reset(easy);  // keeps live connections and the TLS session cache
    resp = HttpResponse{};
    resp.url = url;
    resp.redirect_headers = first_redirect;  // visible to on_head already
    Transfer t;
    t.easy = easy;
    t.response = &resp;
    t.handler = handler;
    t.stop = &stop;

    struct curl_slist* headers = nullptr;
    std::string auth;
    if (!options.token.empty() && !options.auth_origin.empty() && url_origin(url) == options.auth_origin) {
      auth = "Authorization: Bearer " + options.token;
      headers = curl_slist_append(headers, auth.c_str());
    }
    errbuf[0] = 0;
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // we follow redirects ourselves, see above
    // TLS: always verify the peer's certificate chain and that it names the host.
    // Never disable these: model weights are executable input and the token is a secret.
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_bundle.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_bundle.c_str());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 256L * 1024);  // fewer, larger writes for big files
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    long stall_s = std::max<long>(1, static_cast<long>((options.stall_timeout.count() + 999) / 1000));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, stall_s);
    if (headers) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    std::string range;
    if (req.range) {
      range = std::to_string(req.range->first) + "-" + std::to_string(req.range->last);
      curl_easy_setopt(easy, CURLOPT_RANGE, range.c_str());
    }
    if (req.head) curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);

    CURLcode result = CURLE_OK;
    curl_multi_add_handle(multi, easy);
    for (;;) {
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      if (!running) {
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued))
          if (msg->msg == CURLMSG_DONE) result = msg->data.result;
        break;
      }
      if (stop && stop()) {
        t.stopped = true;
        result = CURLE_ABORTED_BY_CALLBACK;
        break;
      }
      curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr);
    }
    curl_multi_remove_handle(multi, easy);
    curl_slist_free_all(headers);

    if (t.error) std::rethrow_exception(t.error);
    if (t.stopped || (result == CURLE_ABORTED_BY_CALLBACK && stop && stop()))
      fail_hub(Failure::Cancelled, "stopped while fetching " + url_for_display(url));
    if (result != CURLE_OK) throw_transport(result, errbuf, url);
    if (resp.status == 0) resp.status = t.status();
    if (is_redirect(resp.status)) {
      char* target = nullptr;
      curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &target);  // absolute, resolved against `url`
      if (target) return target;
      fail_hub(Failure::Network, "redirect without a Location header from " + url_for_display(url));
    }
    if (handler && resp.status >= 200 && resp.status < 300 && !t.head_delivered) {
      t.deliver_head();  // empty body (HEAD, zero-length file): the head still has to be seen
    }
    return {};
  }
};

HttpSession::HttpSession(HttpOptions options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->options = std::move(options);
  impl_->easy = curl_easy_init();
  impl_->multi = curl_multi_init();
  if (!impl_->easy || !impl_->multi) fail_hub(Failure::Internal, "libcurl could not create a handle");
}

HttpSession::~HttpSession() {
  if (impl_->easy) curl_easy_cleanup(impl_->easy);
  if (impl_->multi) curl_multi_cleanup(impl_->multi);
}

const HttpOptions& HttpSession::options() const { return impl_->options; }

HttpResponse HttpSession::perform(const HttpRequest& request, const StopFn& stop, BodyHandler* handler) {
  HttpResponse resp;
  std::optional<HttpHeaders> first_redirect;
  std::string url = request.url;
  for (int hop = 0;; ++hop) {
    std::string next = impl_->perform_once(url, request, stop, handler, first_redirect, resp);
    if (next.empty()) break;
    if (hop >= impl_->options.max_redirects)
      fail_hub(Failure::Network, "too many redirects fetching " + url_for_display(request.url));
    if (!first_redirect) first_redirect = resp.headers;
    std::string scheme = lower(next.substr(0, next.find(':')));
    if (scheme != "http" && scheme != "https")
      fail_hub(Failure::Network, "refusing a redirect to a non-HTTP URL from " + url_for_display(url));
    if (lower(url.substr(0, 6)) == "https:" && scheme == "http")
      fail_hub(Failure::Network, "refusing a redirect from HTTPS to plain HTTP: " + url_for_display(next));
    url = next;
  }
  return resp;
}

}  // namespace vole::hub
