#pragma once
// Vole's OpenAI-compatible HTTP API (cpp-httplib): GET /v1/models, POST
// /v1/chat/completions and /v1/completions (whole or streamed as server-sent events;
// tools rendered by the model's template and its calls read back; image parts), POST
// /v1/embeddings, /v1/audio/transcriptions and /v1/audio/speech, GET /health, GET /metrics. Each model is served by a
// ModelWorker (one decode stream at a time, bounded queue); a streaming client that disconnects cancels its generation.
// Security defaults: loopback only unless an API key is set, bodies and JSON nesting bounded, no CORS headers, and
// request bodies (prompts) never logged.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "runtime/embedding_model.h"
#include "runtime/engine.h"
#include "server/model_access.h"
#include "server/openai_request.h"
#include "speech/speaker.h"

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

// Makes the voice for one /v1/audio/speech request: `voice` is the request's voice ("" for
// the default), `speed` its speed multiplier.
using SpeakerFactory = std::function<std::unique_ptr<speech::Speaker>(const std::string& voice, double speed)>;

class ApiServer {
 public:
  explicit ApiServer(ServerOptions options);
  ~ApiServer();  // stop()
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Serves `engine` under `name` (the "model" field clients send). Before start().
  void add_model(const std::string& name, runtime::Engine& engine);
  // Serves an embedding model under `name` for /v1/embeddings. Before start().
  void add_embedding_model(const std::string& name, runtime::EmbeddingModel& model);
  // Serves a Moonshine engine for /v1/audio/transcriptions (throws Unsupported for any
  // other model). Before start().
  void add_transcription_model(const std::string& name, runtime::Engine& engine);
  // Serves a voice for /v1/audio/speech. Before start().
  void add_speech_model(const std::string& name, SpeakerFactory make);
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
