// The API server in-process on a tiny generated Qwen3 (real tokenizer and chat template)
// on the Vulkan device, talked to over loopback HTTP: answers equal the engine's own,
// streamed equals whole, the error statuses, the key, the queue limit and a client that
// leaves mid-stream.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "image/decode.h"
#include "remote/openai_client.h"
#include "runtime/chat.h"
#include "runtime/embedding_model.h"
#include "server/api_server.h"
#include "server/image_parts.h"
#include "server/openai_embeddings.h"
#include "support/model_fixture.h"

using namespace vole;
using namespace vole::test;
using Json = nlohmann::json;

namespace {

struct Reply {
  int status = 0;
  std::string body;
  Json json() const { return Json::parse(body); }
};

Reply post(int port, const std::string& path, const std::string& body, const std::string& key = "") {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(300);
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
  auto r = cli.Post(path.c_str(), headers, body, "application/json");
  if (!r) return {-1, httplib::to_string(r.error())};
  return {r->status, r->body};
}

Reply get(int port, const std::string& path, const std::string& key = "") {
  httplib::Client cli("127.0.0.1", port);
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
  auto r = cli.Get(path.c_str(), headers);
  if (!r) return {-1, httplib::to_string(r.error())};
  return {r->status, r->body};
}

// The events of a server-sent-event body, in order ("[DONE]" included as text).
std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "every event ends with a blank line";
    if (end == std::string::npos) break;
    std::string event = body.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0)
      out.push_back(event.substr(6));
    else
      EXPECT_EQ(event[0], ':') << "only data events and comments: " << event;
    pos = end + 2;
  }
  return out;
}

Json chat_body(int max_tokens, bool stream = false) {
  return {{"model", "tiny"},          {"messages", {{{"role", "user"}, {"content", "Tell me a story."}}}},
          {"temperature", 0},         {"seed", 7},
          {"max_tokens", max_tokens}, {"stream", stream}};
}

class ApiServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("vole-server");
    model_ = new TinyModel(make_tiny_model(*dir_, "tiny-qwen3", CheckpointFormat::F32, 0));
    engine_ = new runtime::Engine(model_->dir, engine_options(model::Format::F32, 2048));
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete model_;
    delete dir_;
  }
  // A server for one test (the engine is shared; one server uses it at a time).
  std::unique_ptr<server::ApiServer> serve(server::ServerOptions options = {}) {
    options.port = 0;
    auto s = std::make_unique<server::ApiServer>(options);
    s->add_model("tiny", *engine_);
    port_ = s->start();
    return s;
  }

  static TempDir* dir_;
  static TinyModel* model_;
  static runtime::Engine* engine_;
  int port_ = 0;
};
TempDir* ApiServerTest::dir_ = nullptr;
TinyModel* ApiServerTest::model_ = nullptr;
runtime::Engine* ApiServerTest::engine_ = nullptr;

// A stop() at once after start() ends the server (httplib ignores a stop that comes before
// its listen loop has begun; start() waits for the loop). Before the fix this hung in
// some of these rounds.
TEST_F(ApiServerTest, StopRightAfterStartEnds) {
  for (int round = 0; round < 50; ++round) {
    auto s = serve();
    EXPECT_GT(port_, 0);
    s->stop();
  }
}

