#pragma once
// A client for OpenAI-compatible servers (vLLM, llama.cpp, Ollama, LM Studio, a cloud
// endpoint, or another Vole): the model list and chat completions streamed over
// server-sent events, with libcurl. TLS peers and host names are always verified (a
// private CA may be added, verification never removed); proxies come from the usual
// environment variables (libcurl's https_proxy / no_proxy); redirects are not followed,
// and an API key is sent only over https or to this computer's own loopback address.
// Failures are RemoteErrors with a message a user can act on; whatever streamed before
// a failure has already been delivered to the caller's callback.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace vole::remote {

struct RemoteOptions {
  std::string base_url;   // e.g. "http://127.0.0.1:8080/v1", "https://api.example.com/v1"
  std::string api_key;    // sent as "Authorization: Bearer ..."; empty: none
  std::string ca_bundle;  // extra trust anchors (PEM file)
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds stall_timeout{120000};  // give up when no body byte arrives for this long
};

struct RemoteSampling {
  std::optional<double> temperature, top_p, presence_penalty, frequency_penalty;
  std::optional<int64_t> seed, max_tokens;
  std::vector<std::string> stop;
};

struct RemoteReply {
  std::string content, reasoning;
  std::string finish_reason;                                // as the server said ("stop", "length", ...)
  std::optional<int64_t> prompt_tokens, completion_tokens;  // when the server reports usage
};

// A failed request. http_status is the server's status (0: no answer: unreachable,
// dropped, timed out, malformed stream).
class RemoteError : public Error {
 public:
  RemoteError(int http_status, const std::string& message)
      : Error(ErrorCode::Network, message), http_status_(http_status) {}
  int http_status() const { return http_status_; }

 private:
  int http_status_;
};

class OpenAIClient {
 public:
  // Throws InvalidArgument for a URL that is not http(s), or a key that would travel
  // over plain HTTP to another computer.
  explicit OpenAIClient(RemoteOptions options);

  std::vector<std::string> list_models();

  // Streams one answer; on_delta gets the content and reasoning pieces as they arrive.
  // Cancel (set from any thread) stops with ErrorCode::Cancelled, within about a second
  // (libcurl's progress calls slow to one a second while nothing arrives).
  using DeltaFn = std::function<void(const std::string& content, const std::string& reasoning)>;
  RemoteReply chat(const std::string& model, const nlohmann::json& messages, const RemoteSampling& sampling,
                   const DeltaFn& on_delta, const std::atomic<bool>* cancel = nullptr);

 private:
  RemoteOptions options_;
};

}  // namespace vole::remote
