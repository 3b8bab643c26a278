// The remote-model client against a fake OpenAI-compatible server on loopback that
// behaves and misbehaves (drops the stream, malformed events, 401/429/500, silence),
// and the server-sent-event parser on its own.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "remote/openai_client.h"
#include "remote/sse_parser.h"

using namespace vole;
using namespace vole::remote;
using Json = nlohmann::json;

namespace {

std::vector<SseEvent> parse_in_pieces(const std::string& stream, size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < stream.size(); i += piece)
    p.feed(std::string_view(stream).substr(i, piece), [&](const SseEvent& e) { out.push_back(e); });
  return out;
}

std::string chunk(const std::string& content, const char* finish = nullptr) {
  Json c = {{"index", 0}, {"delta", {{"content", content}}}, {"finish_reason", nullptr}};
  if (finish) c["finish_reason"] = finish;
  return "data: " + Json{{"choices", {c}}}.dump() + "\n\n";
}

// A fake server: each path prefix is one behaviour.
class FakeServer {
 public:
  FakeServer() {
    auto stream = [](std::vector<std::string> events, bool end, int delay_ms = 0) {
      return [events, end, delay_ms](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("text/event-stream", [events, end, delay_ms](size_t, httplib::DataSink& sink) {
          for (const auto& e : events) {
            if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            if (!sink.write(e.data(), e.size())) return false;
          }
          if (!end) return false;  // hang up mid-answer (no terminating chunk)
          sink.done();
          return true;
        });
      };
    };
    std::string usage =
        "data: " +
        Json{{"choices", Json::array()}, {"usage", {{"prompt_tokens", 4}, {"completion_tokens", 3}}}}.dump() + "\n\n";
    http_.Post("/ok/v1/chat/completions", [this, stream, usage](const httplib::Request& req, httplib::Response& res) {
      last_body_ = req.body;
      last_auth_ = req.get_header_value("Authorization");
      // CRLF line ends, a comment and a reasoning delta: all allowed.
      std::string reasoning =
          "data: " + Json{{"choices", {{{"index", 0}, {"delta", {{"reasoning_content", "hmm"}}}}}}}.dump() + "\r\n\r\n";
      stream({": keep-alive\n\n", reasoning, chunk("Hello"), chunk(", "), chunk("world", "stop"), usage,
              "data: [DONE]\n\n"},
             true)(req, res);
    });
    http_.Get("/ok/v1/models", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"object":"list","data":[{"id":"big-model","object":"model"},{"id":"other"}]})",
                      "application/json");
    });
    http_.Post("/drop/v1/chat/completions", stream({chunk("Hello"), chunk(", ")}, false));
    http_.Post("/noend/v1/chat/completions", stream({chunk("Hello")}, true));
    http_.Post("/malformed/v1/chat/completions", stream({chunk("Hi"), "data: {not json\n\n"}, true));
    http_.Post("/midfail/v1/chat/completions",
               stream({chunk("Hi"), "data: {\"error\": {\"message\": \"out of memory\"}}\n\n"}, true));
    http_.Post("/longline/v1/chat/completions", stream({"data: " + std::string(5 << 20, 'x')}, true));
    http_.Post("/slow/v1/chat/completions", stream({chunk("late", "stop"), "data: [DONE]\n\n"}, true, 3000));
    http_.Post("/trickle/v1/chat/completions", stream(std::vector<std::string>(200, chunk("tick")), true, 50));
    for (int status : {401, 429, 500}) {
      http_.Post("/" + std::to_string(status) + "/v1/chat/completions",
                 [status](const httplib::Request&, httplib::Response& res) {
                   res.status = status;
                   res.set_content(Json{{"error", {{"message", "reason " + std::to_string(status) + "\x01"}}}}.dump(),
                                   "application/json");
                 });
    }
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
  }
  ~FakeServer() {
    http_.stop();
    thread_.join();
  }
  std::string url(const std::string& behaviour) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + behaviour + "/v1";
  }
  std::string last_body_, last_auth_;

 private:
  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
};

RemoteOptions at(const std::string& url) {
  RemoteOptions o;
  o.base_url = url;
  o.stall_timeout = std::chrono::milliseconds(1000);
  return o;
}

const Json kMessages = Json::array({{{"role", "user"}, {"content", "hi"}}});

// The error a chat against `url` ends with, and the content that streamed before it.
std::pair<std::string, std::string> failure(const std::string& url, int* status = nullptr) {
  OpenAIClient client(at(url));
  std::string streamed;
  try {
    client.chat("m", kMessages, {}, [&](const std::string& c, const std::string&) { streamed += c; });
  } catch (const RemoteError& e) {
    if (status) *status = e.http_status();
    return {e.what(), streamed};
  }
  return {"(no error)", streamed};
}

}  // namespace

TEST(SseParser, EventsAreTheSameWhateverTheLineEndsAndPieces) {
  std::string lf = ": comment\ndata: one\n\nevent: x\ndata: two\ndata:three\nid: 7\n\ndata\n\n";
  std::string crlf, cr;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (char c : lf) cr += c == '\n' ? '\r' : c;
  for (const std::string& s : {lf, crlf, cr})
    for (size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
      auto events = parse_in_pieces(s, piece);
      ASSERT_EQ(events.size(), 3u) << piece;
      EXPECT_EQ(events[0].data, "one");
      EXPECT_EQ(events[1].event, "x");
      EXPECT_EQ(events[1].data, "two\nthree");
      EXPECT_EQ(events[2].data, "");
    }
  SseParser p;
  p.feed("data: unfinished", [](const SseEvent&) { ADD_FAILURE(); });
  EXPECT_TRUE(p.pending());
  SseParser small(16);
  EXPECT_THROW(small.feed(std::string(17, 'x'), [](const SseEvent&) {}), Error);
}