TEST_F(ApiServerTest, ChatAnswersAsTheEngineDoesAndStreamsTheSameText) {
  // What the engine itself answers (a second engine on the same folder: the server's
  // is used by its worker thread).
  runtime::Engine direct(model_->dir, engine_options(model::Format::F32, 2048));
  runtime::Chat chat(direct);
  runtime::ChatRequest req;
  req.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "Tell me a story."}}});
  req.generation = direct.default_generate_options();
  req.generation.sampling = runtime::SamplingOptions::greedy();
  req.generation.max_tokens = 24;
  auto want = chat.reply(req, nullptr);
  ASSERT_FALSE(want.content.empty());

  auto server = serve();
  auto whole = post(port_, "/v1/chat/completions", chat_body(24).dump());
  ASSERT_EQ(whole.status, 200) << whole.body;
  Json w = whole.json();
  EXPECT_EQ(w["object"], "chat.completion");
  EXPECT_EQ(w["model"], "tiny");
  EXPECT_EQ(w["choices"][0]["message"]["content"], want.content);
  EXPECT_EQ(w["usage"]["prompt_tokens"], want.stats.prompt_tokens);
  EXPECT_EQ(w["usage"]["completion_tokens"], want.stats.generated_tokens);
  EXPECT_EQ(w["choices"][0]["finish_reason"], want.stats.stop == runtime::StopReason::MaxTokens ? "length" : "stop");

  Json body = chat_body(24, true);
  body["stream_options"] = {{"include_usage", true}};
  auto streamed = post(port_, "/v1/chat/completions", body.dump());
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  auto events = sse_data(streamed.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  Json finish, usage;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    Json e = Json::parse(events[i]);
    EXPECT_EQ(e["id"], Json::parse(events[0])["id"]) << "one id for the whole stream";
    if (!e["usage"].is_null()) usage = e["usage"];
    if (e["choices"].empty()) continue;
    text += e["choices"][0]["delta"].value("content", "");
    if (!e["choices"][0]["finish_reason"].is_null()) finish = e["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(Json::parse(events[0])["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(text, want.content);
  EXPECT_EQ(finish, w["choices"][0]["finish_reason"]);
  EXPECT_EQ(usage, w["usage"]);
}

// Tools, an earlier call and its result reach the model through its chat template: the
// server answers as the engine does for the conversation rendered with the tools (a
// random model writes no <tool_call>, so the answer stays text, streamed or whole).
TEST_F(ApiServerTest, ToolConversationsAreRenderedByTheTemplate) {
  Json tools = Json::parse(R"([{"type": "function", "function": {"name": "get_weather",
    "description": "Weather for a city.", "parameters": {"type": "object",
    "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])");
  Json messages = Json::parse(R"([
    {"role": "user", "content": "Weather in Oslo?"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
      "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"}])");

  runtime::Engine direct(model_->dir, engine_options(model::Format::F32, 2048));
  runtime::Chat chat(direct);
  runtime::ChatRequest req;
  req.messages = nlohmann::ordered_json::parse(R"([
    {"role": "user", "content": "Weather in Oslo?"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
      "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]},
    {"role": "tool", "content": "sunny, 21 C", "tool_call_id": "call_1"}])");
  req.template_options.tools = nlohmann::ordered_json::parse(tools.dump());
  std::string rendered = chat.render(req);
  ASSERT_NE(rendered.find("get_weather"), std::string::npos);
  ASSERT_NE(rendered.find("<tool_response>\nsunny, 21 C\n</tool_response>"), std::string::npos) << rendered;
  req.generation = direct.default_generate_options();
  req.generation.sampling = runtime::SamplingOptions::greedy();
  req.generation.max_tokens = 8;
  auto want = chat.reply(req, nullptr);

  auto server = serve();
  Json body = chat_body(8);
  body["messages"] = messages;
  body["tools"] = tools;
  auto whole = post(port_, "/v1/chat/completions", body.dump());
  ASSERT_EQ(whole.status, 200) << whole.body;
  Json w = whole.json();
  EXPECT_EQ(w["usage"]["prompt_tokens"], want.stats.prompt_tokens) << "the tools are in the prompt";
  EXPECT_EQ(w["choices"][0]["message"]["content"], want.content);
  EXPECT_FALSE(w["choices"][0]["message"].contains("tool_calls"));

  body["stream"] = true;
  auto streamed = post(port_, "/v1/chat/completions", body.dump());
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  std::string text;
  for (const auto& e : sse_data(streamed.body))
    if (e != "[DONE]" && !Json::parse(e)["choices"].empty())
      text += Json::parse(e)["choices"][0]["delta"].value("content", "");
  EXPECT_EQ(text, want.content);

  // tool_choice "none": the model is not told about the tools.
  body["stream"] = false;
  body["tool_choice"] = "none";
  auto none = post(port_, "/v1/chat/completions", body.dump());
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_LT(none.json()["usage"]["prompt_tokens"], want.stats.prompt_tokens);
  // An earlier call whose arguments are not JSON is the client's error, named.
  body["messages"][1]["tool_calls"][0]["function"]["arguments"] = "{city: Oslo";
  auto bad = post(port_, "/v1/chat/completions", body.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["param"], "messages[1].tool_calls[0].function.arguments");
}

TEST_F(ApiServerTest, CompletionsRunTheRawPrompt) {
  runtime::Engine direct(model_->dir, engine_options(model::Format::F32, 2048));
  auto seq = direct.new_sequence();
  runtime::GenerateOptions o = direct.default_generate_options();
  o.sampling = runtime::SamplingOptions::greedy();
  o.max_tokens = 10;
  o.stop_tokens = direct.stop_tokens();
  std::string want;
  auto stats = runtime::generate(*seq, direct.tokenizer(), direct.tokenizer().encode("Once upon a time"), o,
                                 [&](const std::string& t, int32_t) { want += t; });

  auto server = serve();
  Json body = {{"model", "tiny"}, {"prompt", "Once upon a time"}, {"max_tokens", 10}, {"temperature", 0}};
  auto r = post(port_, "/v1/completions", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["object"], "text_completion");
  EXPECT_EQ(r.json()["choices"][0]["text"], want);
  EXPECT_EQ(r.json()["usage"]["prompt_tokens"], stats.prompt_tokens);
}

// logprobs: each token's log-probability is the log-softmax of the logits it was drawn
// from (checked against the engine's own logits for the first token), a greedy answer's
// tokens are each step's most likely, and streamed chat chunks carry the same values.
TEST_F(ApiServerTest, LogprobsAreTheModelsDistribution) {
  runtime::Engine direct(model_->dir, engine_options(model::Format::F32, 2048));
  auto seq = direct.new_sequence();
  seq->sync(direct.tokenizer().encode("Once upon a time"));
  std::vector<float> logits = seq->logits();
  float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float x : logits) sum += std::exp(double(x) - max);
  auto first = std::max_element(logits.begin(), logits.end()) - logits.begin();
  double want_first = logits[first] - max - std::log(sum);

  auto server = serve();
  Json body = {
      {"model", "tiny"}, {"prompt", "Once upon a time"}, {"max_tokens", 6}, {"temperature", 0}, {"logprobs", 3}};
  auto r = post(port_, "/v1/completions", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json lp = r.json()["choices"][0]["logprobs"];
  ASSERT_EQ(lp["tokens"].size(), r.json()["usage"]["completion_tokens"].get<size_t>());
  EXPECT_EQ(lp["tokens"][0], direct.tokenizer().decode(std::vector<int32_t>{static_cast<int32_t>(first)}));
  EXPECT_NEAR(lp["token_logprobs"][0].get<double>(), want_first, 1e-4);
  std::string joined;
  for (size_t i = 0; i < lp["tokens"].size(); ++i) {
    joined += lp["tokens"][i].get<std::string>();
    ASSERT_EQ(lp["top_logprobs"][i].size(), 3u);
    double best = -1e30;
    for (auto& [text, v] : lp["top_logprobs"][i].items()) best = std::max(best, v.get<double>());
    EXPECT_NEAR(lp["token_logprobs"][i].get<double>(), best, 1e-6) << "greedy takes the most likely token";
    EXPECT_LE(lp["token_logprobs"][i].get<double>(), 0);
  }
  EXPECT_EQ(joined, r.json()["choices"][0]["text"]);

  Json chat = chat_body(5);
  chat["logprobs"] = true;
  chat["top_logprobs"] = 2;
  auto whole = post(port_, "/v1/chat/completions", chat.dump());
  ASSERT_EQ(whole.status, 200) << whole.body;
  Json content = whole.json()["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), whole.json()["usage"]["completion_tokens"].get<size_t>());
  EXPECT_EQ(content[0]["top_logprobs"].size(), 2u);
  chat["stream"] = true;
  auto streamed = post(port_, "/v1/chat/completions", chat.dump());
  Json streamed_content = Json::array();
  for (const auto& e : sse_data(streamed.body)) {
    if (e == "[DONE]") continue;
    Json j = Json::parse(e);
    if (!j["choices"].empty() && !j["choices"][0]["logprobs"].is_null())
      for (const auto& t : j["choices"][0]["logprobs"]["content"]) streamed_content.push_back(t);
  }
  // The same tokens and values (to float rounding: the streamed request reuses the
  // prefix the first one left in the sequence, evaluated in other chunks).
  ASSERT_EQ(streamed_content.size(), content.size());
  for (size_t i = 0; i < content.size(); ++i) {
    EXPECT_EQ(streamed_content[i]["token"], content[i]["token"]) << i;
    EXPECT_NEAR(streamed_content[i]["logprob"].get<double>(), content[i]["logprob"].get<double>(), 1e-3) << i;
  }
}

TEST_F(ApiServerTest, ErrorsHaveTheirStatusAndOpenAIsShape) {
  server::ServerOptions options;
  options.max_body_bytes = 4096;
  auto server = serve(options);
  auto expect = [&](const Reply& r, int status, const char* what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    Json j = Json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << what << ": " << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string()) << what;
    EXPECT_TRUE(j["error"]["type"].is_string()) << what;
  };
  expect(post(port_, "/v1/chat/completions", "{\"model\":"), 400, "malformed JSON");
  expect(post(port_, "/v1/chat/completions", "{\"model\": \"tiny\"}"), 400, "no messages");
  expect(post(port_, "/v1/chat/completions", std::string(64, '[')), 400, "nesting");
  Json unknown = chat_body(4);
  unknown["model"] = "../../etc/passwd";
  expect(post(port_, "/v1/chat/completions", unknown.dump()), 404, "unknown model");
  expect(get(port_, "/v1/models/nope"), 404, "unknown model by id");
  expect(get(port_, "/v1/secrets"), 404, "unknown route");
  expect(post(port_, "/v1/chat/completions", std::string(8192, ' ')), 413, "body over the limit");
  // A prompt longer than the context is the client's problem, and says so.
  Json huge = chat_body(4);
  std::string words;
  for (int i = 0; i < 2500; ++i) words += "word ";
  huge["messages"][0]["content"] = words;
  server::ServerOptions big;
  big.max_body_bytes = 1 << 20;
  server.reset();
  server = serve(big);
  auto r = post(port_, "/v1/chat/completions", huge.dump());
  expect(r, 400, "context exceeded");
  EXPECT_EQ(r.json()["error"]["code"], "context_length_exceeded");
  // The server still answers.
  EXPECT_EQ(post(port_, "/v1/chat/completions", chat_body(2).dump()).status, 200);
  Json models = get(port_, "/v1/models").json();
  EXPECT_EQ(models["data"][0]["id"], "tiny");
  Json health = get(port_, "/health").json();
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["models"][0]["device"], engine_->gpu().info().name);
  EXPECT_EQ(health["models"][0]["context_length"], 2048);
  EXPECT_NE(get(port_, "/metrics").body.find("vole_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"}"),
            std::string::npos);
}

