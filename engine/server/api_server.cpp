#include "server/api_server.h"

#include <httplib.h>

#include <map>
#include <mutex>
#include <thread>

#include "audio/decode.h"
#include "runtime/speech_to_text.h"
#include "server/access.h"
#include "server/api_error.h"
#include "server/client_connection.h"
#include "server/image_parts.h"
#include "server/model_worker.h"
#include "server/openai_audio.h"
#include "server/openai_embeddings.h"
#include "server/openai_response.h"
#include "server/reply_channel.h"
#include "server/server_metrics.h"
#include "server/turn_queue.h"
#include "util/error.h"

namespace vole::server {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}
void send_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

// The endpoint label for logs and metrics (the path is client text: never echoed raw).
std::string endpoint_of(const std::string& path) {
  for (const char* known : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/audio/speech",
                            "/v1/audio/transcriptions", "/v1/models", "/health", "/metrics"})
    if (path == known) return known;
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return "other";
}

// What a client may learn about an engine failure: request problems in full, anything
// else as a bare 500 (the detail goes to the server's log).
ApiError to_api_error(const vole::Error& e) {
  switch (e.code()) {
    case ErrorCode::ContextFull:
      return invalid_request(e.what(), "messages", "context_length_exceeded");
    case ErrorCode::InvalidArgument:
    case ErrorCode::Unsupported:
      return invalid_request(e.what());
    default:
      return server_error();
  }
}

thread_local Clock::time_point t_request_start;

// The models served on the HTTP threads, each taking turns (TurnQueue).
template <class Model>
struct TurnTakingEndpoint {
  TurnTakingEndpoint(Model m, const ServerOptions& o) : model(std::move(m)), turns(o.max_queue, o.queue_timeout) {}
  Model model;
  TurnQueue turns;
};
using EmbeddingEndpoint = TurnTakingEndpoint<runtime::EmbeddingModel*>;
using TranscriptionEndpoint = TurnTakingEndpoint<std::unique_ptr<runtime::SpeechToText>>;
using SpeechEndpoint = TurnTakingEndpoint<SpeakerFactory>;

}  // namespace

struct ApiServer::Impl {
  ServerOptions options;
  httplib::Server http;
  std::map<std::string, std::unique_ptr<ModelWorker>> models;
  std::map<std::string, std::unique_ptr<EmbeddingEndpoint>> embedders;
  std::map<std::string, std::unique_ptr<TranscriptionEndpoint>> transcribers;
  std::map<std::string, std::unique_ptr<SpeechEndpoint>> speakers;
  ServerMetrics metrics;
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  std::atomic<bool> stopping{false};
  int port = -1;

  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  void check_new_name(const std::string& name) const {
    require(!name.empty(), "a served model needs a name");
    require(port < 0, "models are added before the server starts");
    require(!served(name), "two served models are both named '" + name + "'");
  }

  void log(const std::string& line) {
    if (options.log) options.log(line);
  }

  ModelWorker& model(const std::string& name) {
    auto it = models.find(name);
    if (it != models.end()) return *it->second;
    if (served(name)) throw wrong_kind(name, "a chat model");
    throw model_not_found(name);
  }

  bool served(const std::string& name) const {
    return models.count(name) || embedders.count(name) || transcribers.count(name) || speakers.count(name);
  }
  static ApiError wrong_kind(const std::string& name, const std::string& needed) {
    return invalid_request("model '" + name + "' is not " + needed, "model", "wrong_model_kind");
  }
  // The endpoint serving `name` in `map`, or the error a client should see.
  template <class Map>
  auto& endpoint(Map& map, const std::string& name, const std::string& needed) {
    auto it = map.find(name);
    if (it != map.end()) return *it->second;
    if (served(name)) throw wrong_kind(name, needed);
    throw model_not_found(name);
  }

  // Runs a handler, turning its ApiErrors (and anything unexpected) into error bodies.
  httplib::Server::Handler guarded(std::function<void(const httplib::Request&, httplib::Response&)> fn) {
    return [this, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
      try {
        fn(req, res);
      } catch (const ApiError& e) {
        send_json(res, e.status(), e.body());
      } catch (const std::exception& e) {
        log(std::string("internal error: ") + e.what());
        send_json(res, 500, server_error().body());
      }
    };
  }

