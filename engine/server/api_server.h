#pragma once
// Vole's OpenAI-compatible HTTP API (cpp-httplib): GET /v1/models, POST
// /v1/chat/completions and /v1/completions (whole or streamed as server-sent events),
// GET /health, GET /metrics. Each model is served by a ModelWorker (one decode stream
// at a time, bounded queue); a streaming client that disconnects cancels its
// generation. Security defaults: loopback only unless an API key is set, bodies and
// JSON nesting bounded, no CORS headers, and request bodies (prompts) never logged.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "runtime/engine.h"
#include "server/model_access.h"
#include "server/openai_request.h"

namespace vole::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                          // 0: any free port (see ApiServer::port())
  std::string api_key;                      // required by every request when set; required to bind beyond loopback
  size_t max_queue = 8;                     // requests that may wait behind the running one, per model
  std::chrono::seconds queue_timeout{300};  // a request not started by then gets 503
  size_t max_body_bytes = 8u << 20;
  int threads = 0;  // HTTP connection threads; 0: max_queue + 8
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds keep_alive{5};
  RequestLimits limits;
  // One line per request (method, path, status, time; never a body). Null: silent.
  std::function<void(const std::string& line)> log;
};

class ApiServer {
 public:
  explicit ApiServer(ServerOptions options);
  ~ApiServer();  // stop()
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Serves `engine` under `name` (the "model" field clients send). Before start().
  void add_model(const std::string& name, runtime::Engine& engine);
  // Serves a model shared with other users (the desktop app's chats), which may be
  // unloaded or replaced while the server runs: requests then get 503 until one is back.
  void add_model(const std::string& name, std::shared_ptr<ModelAccess> access);
  // Binds and starts serving on a thread of its own; returns the port. Throws
  // InvalidArgument for a non-loopback host without a key, Io if the bind fails.
  int start();
  // Cancels running and queued generations, closes the listener, waits for the threads.
  void stop();
  int port() const;
  // Generations cancelled so far (clients that left, shutdown).
  int64_t cancelled_generations() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vole::server