TEST_F(ApiServerTest, KeyIsRequiredWhenSetAndBeyondLoopback) {
  {
    server::ServerOptions open;
    open.host = "0.0.0.0";
    server::ApiServer refused(open);
    refused.add_model("tiny", *engine_);
    EXPECT_THROW(refused.start(), vole::Error) << "no key, not loopback";
  }

  server::ServerOptions keyed;
  keyed.api_key = "s3cret";
  auto server = serve(keyed);
  EXPECT_EQ(get(port_, "/v1/models").status, 401);
  EXPECT_EQ(get(port_, "/v1/models", "s3cre").status, 401);
  EXPECT_EQ(get(port_, "/v1/models", "s3cret!").status, 401);
  EXPECT_EQ(post(port_, "/v1/chat/completions", chat_body(2).dump(), "wrong").status, 401);
  EXPECT_EQ(get(port_, "/metrics").status, 401);
  auto ok = get(port_, "/v1/models", "s3cret");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(get(port_, "/v1/models").json()["error"]["code"], "invalid_api_key");
}

// A long streamed answer read on a thread of its own until leave() hangs up.
class BackgroundStream {
 public:
  explicit BackgroundStream(int port) {
    thread_ = std::thread([this, port] {
      httplib::Client cli("127.0.0.1", port);
      httplib::Request req;
      req.method = "POST";
      req.path = "/v1/chat/completions";
      req.set_header("Content-Type", "application/json");
      req.body = chat_body(1500, true).dump();
      req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (std::string(data, n).find("\"content\"") != std::string::npos) ++deltas_;
        return !leave_.load();  // false: the client hangs up
      };
      cli.send(req);
    });
  }
  ~BackgroundStream() { leave(); }
  // Waits until a few deltas arrived: the stream holds the model.
  bool running() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (deltas_ < 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return deltas_ >= 3;
  }
  void leave() {
    leave_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<int> deltas_{0};
  std::atomic<bool> leave_{false};
  std::thread thread_;
};