  void routes() {
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_request_start = Clock::now();
      if (options.api_key.empty() || keys_match(bearer_token(req.get_header_value("Authorization")), options.api_key))
        return httplib::Server::HandlerResponse::Unhandled;
      send_json(res, 401, unauthorized().body());
      return httplib::Server::HandlerResponse::Handled;
    });
    // Statuses the library sets itself (unknown route 404, body too large 413, ...) get
    // OpenAI's error shape too.
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) send_json(res, res.status, status_error_body(res.status));
    });
    http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      log("internal error in a handler");
      send_json(res, 500, server_error().body());
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      std::string endpoint = endpoint_of(req.path);
      metrics.request(endpoint, res.status);
      char line[160];
      std::snprintf(line, sizeof line, "%s %s %d %.1f ms", req.method.c_str(), endpoint.c_str(), res.status,
                    ms_since(t_request_start));
      log(line);
    });

    http.Get("/v1/models", guarded([this](const httplib::Request&, httplib::Response& res) {
               Json data = Json::array();
               for (const auto& [name, worker] : models) data.push_back(model_json(name));
               for (const auto& [name, e] : embedders) data.push_back(model_json(name));
               for (const auto& [name, e] : transcribers) data.push_back(model_json(name));
               for (const auto& [name, e] : speakers) data.push_back(model_json(name));
               send_json(res, 200, Json{{"object", "list"}, {"data", data}});
             }));
    http.Get(R"(/v1/models/(.+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
               std::string name = req.matches[1];
               if (!served(name)) throw model_not_found(name);
               send_json(res, 200, model_json(name));
             }));
    http.Post("/v1/chat/completions", guarded([this](const httplib::Request& req, httplib::Response& res) {
                generate(parse_chat_request(parse_json_body(req.body, options.limits), options.limits), req, res);
              }));
    http.Post("/v1/completions", guarded([this](const httplib::Request& req, httplib::Response& res) {
                generate(parse_completion_request(parse_json_body(req.body, options.limits), options.limits), req, res);
              }));
    http.Post("/v1/embeddings", guarded([this](const httplib::Request& req, httplib::Response& res) {
                embed(parse_embedding_request(parse_json_body(req.body, options.limits)), res);
              }));
    http.Post("/v1/audio/speech", guarded([this](const httplib::Request& req, httplib::Response& res) {
                speak(parse_speech_request(parse_json_body(req.body, options.limits)), res);
              }));
    http.Post("/v1/audio/transcriptions",
              guarded([this](const httplib::Request& req, httplib::Response& res) { transcribe(req, res); }));
    http.Get("/health", guarded([this](const httplib::Request&, httplib::Response& res) {
               Json list = Json::array();
               for (const auto& [name, worker] : models)
                 list.push_back({{"id", name},
                                 {"loaded", worker->access().info().loaded},
                                 {"device", worker->access().info().device},
                                 {"context_length", worker->access().info().context_length},
                                 {"busy", worker->busy()},
                                 {"queued", worker->waiting()}});
               for (const auto& [name, e] : embedders)
                 list.push_back({{"id", name},
                                 {"kind", "embedding"},
                                 {"dimensions", e->model->dims()},
                                 {"queued", e->turns.waiting()}});
               for (const auto& [name, e] : transcribers)
                 list.push_back({{"id", name}, {"kind", "transcription"}, {"queued", e->turns.waiting()}});
               for (const auto& [name, e] : speakers)
                 list.push_back({{"id", name}, {"kind", "speech"}, {"queued", e->turns.waiting()}});
               send_json(res, 200, Json{{"status", stopping ? "stopping" : "ok"}, {"models", list}});
             }));
    http.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
               std::string gauges =
                   "# HELP vole_queue_length Requests waiting per model.\n# TYPE vole_queue_length gauge\n";
               for (const auto& [name, worker] : models)
                 gauges += "vole_queue_length{model=" + nlohmann::json(name).dump() + "} " +
                           std::to_string(worker->waiting()) + "\n";
               res.set_content(metrics.prometheus(gauges), "text/plain; version=0.0.4");
             }));
  }

  Json model_json(const std::string& name) const {
    return {{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "vole"}};
  }

  // The job a generation request becomes on its model's thread.
  ModelWorker::Work make_work(const GenerationRequest& request, ModelWorker& worker,
                              std::shared_ptr<ReplyChannel> channel) {
    auto submitted = Clock::now();
    (void)worker;
    return [this, request, channel, submitted](runtime::Engine* engine, runtime::Chat* model_chat,
                                               const std::atomic<bool>& cancel) {
      ReplyOutcome out;
      out.queue_ms = ms_since(submitted);
      if (!model_chat && !cancel.load()) {  // the app unloaded its model meanwhile
        out.error = no_model_loaded();
        channel->finish(std::move(out));
        return;
      }
      if (cancel.load()) {
        out.stats.stop = runtime::StopReason::Cancelled;
        out.error = stopped();
        metrics.generation(0, 0, 0, out.queue_ms, true);
        channel->finish(std::move(out));
        return;
      }
      runtime::Chat& chat = *model_chat;
      // Each token's log-probabilities, from the logits it was drawn from (still current
      // when the generator reports the token).
      auto log_token = [&](int32_t token) {
        std::vector<float> logits = chat.sequence().logits();
        channel->push({{}, {}, {token_logprob(logits, token, request.top_logprobs, engine->tokenizer())}});
      };
      try {
        runtime::GenerateOptions options =
            generation_options(request, engine->default_generate_options(), engine->context_length());
        options.stop_tokens = engine->stop_tokens();
        if (request.kind == GenerationRequest::Kind::Chat) {
          runtime::ChatRequest chat_request;
          chat_request.messages = request.messages;
          chat_request.template_options.tools = request.tools;
          if (!request.image_files.empty()) chat_request.images = images_for(request, *engine);
          chat_request.generation = options;
          if (request.logprobs) chat_request.on_token = log_token;
          out.stats = chat.reply(
                              chat_request,
                              [&](const runtime::ChatDelta& d) {
                                channel->push({d.content, d.reasoning, {}});
                              },
                              &cancel)
                          .stats;
        } else {
          auto ids = engine->tokenizer().encode(request.prompt);
          out.stats = runtime::generate(
              chat.sequence(), engine->tokenizer(), ids, options,
              [&](const std::string& text, int32_t token) {
                if (!text.empty()) channel->push({text, {}, {}});
                if (request.logprobs && token >= 0) log_token(token);
              },
              &cancel);
        }
      } catch (const ApiError& e) {
        out.error = e;  // the request's own fault, found before anything ran (an image)
      } catch (const vole::Error& e) {
        chat.reset();  // the sequence may hold half an evaluation
        out.error = to_api_error(e);
        if (out.error->status() >= 500)
          log(std::string("generation failed (") + error_code_name(e.code()) + "): " + e.what());
      } catch (const std::exception& e) {
        chat.reset();
        out.error = server_error();
        log(std::string("generation failed: ") + e.what());
      }
      bool cancelled = out.stats.stop == runtime::StopReason::Cancelled;
      metrics.generation(out.stats.prompt_tokens, out.stats.generated_tokens, out.stats.ttft_ms, out.queue_ms,
                         cancelled);
      // Whoever still listens (the server is stopping) learns the answer was cut short.
      if (cancelled && !out.error) out.error = stopped();
      channel->finish(std::move(out));
    };
  }

  // Engine failures as the client may see them (request problems in full, else 500).
  template <class F>
  void engine_call(const char* what, F&& fn) {
    try {
      fn();
    } catch (const vole::Error& err) {
      ApiError api = to_api_error(err);
      if (api.status() >= 500) log(std::string(what) + " failed (" + error_code_name(err.code()) + "): " + err.what());
      throw api;
    }
  }

  void embed(const EmbeddingRequest& request, httplib::Response& res) {
    EmbeddingEndpoint& e = endpoint(embedders, request.model, "an embedding model");
    int64_t dims = request.dimensions ? request.dimensions : e.model->dims();
    if (dims > e.model->dims())
      throw invalid_request("'dimensions' may be at most " + std::to_string(e.model->dims()) + " for this model",
                            "dimensions");
    e.turns.run([&] {
      if (stopping) throw stopped();
      engine_call("embedding", [&] {
        std::vector<std::vector<int32_t>> tokens;
        int64_t count = 0;
        for (const std::string& text : request.inputs) {
          tokens.push_back(e.model->tokenize(text, request.prompt));
          count += static_cast<int64_t>(tokens.back().size());
        }
        std::vector<float> vectors = e.model->embed_tokens(tokens, dims);
        send_json(res, 200, embedding_response(request, vectors, dims, count));
      });
    });
  }

  void speak(const SpeechRequest& request, httplib::Response& res) {
    SpeechEndpoint& e = endpoint(speakers, request.model, "a speech model");
    e.turns.run([&] {
      if (stopping) throw stopped();
      engine_call("speech", [&] {
        std::unique_ptr<speech::Speaker> speaker = e.model(request.voice, request.speed);
        std::vector<float> samples;
        speaker->speak(request.input, [&](std::span<const float> chunk) {
          samples.insert(samples.end(), chunk.begin(), chunk.end());
        });
        AudioBody body = speech_body(request, samples, speaker->sample_rate());
        res.status = 200;
        res.set_content(body.bytes, body.content_type.c_str());
      });
    });
  }

  void transcribe(const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data())
      throw invalid_request("send the audio as multipart/form-data with a 'file' part", "file");
    auto form = [&](const char* name) { return req.has_file(name) ? req.get_file_value(name).content : std::string(); };
    std::string model = form("model");
    if (model.empty()) throw invalid_request("'model' is required", "model");
    if (!req.has_file("file") || req.get_file_value("file").content.empty())
      throw invalid_request("'file' is required (the audio to transcribe)", "file");
    TranscriptFormat format = parse_transcript_format(form("response_format"));
    check_transcription_language(form("language"));
    TranscriptionEndpoint& e = endpoint(transcribers, model, "a speech-to-text model");
    const std::string& file = req.get_file_value("file").content;
    audio::Audio sound;
    try {
      sound = audio::decode_audio(std::span(reinterpret_cast<const uint8_t*>(file.data()), file.size()), "file");
    } catch (const vole::Error& err) {
      throw invalid_request(err.what(), "file", "invalid_audio");
    }
    e.turns.run([&] {
      if (stopping) throw stopped();
      engine_call("transcription", [&] {
        auto segments = runtime::transcribe(*e.model, sound);
        AudioBody body = transcript_body(format, segments, sound.seconds());
        res.status = 200;
        res.set_content(body.bytes, body.content_type.c_str());
      });
    });
  }

  // The request's image parts decoded and preprocessed for the model, one file at a time
  // (only the files wait in memory, never every decoded picture at once).
  std::vector<image::PreprocessedImage> images_for(const GenerationRequest& request,
                                                   const runtime::Engine& engine) const {
    if (!engine.vision().available())
      throw invalid_request("model '" + request.model + "' cannot see images (it has no vision part)", "messages",
                            "images_not_supported");
    std::vector<image::PreprocessedImage> out;
    for (size_t i = 0; i < request.image_files.size(); ++i)
      out.push_back(engine.vision().preprocess(
          decode_image_part(request.image_files[i], "image " + std::to_string(i + 1), options.limits.image_limits)));
    return out;
  }

  static ApiError stopped() {
    return ApiError(503, "server_error",
                    "the answer was stopped: the server is shutting down or the model is unloading", {},
                    "server_stopping");
  }
  static ApiError no_model_loaded() {
    return ApiError(503, "server_error", "no model is loaded right now; retry later", {}, "model_not_loaded");
  }

  // True (once) when the job waited past the queue timeout without starting; it is then
  // given up and the worker skips it.
  bool timed_out(ModelWorker::Job& job) const {
    if (Clock::now() - job.queued_at <= options.queue_timeout || !job.expire()) return false;
    job.cancel = true;  // frees its place in the queue
    return true;
  }
  ApiError queue_timeout() const { return server::queue_timeout(options.queue_timeout); }

  void generate(const GenerationRequest& request, const httplib::Request& req, httplib::Response& res) {
    ModelWorker& worker = model(request.model);
    auto channel = std::make_shared<ReplyChannel>();
    auto job = worker.submit(make_work(request, worker, channel));
    ReplyId id = new_reply_id(request.model, request.kind == GenerationRequest::Kind::Chat);
    if (!request.stream) {
      std::vector<ReplyDelta> deltas;
      std::optional<ReplyOutcome> out;
      // Nothing is written until the answer is whole, so the socket itself is watched:
      // a client that leaves cancels its generation within a step (or 250 ms).
      ClientConnection client(req.local_addr, req.local_port, req.remote_addr, req.remote_port);
      while (!(out = channel->take(deltas, std::chrono::milliseconds(250)))) {
        if (timed_out(*job)) throw queue_timeout();
        if (client.closed()) job->cancel = true;
      }
      if (out->error) throw *out->error;
      std::string content, reasoning;
      std::vector<TokenLogprob> logprobs;
      for (auto& d : deltas) {
        content += d.content, reasoning += d.reasoning;
        std::move(d.logprobs.begin(), d.logprobs.end(), std::back_inserter(logprobs));
      }
      ToolAnswer answer =
          request.tools.is_null() ? ToolAnswer{std::move(content), {}} : parse_tool_answer(content, request.tools);
      Json reply = reply_json(id, answer.content, reasoning, out->stats, answer.calls);
      if (request.logprobs)
        reply["choices"][0]["logprobs"] = id.chat ? chat_logprobs_json(logprobs) : completion_logprobs_json(logprobs);
      send_json(res, 200, reply);
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    bool include_usage = request.include_usage;
    // Only a request that offered tools has its answer read for calls.
    std::optional<ToolCallStream> calls;
    if (!request.tools.is_null()) calls.emplace(request.tools);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, channel, job, id, include_usage, calls, first = true, idle = Clock::now(), text_offset = size_t{0}](
            size_t, httplib::DataSink& sink) mutable {
          auto send = [&](const std::string& event) {
            idle = Clock::now();
            return sink.is_writable() && sink.write(event.data(), event.size());
          };
          if (first) {
            first = false;
            if (id.chat && !send(sse_event(delta_chunk(id, "", "", true, include_usage)))) return false;
          }
          for (;;) {
            std::vector<ReplyDelta> deltas;
            auto out = channel->take(deltas, std::chrono::milliseconds(100));
            for (const auto& d : deltas) {
              std::string content = calls ? calls->push(d.content) : d.content;
              if (content.empty() && d.reasoning.empty() && d.logprobs.empty()) continue;
              Json chunk = delta_chunk(id, content, d.reasoning, false, include_usage);
              if (!d.logprobs.empty())
                chunk["choices"][0]["logprobs"] =
                    id.chat ? chat_logprobs_json(d.logprobs) : completion_logprobs_json(d.logprobs, text_offset);
              for (const auto& t : d.logprobs) text_offset += t.chosen.text.size();
              if (!send(sse_event(chunk))) return false;
            }
            if (out) {
              ToolAnswer answer = calls ? calls->finish() : ToolAnswer{};
              if (!answer.content.empty() &&
                  !send(sse_event(delta_chunk(id, answer.content, "", false, include_usage))))
                return false;
              if (!answer.calls.empty() && !send(sse_event(tool_calls_chunk(id, answer.calls, include_usage))))
                return false;
              if (out->error) {
                if (!send(sse_event(out->error->body()))) return false;
              } else {
                if (!send(sse_event(finish_chunk(id, out->stats.stop, include_usage, !answer.calls.empty()))))
                  return false;
                if (include_usage && !send(sse_event(usage_chunk(id, out->stats)))) return false;
              }
              if (!send(kSseDone)) return false;
              sink.done();
              return true;
            }
            if (timed_out(*job)) {
              bool sent = send(sse_event(queue_timeout().body())) && send(kSseDone);
              if (sent) sink.done();
              return sent;
            }
            // While the model is busy elsewhere or prefilling, a comment now and then
            // finds out whether the client is still there.
            if (ms_since(idle) > 1000 && !send(": waiting\n\n")) return false;
          }
        },
        // Runs when the response ends for any reason; a client that left cancels the job.
        [job](bool) { job->cancel = true; });
  }
};

