#include "remote/openai_client.h"

#include <curl/curl.h>

#include <exception>
#include <memory>

#include "remote/sse_parser.h"

namespace vole::remote {

namespace {

constexpr size_t kMaxErrorBody = 64 << 10;
constexpr size_t kMaxListBody = 4 << 20;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

bool loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// The server's own words, made safe to show: at most 300 characters, no control codes.
std::string server_words(const std::string& body) {
  std::string message;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    const auto& e = j["error"];
    if (e.is_object() && e.contains("message") && e["message"].is_string())
      message = e["message"].get<std::string>();
    else if (e.is_string())
      message = e.get<std::string>();
  }
  if (message.empty()) return {};
  if (message.size() > 300) message = message.substr(0, 300) + "...";
  for (char& c : message)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return message;
}

[[noreturn]] void status_error(long status, const std::string& body) {
  std::string words = server_words(body);
  std::string what;
  if (status == 401 || status == 403)
    what = "the server refused the API key";
  else if (status == 404)
    what = "not found on the server (check the URL and the model name)";
  else if (status == 429)
    what = "the server is busy or rate-limiting; try again later";
  else if (status >= 500)
    what = "the server failed";
  else
    what = "the server refused the request";
  throw RemoteError(static_cast<int>(status),
                    what + " (HTTP " + std::to_string(status) + (words.empty() ? ")" : "): " + words));
}

// One libcurl transfer with the options every request shares.
struct Transfer {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  std::string body;                            // non-2xx bodies, or the whole body without a sink
  std::function<void(std::string_view)> sink;  // 2xx bodies, as they arrive
  std::exception_ptr failure;                  // thrown by the sink; rethrown after the transfer
  const std::atomic<bool>* cancel = nullptr;
  size_t max_body = kMaxErrorBody;
  // A stall is measured here, between body bytes: libcurl's low-speed limit averages
  // over a window that the headers alone can keep above the limit.
  std::chrono::milliseconds stall_timeout;
  std::chrono::steady_clock::time_point last_data = std::chrono::steady_clock::now();
  bool stalled = false;
  char error[CURL_ERROR_SIZE] = {};

  Transfer(const RemoteOptions& o, const std::string& url) : stall_timeout(o.stall_timeout) {
    static CurlGlobal global;
    if (!curl) fail(ErrorCode::OutOfMemory, "cannot start an HTTP transfer");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // the key must not follow a redirect elsewhere
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!o.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_bundle.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vole/0.1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Transfer::on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
    if (!o.api_key.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + o.api_key).c_str());
  }
  ~Transfer() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }

  long status() const {
    long s = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &s);
    return s;
  }

  static size_t on_write(char* data, size_t, size_t n, void* self_ptr) {
    auto* self = static_cast<Transfer*>(self_ptr);
    if (self->cancel && self->cancel->load()) return 0;
    self->last_data = std::chrono::steady_clock::now();
    long s = self->status();
    if (s >= 200 && s < 300 && self->sink) {
      try {
        self->sink(std::string_view(data, n));
      } catch (...) {
        self->failure = std::current_exception();
        return 0;
      }
      return n;
    }
    if (self->body.size() + n > self->max_body) {
      if (s >= 200 && s < 300) return 0;  // an oversized answer is refused
      self->body.append(data, std::min(n, self->max_body - self->body.size()));
      return n;  // error bodies: keep the start, read the rest away
    }
    self->body.append(data, n);
    return n;
  }

  static int on_progress(void* self_ptr, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* self = static_cast<Transfer*>(self_ptr);
    if (self->cancel && self->cancel->load()) return 1;
    if (std::chrono::steady_clock::now() - self->last_data > self->stall_timeout) {
      self->stalled = true;
      return 1;
    }
    return 0;
  }

  // Performs the transfer; throws for transport failures and non-2xx statuses.
  void perform(const std::string& what) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(curl);
    if (failure) std::rethrow_exception(failure);
    if (cancel && cancel->load()) fail(ErrorCode::Cancelled, what + " was stopped");
    if (stalled)
      throw RemoteError(0, what + ": the server stopped answering (nothing for " +
                               std::to_string(stall_timeout.count() / 1000.0).substr(0, 4) + " s)");
    long s = status();
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && s >= 300)) {
      std::string detail = error[0] ? error : curl_easy_strerror(rc);
      std::string message;
      switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
          message = "cannot reach the server";
          break;
        case CURLE_OPERATION_TIMEDOUT:
          message = "the server stopped answering";
          break;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
          message = "the server's TLS certificate could not be verified";
          break;
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
          message = "the connection dropped before the answer was complete";
          break;
        case CURLE_WRITE_ERROR:
          message = "the server's answer was too large";
          break;
        default:
          message = "the request failed";
          break;
      }
      throw RemoteError(0, what + ": " + message + " (" + detail + ")");
    }
    if (s < 200 || s >= 300) status_error(s, body);
  }
};

}  // namespace

