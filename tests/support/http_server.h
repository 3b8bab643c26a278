#pragma once
// A small threaded HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection,
// keep-alive, HEAD, and a handler that writes the response itself, so tests can stream
// slowly, stop half-way or drop the connection (fault injection).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vole::test {

struct HttpRequestIn {
  std::string method;
  std::string target;  // path + query as sent
  std::string path;    // percent-decoded path
  std::string query;   // raw query (after '?')
  std::map<std::string, std::string> headers;  // lower-case names
  std::optional<std::string> header(std::string_view name) const;
  std::string query_param(std::string_view name) const;  // "" when absent
};

class HttpResponseWriter {
 public:
  HttpResponseWriter(int fd, bool head_request, const std::atomic<bool>& stopping)
      : fd_(fd), head_request_(head_request), stopping_(stopping) {}
  // Status line and headers; include Content-Length whenever there is a body.
  bool head(int status, const std::vector<std::pair<std::string, std::string>>& headers);
  // Body bytes (skipped for HEAD requests); false once the client is gone.
  bool body(std::string_view data);
  // Closes the connection without finishing the response (a dropped connection).
  void drop();
  bool head_sent() const { return head_sent_; }
  bool dropped() const { return dropped_; }
  bool is_head_request() const { return head_request_; }
  bool stopping() const { return stopping_.load(); }

 private:
  bool send_all(std::string_view data);
  int fd_;
  bool head_request_;
  const std::atomic<bool>& stopping_;
  bool head_sent_ = false;
  bool dropped_ = false;
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequestIn&, HttpResponseWriter&)>;
  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>"
  int connections() const { return connections_.load(); }
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
};

std::string percent_decode(std::string_view s);

}  // namespace vole::test