ApiServer::ApiServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

ApiServer::~ApiServer() { stop(); }

void ApiServer::add_model(const std::string& name, runtime::Engine& engine) {
  add_model(name, std::make_shared<ModelAccess>(engine));
}

void ApiServer::add_model(const std::string& name, std::shared_ptr<ModelAccess> access) {
  impl_->check_new_name(name);
  require(access != nullptr, "a served model needs a model access");
  impl_->models[name] = std::make_unique<ModelWorker>(name, std::move(access), impl_->options.max_queue);
}

void ApiServer::add_embedding_model(const std::string& name, runtime::EmbeddingModel& model) {
  impl_->check_new_name(name);
  impl_->embedders[name] = std::make_unique<EmbeddingEndpoint>(&model, impl_->options);
}

void ApiServer::add_transcription_model(const std::string& name, runtime::Engine& engine) {
  impl_->check_new_name(name);
  impl_->transcribers[name] =
      std::make_unique<TranscriptionEndpoint>(std::make_unique<runtime::SpeechToText>(engine), impl_->options);
}

void ApiServer::add_speech_model(const std::string& name, SpeakerFactory make) {
  impl_->check_new_name(name);
  require(static_cast<bool>(make), "a speech model needs a way to make its voice");
  impl_->speakers[name] = std::make_unique<SpeechEndpoint>(std::move(make), impl_->options);
}