OpenAIClient::OpenAIClient(RemoteOptions options) : options_(std::move(options)) {
  std::string& url = options_.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  bool https = url.rfind("https://", 0) == 0, http = url.rfind("http://", 0) == 0;
  require(https || http, "the server URL must start with http:// or https:// (got '" + url + "')");
  CURLU* u = curl_url();
  bool parsed = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK;
  char* host = nullptr;
  if (parsed) curl_url_get(u, CURLUPART_HOST, &host, 0);
  std::string h = host ? host : "";
  curl_free(host);
  curl_url_cleanup(u);
  require(parsed && !h.empty(), "'" + url + "' is not a valid server URL");
  require(https || options_.api_key.empty() || loopback_host(h),
          "an API key is only sent over https (or to this computer); use an https:// URL for " + h);
}

std::vector<std::string> OpenAIClient::list_models() {
  Transfer t(options_, options_.base_url + "/models");
  t.max_body = kMaxListBody;
  t.perform("listing the models");
  auto j = nlohmann::json::parse(t.body, nullptr, false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
    throw RemoteError(0, "the server's model list is not an OpenAI model list");
  std::vector<std::string> ids;
  for (const auto& m : j["data"])
    if (m.is_object() && m.contains("id") && m["id"].is_string()) ids.push_back(m["id"].get<std::string>());
  return ids;
}

RemoteReply OpenAIClient::chat(const std::string& model, const nlohmann::json& messages, const RemoteSampling& s,
                               const DeltaFn& on_delta, const std::atomic<bool>* cancel) {
  nlohmann::json body = {
      {"model", model}, {"messages", messages}, {"stream", true}, {"stream_options", {{"include_usage", true}}}};
  if (s.temperature) body["temperature"] = *s.temperature;
  if (s.top_p) body["top_p"] = *s.top_p;
  if (s.presence_penalty) body["presence_penalty"] = *s.presence_penalty;
  if (s.frequency_penalty) body["frequency_penalty"] = *s.frequency_penalty;
  if (s.seed) body["seed"] = *s.seed;
  if (s.max_tokens) body["max_tokens"] = *s.max_tokens;
  if (!s.stop.empty()) body["stop"] = s.stop;
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  Transfer t(options_, options_.base_url + "/chat/completions");
  t.headers = curl_slist_append(t.headers, "Content-Type: application/json");
  t.headers = curl_slist_append(t.headers, "Accept: text/event-stream");
  curl_easy_setopt(t.curl, CURLOPT_POSTFIELDS, text.c_str());
  curl_easy_setopt(t.curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(text.size()));
  t.cancel = cancel;

  RemoteReply reply;
  bool done = false;
  SseParser parser;
  auto on_event = [&](const SseEvent& e) {
    if (done) return;
    if (e.data == "[DONE]") {
      done = true;
      return;
    }
    auto j = nlohmann::json::parse(e.data, nullptr, false);
    if (!j.is_object()) throw RemoteError(0, "the server sent a malformed event (not JSON)");
    if (j.contains("error")) throw RemoteError(0, "the server failed mid-answer: " + server_words(e.data));
    if (j.contains("usage") && j["usage"].is_object()) {
      const auto& u = j["usage"];
      if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer())
        reply.prompt_tokens = u["prompt_tokens"].get<int64_t>();
      if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer())
        reply.completion_tokens = u["completion_tokens"].get<int64_t>();
    }
    if (!j.contains("choices") || !j["choices"].is_array())
      throw RemoteError(0, "the server sent a malformed event (no choices)");
    if (j["choices"].empty()) return;
    const auto& c = j["choices"][0];
    if (!c.is_object()) throw RemoteError(0, "the server sent a malformed event (bad choice)");
    if (c.contains("delta") && c["delta"].is_object()) {
      const auto& d = c["delta"];
      auto text_of = [&](const char* key) {
        return d.contains(key) && d[key].is_string() ? d[key].get<std::string>() : std::string();
      };
      std::string content = text_of("content");
      std::string reasoning = text_of("reasoning_content");
      if (reasoning.empty()) reasoning = text_of("reasoning");  // vLLM's newer name
      reply.content += content;
      reply.reasoning += reasoning;
      if ((!content.empty() || !reasoning.empty()) && on_delta) on_delta(content, reasoning);
    }
    if (c.contains("finish_reason") && c["finish_reason"].is_string())
      reply.finish_reason = c["finish_reason"].get<std::string>();
  };
  t.sink = [&](std::string_view bytes) { parser.feed(bytes, on_event); };
  try {
    t.perform("the answer");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::InvalidArgument) throw RemoteError(0, std::string("the answer: ") + e.what());
    throw;
  }
  if (!done && reply.finish_reason.empty())
    throw RemoteError(0, "the answer: the stream ended before the answer was complete");
  return reply;
}

}  // namespace vole::remote