TEST(RemoteClient, StreamsAnAnswerAndSendsTheRequestAsOpenAIDoes) {
  FakeServer fake;
  RemoteOptions o = at(fake.url("ok"));
  o.api_key = "k1";
  OpenAIClient client(o);
  EXPECT_EQ(client.list_models(), (std::vector<std::string>{"big-model", "other"}));
  std::vector<std::string> pieces;
  std::string reasoning;
  RemoteSampling s;
  s.temperature = 0.2;
  s.max_tokens = 9;
  s.stop = {"END"};
  auto reply = client.chat("big-model", kMessages, s, [&](const std::string& c, const std::string& r) {
    if (!c.empty()) pieces.push_back(c);
    reasoning += r;
  });
  EXPECT_EQ(pieces, (std::vector<std::string>{"Hello", ", ", "world"}));
  EXPECT_EQ(reply.content, "Hello, world");
  EXPECT_EQ(reasoning, "hmm");
  EXPECT_EQ(reply.reasoning, "hmm");
  EXPECT_EQ(reply.finish_reason, "stop");
  EXPECT_EQ(reply.prompt_tokens, 4);
  EXPECT_EQ(reply.completion_tokens, 3);
  Json sent = Json::parse(fake.last_body_);
  EXPECT_EQ(sent["model"], "big-model");
  EXPECT_EQ(sent["stream"], true);
  EXPECT_EQ(sent["messages"], kMessages);
  EXPECT_EQ(sent["max_tokens"], 9);
  EXPECT_EQ(sent["stop"], Json::array({"END"}));
  EXPECT_DOUBLE_EQ(sent["temperature"].get<double>(), 0.2);
  EXPECT_EQ(fake.last_auth_, "Bearer k1");
}

TEST(RemoteClient, MisbehavingServersGiveMessagesAndKeepWhatStreamed) {
  FakeServer fake;
  int status = -1;
  auto [drop, drop_text] = failure(fake.url("drop"), &status);
  EXPECT_NE(drop.find("dropped"), std::string::npos) << drop;
  EXPECT_EQ(drop_text, "Hello, ");
  EXPECT_EQ(status, 0);
  auto [noend, noend_text] = failure(fake.url("noend"));
  EXPECT_NE(noend.find("ended before the answer was complete"), std::string::npos) << noend;
  EXPECT_EQ(noend_text, "Hello");
  auto [bad, bad_text] = failure(fake.url("malformed"));
  EXPECT_NE(bad.find("malformed"), std::string::npos) << bad;
  EXPECT_EQ(bad_text, "Hi");
  EXPECT_NE(failure(fake.url("midfail")).first.find("out of memory"), std::string::npos);
  EXPECT_NE(failure(fake.url("longline")).first.find("longer than"), std::string::npos);
  auto slow = failure(fake.url("slow")).first;
  EXPECT_NE(slow.find("stopped answering"), std::string::npos) << slow;
  for (int code : {401, 429, 500}) {
    auto [message, text] = failure(fake.url(std::to_string(code)), &status);
    EXPECT_EQ(status, code);
    EXPECT_NE(message.find("HTTP " + std::to_string(code)), std::string::npos) << message;
    EXPECT_NE(message.find("reason " + std::to_string(code) + " "), std::string::npos)
        << "the server's words, control characters removed: " << message;
  }
  EXPECT_NE(failure(fake.url("401")).first.find("API key"), std::string::npos);
  EXPECT_NE(failure(fake.url("429")).first.find("busy"), std::string::npos);
  EXPECT_NE(failure("http://127.0.0.1:1/v1").first.find("cannot reach"), std::string::npos);
}

TEST(RemoteClient, CancelStopsAStreamPromptly) {
  FakeServer fake;
  OpenAIClient client(at(fake.url("trickle")));
  std::atomic<bool> cancel{false};
  auto t0 = std::chrono::steady_clock::now();
  try {
    client.chat(
        "m", kMessages, {}, [&](const std::string&, const std::string&) { cancel = true; }, &cancel);
    ADD_FAILURE() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << "the stream lasts 10 s";
}

TEST(RemoteClient, KeysTravelOnlyOverHttpsOrToThisComputer) {
  RemoteOptions o;
  o.api_key = "k";
  o.base_url = "http://example.com/v1";
  EXPECT_THROW(OpenAIClient{o}, Error);
  o.base_url = "https://example.com/v1/";
  EXPECT_NO_THROW(OpenAIClient{o});
  o.base_url = "http://localhost:8080/v1";
  EXPECT_NO_THROW(OpenAIClient{o});
  o.base_url = "ftp://example.com/v1";
  EXPECT_THROW(OpenAIClient{o}, Error);
  o.api_key.clear();
  o.base_url = "http://example.com/v1";
  EXPECT_NO_THROW(OpenAIClient{o}) << "no key, nothing to protect";
}