int ApiServer::start() {
  Impl& s = *impl_;
  require(s.port < 0, "the server is already started");
  require(!s.models.empty() || !s.embedders.empty() || !s.transcribers.empty() || !s.speakers.empty(),
          "the server has no model to serve");
  require(is_loopback_host(s.options.host) || !s.options.api_key.empty(),
          "serving on '" + s.options.host + "' (beyond this computer) requires an API key (--api-key)");
  require(s.options.port >= 0 && s.options.port <= 65535, "the port must be in 0..65535");
  s.routes();
  int threads = s.options.threads > 0 ? s.options.threads : static_cast<int>(s.options.max_queue) + 8;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_read_timeout(s.options.read_timeout.count());
  s.http.set_write_timeout(s.options.write_timeout.count());
  s.http.set_keep_alive_timeout(s.options.keep_alive.count());
  s.http.set_tcp_nodelay(true);  // each token is its own small write
  std::string host = s.options.host == "localhost" ? "127.0.0.1" : s.options.host;
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(host);
    if (s.port < 0) fail(ErrorCode::Io, "cannot listen on " + s.options.host);
  } else {
    if (!s.http.bind_to_port(host, s.options.port))
      fail(ErrorCode::Io, "cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                              " (in use, or not an address of this computer)");
    s.port = s.options.port;
  }
  s.listener = std::thread([&s] {
    s.http.listen_after_bind();
    s.listen_returned = true;
  });
  // httplib's stop() does nothing until its listen loop has begun: a stop() right after
  // start() would leave the loop running and join() waiting forever.
  while (!s.http.is_running() && !s.listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return s.port;
}

void ApiServer::stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  for (auto& [name, worker] : s.models) worker->shutdown();  // cancels; every waiting reply gets its end
  if (s.listener.joinable()) {
    s.http.stop();
    s.listener.join();
  }
}

int ApiServer::port() const { return impl_->port; }

int64_t ApiServer::cancelled_generations() const { return impl_->metrics.cancelled(); }

}  // namespace vole::server
