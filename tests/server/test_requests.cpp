// The server's request reading and access rules, without a model or a socket: every
// field checked, bad input refused with OpenAI's status and the field named.
#include <gtest/gtest.h>

#include "server/access.h"
#include "server/api_error.h"
#include "server/image_parts.h"
#include "server/openai_embeddings.h"
#include "server/openai_request.h"
#include "server/openai_response.h"

using namespace vole::server;
using Json = nlohmann::ordered_json;

namespace {

RequestLimits limits;

Json chat(Json extra = Json::object()) {
  Json j = {{"model", "m"}, {"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

// The error a chat body gets (status and param), or 0 when it is accepted.
std::pair<int, std::string> chat_error(const Json& body) {
  try {
    parse_chat_request(body, limits);
    return {0, ""};
  } catch (const ApiError& e) {
    return {e.status(), e.param()};
  }
}

}  // namespace

TEST(ServerRequests, JsonBodyIsBoundedAndMustBeAnObject) {
  EXPECT_NO_THROW(parse_json_body(R"({"a": [1, {"b": 2}]})", limits));
  for (const char* bad : {"", "{", "[1]", "\"x\"", "{\"a\": 1,}", "{\"a\": nul}"}) {
    try {
      parse_json_body(bad, limits);
      ADD_FAILURE() << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400) << bad;
      EXPECT_EQ(e.body()["error"]["type"], "invalid_request_error");
    }
  }
  std::string deep = "{\"a\":" + std::string(33, '[') + std::string(33, ']') + "}";
  EXPECT_THROW(parse_json_body(deep, limits), ApiError);
  std::string ok = "{\"a\":" + std::string(30, '[') + std::string(30, ']') + "}";
  EXPECT_NO_THROW(parse_json_body(ok, limits));
  // A million brackets are refused early, not built.
  std::string bomb(1'000'000, '[');
  EXPECT_THROW(parse_json_body(bomb, limits), ApiError);
}

TEST(ServerRequests, ChatFieldsAreRead) {
  auto r = parse_chat_request(chat({{"temperature", 0.5},
                                    {"top_p", 0.9},
                                    {"max_tokens", 7},
                                    {"seed", -3},
                                    {"stop", "END"},
                                    {"presence_penalty", 1},
                                    {"frequency_penalty", -1.5},
                                    {"stream", true},
                                    {"stream_options", {{"include_usage", true}}},
                                    {"user", "ignored"},
                                    {"n", 1}}),
                              limits);
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(*r.temperature, 0.5f);
  EXPECT_EQ(*r.top_p, 0.9f);
  EXPECT_EQ(*r.max_tokens, 7);
  EXPECT_EQ(*r.seed, -3);
  EXPECT_EQ(r.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(r.stream && r.include_usage);
  // max_completion_tokens wins over the deprecated max_tokens.
  EXPECT_EQ(*parse_chat_request(chat({{"max_tokens", 9}, {"max_completion_tokens", 4}}), limits).max_tokens, 4);
  // Text parts are joined; developer is the system role.
  auto parts = parse_chat_request(
      chat({{"messages",
             {{{"role", "developer"}, {"content", "be brief"}},
              {{"role", "user"},
               {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}}}}}),
      limits);
  EXPECT_EQ(parts.messages[0]["role"], "system");
  EXPECT_EQ(parts.messages[1]["content"], "ab");
}

TEST(ServerRequests, BadChatFieldsAreRefusedNamingTheField) {
  EXPECT_EQ(chat_error(chat()), std::make_pair(0, std::string()));
  EXPECT_EQ(chat_error({{"messages", Json::array({{{"role", "user"}, {"content", "x"}}})}}).second, "model");
  EXPECT_EQ(chat_error(chat({{"model", 3}})).second, "model");
  EXPECT_EQ(chat_error(chat({{"messages", "hello"}})).second, "messages");
  EXPECT_EQ(chat_error(chat({{"messages", Json::array()}})).second, "messages");
  EXPECT_EQ(chat_error(chat({{"messages", {{{"role", "wizard"}, {"content", "x"}}}}})).second, "messages[0].role");
  EXPECT_EQ(chat_error(chat({{"messages", {{{"role", "user"}}}}})).second, "messages[0].content");
  EXPECT_EQ(chat_error(chat({{"messages", {{{"role", "user"}, {"content", 5}}}}})).second, "messages[0].content");
  EXPECT_EQ(
      chat_error(
          chat({{"messages",
                 {{{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", {{"url", "data:"}}}}}}}}}}))
          .second,
      "messages[0].content[0].image_url.url");
  EXPECT_EQ(chat_error(chat({{"messages", {{{"role", "user"}, {"content", {{{"type", "input_audio"}}}}}}}})).second,
            "messages[0].content");
  EXPECT_EQ(chat_error(chat({{"temperature", 2.5}})).second, "temperature");
  EXPECT_EQ(chat_error(chat({{"temperature", "hot"}})).second, "temperature");
  EXPECT_EQ(chat_error(chat({{"top_p", 0}})).second, "top_p");
  EXPECT_EQ(chat_error(chat({{"max_tokens", 0}})).second, "max_tokens");
  EXPECT_EQ(chat_error(chat({{"max_tokens", 1.5}})).second, "max_tokens");
  EXPECT_EQ(chat_error(chat({{"max_tokens", 18446744073709551615ull}})).second, "max_tokens");
  EXPECT_EQ(chat_error(chat({{"n", 2}})).second, "n");
  EXPECT_EQ(chat_error(chat({{"stop", {"a", "b", "c", "d", "e"}}})).second, "stop");
  EXPECT_EQ(chat_error(chat({{"stop", {""}}})).second, "stop");
  EXPECT_EQ(chat_error(chat({{"stop", 3}})).second, "stop");
  EXPECT_EQ(chat_error(chat({{"stream_options", {{"include_usage", true}}}})).second, "stream_options");
  EXPECT_EQ(chat_error(chat({{"logprobs", "yes"}})).second, "logprobs");
  EXPECT_EQ(chat_error(chat({{"top_logprobs", 3}})).second, "top_logprobs") << "needs logprobs: true";
  EXPECT_EQ(chat_error(chat({{"logprobs", true}, {"top_logprobs", 21}})).second, "top_logprobs");
  EXPECT_EQ(chat_error(chat({{"tools", {{{"type", "function"}}}}})).second, "tools[0].function");
  EXPECT_EQ(chat_error(chat({{"response_format", {{"type", "json_schema"}}}})).second, "response_format");
  EXPECT_EQ(chat_error(chat({{"presence_penalty", 3}})).second, "presence_penalty");
  EXPECT_EQ(chat_error(chat({{"stream", "yes"}})).first, 400);
  // Explicit nulls mean "not given", as OpenAI's clients send them.
  EXPECT_EQ(chat_error(chat({{"temperature", nullptr}, {"stop", nullptr}, {"logprobs", false}})).first, 0);
}

TEST(ServerRequests, LogprobFields) {
  auto r = parse_chat_request(chat({{"logprobs", true}, {"top_logprobs", 5}}), limits);
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.top_logprobs, 5);
  EXPECT_FALSE(parse_chat_request(chat(), limits).logprobs);
  auto c = parse_completion_request({{"model", "m"}, {"prompt", "x"}, {"logprobs", 2}}, limits);
  EXPECT_TRUE(c.logprobs);
  EXPECT_EQ(c.top_logprobs, 2);
  EXPECT_THROW(parse_completion_request({{"model", "m"}, {"prompt", "x"}, {"logprobs", 6}}, limits), ApiError);
}

TEST(ServerRequests, CompletionPrompt) {
  Json body = {{"model", "m"}, {"prompt", "Once"}};
  EXPECT_EQ(parse_completion_request(body, limits).prompt, "Once");
  body["prompt"] = {"Twice"};
  EXPECT_EQ(parse_completion_request(body, limits).prompt, "Twice");
  for (Json bad : {Json(nullptr), Json(""), Json({"a", "b"}), Json(42)}) {
    body["prompt"] = bad;
    EXPECT_THROW(parse_completion_request(body, limits), ApiError) << bad.dump();
  }
  body["prompt"] = "x";
  body["echo"] = true;
  EXPECT_THROW(parse_completion_request(body, limits), ApiError);
}

TEST(ServerRequests, GenerationOptionsTakeTheModelDefaultsUnlessGiven) {
  vole::runtime::GenerateOptions defaults;
  defaults.sampling.temperature = 0.6f;
  defaults.sampling.top_k = 20;
  auto o = generation_options(parse_chat_request(chat(), limits), defaults, 512);
  EXPECT_EQ(o.sampling.temperature, 0.6f);
  EXPECT_EQ(o.sampling.seed, 0u) << "no seed: a fresh one per request";
  EXPECT_EQ(o.max_tokens, 512) << "no limit: the context";
  o = generation_options(parse_chat_request(chat({{"temperature", 0}, {"seed", 0}, {"max_tokens", 9999}}), limits),
                         defaults, 512);
  EXPECT_EQ(o.sampling.temperature, 0.0f);
  EXPECT_NE(o.sampling.seed, 0u);
  EXPECT_EQ(o.max_tokens, 512);
  EXPECT_NE(sampler_seed(0), sampler_seed(1));
  EXPECT_NE(sampler_seed(-1), 0u);
  EXPECT_NE(sampler_seed(4294967295ll), 0u);
}

TEST(ServerAccess, LoopbackHosts) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) EXPECT_TRUE(is_loopback_host(h)) << h;
  for (const char* h : {"0.0.0.0", "192.168.1.2", "::", "example.com", "", "128.0.0.1"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(ServerAccess, KeysAndBearerTokens) {
  EXPECT_TRUE(keys_match("secret", "secret"));
  EXPECT_FALSE(keys_match("secreT", "secret"));
  EXPECT_FALSE(keys_match("secret1", "secret"));
  EXPECT_FALSE(keys_match("", "")) << "an empty configured key never matches";
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
}

TEST(ServerResponses, ChunksAndErrorsHaveOpenAIsShape) {
  ReplyId id = new_reply_id("m", true);
  EXPECT_EQ(id.id.rfind("chatcmpl-", 0), 0u);
  auto c = delta_chunk(id, "hi", "", true, true);
  EXPECT_EQ(c["object"], "chat.completion.chunk");
  EXPECT_EQ(c["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(c["usage"].is_null());
  vole::runtime::GenerationStats s;
  s.prompt_tokens = 5;
  s.generated_tokens = 3;
  s.stop = vole::runtime::StopReason::MaxTokens;
  EXPECT_EQ(finish_chunk(id, s.stop, false)["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(usage_chunk(id, s)["usage"]["total_tokens"], 8);
  EXPECT_TRUE(usage_chunk(id, s)["choices"].empty());
  EXPECT_EQ(sse_event(Json{{"a", "x\ny"}}), "data: {\"a\":\"x\\ny\"}\n\n");
  auto e = queue_full().body();
  EXPECT_EQ(e["error"]["code"], "queue_full");
  EXPECT_EQ(status_error_body(413)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(server_error().body()["error"]["message"], "the server failed to process the request");
}

TEST(ServerEmbeddings, RequestsAreReadAndChecked) {
  auto error_param = [](const Json& body) -> std::string {
    try {
      parse_embedding_request(body);
      return "";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400);
      return e.param();
    }
  };
  auto one = parse_embedding_request({{"model", "e"}, {"input", "hello"}});
  EXPECT_EQ(one.inputs, std::vector<std::string>{"hello"});
  EXPECT_EQ(one.dimensions, 0);
  EXPECT_FALSE(one.base64);
  auto many = parse_embedding_request(
      {{"model", "e"}, {"input", {"a", "b"}}, {"dimensions", 64}, {"encoding_format", "base64"}, {"user", "u"}});
  EXPECT_EQ(many.inputs.size(), 2u);
  EXPECT_EQ(many.dimensions, 64);
  EXPECT_TRUE(many.base64);
  EXPECT_EQ(parse_embedding_request({{"model", "e"}, {"input", "q"}, {"input_type", "query"}}).prompt,
            vole::runtime::PromptKind::Query);

  EXPECT_EQ(error_param({{"input", "x"}}), "model");
  EXPECT_EQ(error_param({{"model", "e"}}), "input");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", ""}}), "input");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", Json::array()}}), "input");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", {"a", 3}}}), "input[1]");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", {1, 2, 3}}}), "input") << "token arrays are refused";
  EXPECT_EQ(error_param({{"model", "e"}, {"input", "x"}, {"dimensions", 0}}), "dimensions");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", "x"}, {"dimensions", "big"}}), "dimensions");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", "x"}, {"encoding_format", "hex"}}), "encoding_format");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", "x"}, {"input_type", "poem"}}), "input_type");
  EXPECT_EQ(error_param({{"model", "e"}, {"input", Json(std::vector<std::string>(2049, "x"))}}), "input");
}

TEST(ServerEmbeddings, ResponsesInFloatsOrBase64) {
  // 1.0f is 00 00 80 3f in little-endian bytes; -2.5f is 00 00 20 c0.
  float values[] = {1.0f, -2.5f};
  EXPECT_EQ(floats_base64(values, 1), "AACAPw==");
  EXPECT_EQ(floats_base64(values, 2), "AACAPwAAIMA=");
  EmbeddingRequest r;
  r.model = "e";
  r.inputs = {"a", "b"};
  Json j = embedding_response(r, {1, 0, 0, 1}, 2, 7);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][1]["index"], 1);
  EXPECT_EQ(j["data"][1]["embedding"], Json({0.0, 1.0}));
  EXPECT_EQ(j["usage"]["prompt_tokens"], 7);
  r.base64 = true;
  EXPECT_EQ(embedding_response(r, {1, -2.5f, 0, 1}, 2, 7)["data"][0]["embedding"], "AACAPwAAIMA=");
}