bool wait_until_idle(int port) {
  for (int i = 0; i < 2000; ++i) {
    Json health = get(port, "/health").json();
    if (health["models"][0]["busy"] == false && health["models"][0]["queued"] == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(ApiServerTest, FullQueueIsRefusedAndALeavingClientCancels) {
  server::ServerOptions options;
  options.max_queue = 0;  // only the running request
  auto server = serve(options);
  BackgroundStream stream(port_);
  ASSERT_TRUE(stream.running());

  auto refused = post(port_, "/v1/chat/completions", chat_body(2).dump());
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "queue_full");

  stream.leave();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server->cancelled_generations() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server->cancelled_generations(), 1);
  // The model is free again, and answers as before.
  EXPECT_TRUE(wait_until_idle(port_));
  auto after = post(port_, "/v1/chat/completions", chat_body(3).dump());
  EXPECT_EQ(after.status, 200) << after.body;
}

// A non-streaming client that gives up (here: its read timeout) cancels its generation
// too, though nothing was written to it yet.
TEST_F(ApiServerTest, ANonStreamingClientThatLeavesCancels) {
  auto server = serve();
  {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(1);
    auto r = cli.Post("/v1/chat/completions", chat_body(1500).dump(), "application/json");
    EXPECT_FALSE(r) << "the client gave up before the answer";
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (server->cancelled_generations() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server->cancelled_generations(), 1);
  EXPECT_TRUE(wait_until_idle(port_));
  EXPECT_EQ(post(port_, "/v1/chat/completions", chat_body(2).dump()).status, 200);
}

TEST_F(ApiServerTest, ARequestWaitingPastTheQueueTimeoutGets503) {
  server::ServerOptions options;
  options.max_queue = 1;
  options.queue_timeout = std::chrono::seconds(1);
  auto server = serve(options);
  BackgroundStream stream(port_);
  ASSERT_TRUE(stream.running());
  auto t0 = std::chrono::steady_clock::now();
  auto waited = post(port_, "/v1/chat/completions", chat_body(2).dump());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(waited.status, 503) << waited.body;
  EXPECT_EQ(waited.json()["error"]["code"], "queue_timeout");
  // Streamed, the timeout arrives as an error event and the stream ends.
  auto streamed = post(port_, "/v1/chat/completions", chat_body(2, true).dump());
  EXPECT_EQ(streamed.status, 200);
  auto events = sse_data(streamed.body);
  ASSERT_EQ(events.size(), 3u) << streamed.body;
  EXPECT_EQ(Json::parse(events[0])["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(Json::parse(events[1])["error"]["code"], "queue_timeout");
  EXPECT_EQ(events[2], "[DONE]");
  stream.leave();
  EXPECT_TRUE(wait_until_idle(port_));
  EXPECT_EQ(post(port_, "/v1/chat/completions", chat_body(2).dump()).status, 200);
}

TEST_F(ApiServerTest, StopEndsEveryStreamAndRefusesNewWork) {
  auto server = serve();
  std::atomic<bool> got{false};
  std::string body;
  std::thread streaming([&] {
    httplib::Client cli("127.0.0.1", port_);
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.set_header("Content-Type", "application/json");
    req.body = chat_body(1500, true).dump();
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      body.append(data, n);
      got = true;
      return true;
    };
    cli.send(req);
  });
  while (!got) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  streaming.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_NE(body.find("server_stopping"), std::string::npos) << "the client is told why the answer ended";
  EXPECT_NE(body.find("data: [DONE]"), std::string::npos) << "the stream was ended properly";
  EXPECT_EQ(post(port_, "/v1/chat/completions", chat_body(2).dump()).status, -1) << "nobody listens any more";
}

TEST_F(ApiServerTest, RemoteClientTalksToVoleServe) {
  server::ServerOptions options;
  options.api_key = "k";
  auto server = serve(options);
  auto whole = post(port_, "/v1/chat/completions", chat_body(24).dump(), "k");
  ASSERT_EQ(whole.status, 200) << whole.body;

  remote::RemoteOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/v1";
  o.api_key = "k";
  remote::OpenAIClient client(o);
  EXPECT_EQ(client.list_models(), std::vector<std::string>{"tiny"});
  remote::RemoteSampling s;
  s.temperature = 0;
  s.seed = 7;
  s.max_tokens = 24;
  std::string streamed;
  auto reply = client.chat("tiny", chat_body(1)["messages"], s,
                           [&](const std::string& c, const std::string&) { streamed += c; });
  EXPECT_EQ(reply.content, whole.json()["choices"][0]["message"]["content"]);
  EXPECT_EQ(streamed, reply.content);
  EXPECT_EQ(reply.finish_reason, whole.json()["choices"][0]["finish_reason"]);
  EXPECT_EQ(reply.completion_tokens, whole.json()["usage"]["completion_tokens"].get<int64_t>());

  o.api_key = "wrong";
  remote::OpenAIClient wrong(o);
  try {
    wrong.list_models();
    ADD_FAILURE() << "a wrong key was accepted";
  } catch (const remote::RemoteError& e) {
    EXPECT_EQ(e.http_status(), 401);
  }
}

// An embedding model served next to the chat model: /v1/embeddings gives the model's own
// vectors (whole width, Matryoshka-cut, base64), both models are listed, and each
// endpoint refuses the other kind of model.
TEST_F(ApiServerTest, EmbeddingsAreTheModelsOwnVectors) {
  TinyModel m = make_tiny_model(*dir_, "tiny-qwen3-embedding", CheckpointFormat::F32, 512);
  runtime::EmbeddingModel embedder(engine_->shared_device(), m.dir,
                                   {.weights = model::Format::F32, .cache = model::CachePolicy::Off});
  std::vector<std::string> texts{"The quick brown fox.", "A second sentence."};
  std::vector<float> want = embedder.embed(texts, runtime::PromptKind::None);
  std::vector<float> want_cut = embedder.embed(texts, runtime::PromptKind::None, 16);
  const int64_t dims = embedder.dims();

  server::ServerOptions options;
  options.port = 0;
  server::ApiServer server(options);
  server.add_model("tiny", *engine_);
  server.add_embedding_model("tiny-embed", embedder);
  port_ = server.start();

  Json body = {{"model", "tiny-embed"}, {"input", texts}};
  auto r = post(port_, "/v1/embeddings", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  ASSERT_EQ(j["data"].size(), 2u);
  for (size_t row = 0; row < 2; ++row) {
    const Json& v = j["data"][row]["embedding"];
    ASSERT_EQ(v.size(), static_cast<size_t>(dims));
    for (int64_t c = 0; c < dims; ++c) ASSERT_NEAR(v[c].get<float>(), want[row * dims + c], 1e-6) << row << "," << c;
  }
  int64_t tokens = 0;
  for (const auto& t : texts) tokens += static_cast<int64_t>(embedder.tokenize(t, runtime::PromptKind::None).size());
  EXPECT_EQ(j["usage"]["prompt_tokens"], tokens);

  body["dimensions"] = 16;
  r = post(port_, "/v1/embeddings", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  for (int64_t c = 0; c < 16; ++c)
    EXPECT_NEAR(r.json()["data"][1]["embedding"][c].get<float>(), want_cut[16 + c], 1e-6);
  body["encoding_format"] = "base64";
  r = post(port_, "/v1/embeddings", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["data"][0]["embedding"], server::floats_base64(want_cut.data(), 16));

  auto models = get(port_, "/v1/models").json();
  ASSERT_EQ(models["data"].size(), 2u);
  body["dimensions"] = dims + 1;
  EXPECT_EQ(post(port_, "/v1/embeddings", body.dump()).json()["error"]["param"], "dimensions");
  body.erase("dimensions");
  body["model"] = "tiny";
  EXPECT_EQ(post(port_, "/v1/embeddings", body.dump()).status, 400) << "a chat model does not embed";
  body["model"] = "nope";
  EXPECT_EQ(post(port_, "/v1/embeddings", body.dump()).status, 404);
  Json chat = chat_body(4);
  chat["model"] = "tiny-embed";
  EXPECT_EQ(post(port_, "/v1/chat/completions", chat.dump()).status, 400) << "an embedding model does not chat";
}

// An image part reaches a model with a vision part as the engine's own image prompt
// would; a model without one refuses images with a 400.
TEST_F(ApiServerTest, ImagePartsReachTheVisionTower) {
  // A 2x2 PNG (red, green / blue, white) written by Python's zlib.
  const std::string png64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC";
  Json body = chat_body(6);
  body["messages"][0]["content"] = {{{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64," + png64}}}},
                                    {{"type", "text"}, {"text", "What is this?"}}};
  {
    auto server = serve();
    auto r = post(port_, "/v1/chat/completions", body.dump());
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "images_not_supported");
  }

  TinyModel vision = make_tiny_model(
      *dir_, "tiny-qwen3_5", CheckpointFormat::F32, 0, 7, true,
      [](CheckpointSpec& s) {
        s.preprocessor_config = true;
        s.chat_template = source_dir() / "tests/fixtures/templates/qwen3_5_0_8b/chat_template.jinja";
      },
      "-vision");
  runtime::Engine direct(vision.dir, engine_options(model::Format::F32, 2048));
  runtime::Chat chat(direct);
  runtime::ChatRequest req;
  auto bytes = *server::decode_base64(png64);
  req.images.push_back(direct.vision().preprocess(image::decode_image(bytes, "png").image));
  req.messages = nlohmann::ordered_json::parse(
      R"([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]}])");
  // The model's own sampling defaults (its generation_config's penalties) with the
  // request's temperature 0 and seed, as the server applies them.
  req.generation = server::generation_options(
      server::parse_chat_request(nlohmann::ordered_json::parse(body.dump()), server::RequestLimits{}),
      direct.default_generate_options(), direct.context_length());
  auto want = chat.reply(req, nullptr);

  runtime::Engine served(vision.dir, engine_options(model::Format::F32, 2048));
  server::ServerOptions options;
  options.port = 0;
  server::ApiServer server(options);
  server.add_model("tiny", served);
  port_ = server.start();
  auto r = post(port_, "/v1/chat/completions", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["usage"]["prompt_tokens"], want.stats.prompt_tokens) << "the image's tokens are in the prompt";
  EXPECT_EQ(r.json()["choices"][0]["message"]["content"], want.content);
}

}  // namespace
