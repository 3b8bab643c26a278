// The HTTP layer: redirects keep the token on the hub's origin only, HTTPS downgrades are
// refused, stop() lands promptly, and TLS verification is really on (a self-signed
// certificate is refused; trusting it explicitly makes the same server work).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "hub/failure.h"
#include "hub/hub_client.h"
#include "hub/http.h"
#include "support/http_server.h"
#include "support/temp_dir.h"

using namespace vole::hub;
using namespace vole::test;
using namespace std::chrono_literals;

namespace {

struct AuthLog {
  std::mutex mu;
  std::map<std::string, std::string> seen;  // path -> Authorization header ("" = none)
};

HttpServer::Handler logging(AuthLog& log, std::function<void(const HttpRequestIn&, HttpResponseWriter&)> respond) {
  return [&log, respond](const HttpRequestIn& r, HttpResponseWriter& w) {
    {
      std::lock_guard lk(log.mu);
      log.seen[r.path] = r.header("authorization").value_or("");
    }
    respond(r, w);
  };
}

void ok(HttpResponseWriter& w, const std::string& body) {
  w.head(200, {{"Content-Length", std::to_string(body.size())}});
  w.body(body);
}

// A one-connection-at-a-time HTTPS server (OpenSSL) answering "hello over tls".
class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key, std::string redirect_to = {})
      : redirect_(std::move(redirect_to)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    ready_ = ctx_ && SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) == 1;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool ready() const { return ready_; }
  std::string url(const std::string& path = "/") const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
  int handshakes_ok() const { return ok_; }
  int handshakes_failed() const { return failed_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        ok_++;
        std::string req;
        char buf[4096];
        while (req.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, n);
        }
        std::string resp = redirect_.empty()
                               ? "HTTP/1.1 200 OK\r\nContent-Length: 14\r\nConnection: close\r\n\r\nhello over tls"
                               : "HTTP/1.1 302 Found\r\nLocation: " + redirect_ +
                                     "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        SSL_write(ssl, resp.data(), static_cast<int>(resp.size()));
        SSL_shutdown(ssl);
      } else {
        failed_++;
      }
      SSL_free(ssl);
      ::close(c);
    }
  }
  SSL_CTX* ctx_ = nullptr;
  bool ready_ = false;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string redirect_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0};
  std::thread thread_;
};

// A self-signed certificate for 127.0.0.1 made with the openssl CLI; false if unavailable.
bool make_certificate(const std::filesystem::path& dir) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) return false;
  std::string cmd = "cd '" + dir.string() +
                    "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                    "-keyout key.pem -out cert.pem -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                    "> /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

TEST(Http, TokenStaysOnTheHubOrigin) {
  AuthLog cdn_log, hub_log;
  HttpServer cdn(logging(cdn_log, [](auto&, auto& w) { ok(w, "blob"); }));
  std::string cdn_url = cdn.url();
  HttpServer hub(logging(hub_log, [&](const HttpRequestIn& r, HttpResponseWriter& w) {
    if (r.path == "/relative") {
      w.head(307, {{"Location", "/same-origin"}, {"Content-Length", "0"}});
    } else if (r.path == "/same-origin") {
      w.head(302, {{"Location", cdn_url + "/blob?sig=1"}, {"X-Linked-Etag", "\"abc\""}, {"Content-Length", "0"}});
    } else {
      ok(w, "?");
    }
  }));
  HttpSession s({.auth_origin = url_origin(hub.url()), .token = "hf_secret"});
  HttpResponse r = s.perform({.url = hub.url() + "/relative"}, {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "blob");
  EXPECT_EQ(r.url, cdn_url + "/blob?sig=1");
  ASSERT_TRUE(r.redirect_headers);
  EXPECT_EQ(r.redirect_headers->get("location"), "/same-origin");  // the first hop's headers
  EXPECT_EQ(hub_log.seen["/relative"], "Bearer hf_secret");
  EXPECT_EQ(hub_log.seen["/same-origin"], "Bearer hf_secret");  // relative redirect: same origin
  EXPECT_EQ(cdn_log.seen["/blob"], "");                          // another port is another origin
}

TEST(Http, StopLandsWithinAFewPolls) {
  HttpServer slow([](const HttpRequestIn&, HttpResponseWriter& w) {
    w.head(200, {{"Content-Length", "1000000"}});
    for (int i = 0; i < 1000 && w.body(std::string(10, 'x')); ++i) std::this_thread::sleep_for(10ms);
  });
  HttpSession s({});
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop = true;
  });
  BodyHandler h{.on_head = [](const HttpResponse&) {}, .on_data = [](std::span<const uint8_t>) {}};
  try {
    s.perform({.url = slow.url() + "/slow"}, [&] { return stop.load(); }, &h);
    FAIL() << "expected a stop";
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::Cancelled);
  }
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 400ms);
}

TEST(Http, ConnectionRefusedIsARetryableNetworkError) {
  uint16_t port;
  {
    HttpServer gone([](auto&, auto& w) { ok(w, ""); });
    port = gone.port();
  }
  HttpSession s({});
  try {
    s.perform({.url = "http://127.0.0.1:" + std::to_string(port) + "/"}, {});
    FAIL();
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::Network);
    EXPECT_TRUE(e.retryable());
  }
}

TEST(Tls, SelfSignedCertificateIsRefused) {
  vole::test::TempDir tmp;
  if (!make_certificate(tmp.path())) GTEST_SKIP() << "the openssl command-line tool is not available";
  std::string cert = (tmp.path() / "cert.pem").string(), key = (tmp.path() / "key.pem").string();
  TlsServer server(cert, key);
  ASSERT_TRUE(server.ready());

  HttpSession plain({});
  try {
    plain.perform({.url = server.url()}, {});
    FAIL() << "a self-signed certificate was accepted";
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::Tls);
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
  }
  // The hub client refuses it too, with the same clear failure.
  HubConfig config;
  config.base_url = server.url("");
  HubClient hub(config, RetryPolicy{.max_attempts = 1});
  try {
    hub.resolve_commit("acme/model", "main", {});
    FAIL();
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::Tls);
  }
  // Control: trusting this certificate explicitly makes the same server work, so the
  // refusals above were certificate verification and not a broken server.
  HttpSession trusting({.ca_bundle = cert});
  HttpResponse r = trusting.perform({.url = server.url()}, {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello over tls");
  EXPECT_GE(server.handshakes_failed(), 2);
  EXPECT_GE(server.handshakes_ok(), 1);
}

TEST(Tls, RedirectFromHttpsToPlainHttpIsRefused) {
  vole::test::TempDir tmp;
  if (!make_certificate(tmp.path())) GTEST_SKIP() << "the openssl command-line tool is not available";
  std::string cert = (tmp.path() / "cert.pem").string(), key = (tmp.path() / "key.pem").string();
  HttpServer plain([](auto&, auto& w) { ok(w, "downgraded"); });
  TlsServer server(cert, key, plain.url() + "/file");
  HttpSession s({.ca_bundle = cert});
  try {
    s.perform({.url = server.url()}, {});
    FAIL() << "followed an https -> http redirect";
  } catch (const HubError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTPS to plain HTTP"), std::string::npos) << e.what();
  }
}