// A 2x2 PNG (red, green / blue, white) written by Python's zlib, not by Vole.
constexpr const char* kPng2x2 =
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC";

TEST(ServerImages, DataUrlPartsAreTakenRemoteOnesRefused) {
  Json parts = {{{"type", "text"}, {"text", "What is this?"}},
                {{"type", "image_url"}, {"image_url", {{"url", std::string("data:image/png;base64,") + kPng2x2}}}}};
  auto r = parse_chat_request(chat({{"messages", {{{"role", "user"}, {"content", parts}}}}}), limits);
  ASSERT_EQ(r.image_files.size(), 1u);
  EXPECT_EQ(r.messages[0]["content"], Json::parse(R"([{"type": "text", "text": "What is this?"}, {"type": "image"}])"))
      << "the template gets the image's place among the text";
  auto picture = decode_image_part(r.image_files[0], "image 1", limits.image_limits);
  ASSERT_EQ(picture.width, 2);
  ASSERT_EQ(picture.height, 2);
  const uint8_t want[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  EXPECT_EQ(picture.pixels, std::vector<uint8_t>(std::begin(want), std::end(want)));

  auto param_for_url = [&](const std::string& url) {
    Json p = {{{"type", "image_url"}, {"image_url", {{"url", url}}}}};
    return chat_error(chat({{"messages", {{{"role", "user"}, {"content", p}}}}}));
  };
  auto remote = param_for_url("https://example.com/cat.png");
  EXPECT_EQ(remote.first, 400);
  EXPECT_EQ(remote.second, "messages[0].content[0].image_url.url");
  EXPECT_EQ(param_for_url("file:///etc/passwd").first, 400);
  EXPECT_EQ(param_for_url("data:text/plain;base64,aGk=").first, 400);
  EXPECT_EQ(param_for_url("data:image/png,rawbytes").first, 400);
  EXPECT_EQ(param_for_url("data:image/png;base64,@@@@").first, 400);
  EXPECT_EQ(param_for_url("data:image/png;base64,").first, 400);
  Json too_many = Json::array();
  for (int i = 0; i < 9; ++i)
    too_many.push_back(
        {{"type", "image_url"}, {"image_url", {{"url", std::string("data:image/png;base64,") + kPng2x2}}}});
  EXPECT_EQ(chat_error(chat({{"messages", {{{"role", "user"}, {"content", too_many}}}}})).second,
            "messages[0].content[8]");
  // Bytes that are not an image, or a picture over the limits, are the client's error.
  try {
    decode_image_part({1, 2, 3, 4, 5, 6, 7, 8}, "image 1", limits.image_limits);
    ADD_FAILURE() << "garbage decoded";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
  }
  vole::image::DecodeLimits tiny{.max_pixels = 3, .max_side = 16, .max_file_bytes = 1 << 20};
  EXPECT_THROW(decode_image_part(*decode_base64(kPng2x2), "image 1", tiny), ApiError);
}

TEST(ServerImages, Base64) {
  EXPECT_EQ(decode_base64("aGk="), std::vector<uint8_t>({'h', 'i'}));
  EXPECT_EQ(decode_base64("aGk"), std::vector<uint8_t>({'h', 'i'})) << "padding is optional";
  EXPECT_EQ(decode_base64("aGVsbG8="), std::vector<uint8_t>({'h', 'e', 'l', 'l', 'o'}));
  EXPECT_FALSE(decode_base64("a"));
  EXPECT_FALSE(decode_base64("aG=k"));
  EXPECT_FALSE(decode_base64("aG k"));
  EXPECT_FALSE(decode_base64("a$Gk"));
}
