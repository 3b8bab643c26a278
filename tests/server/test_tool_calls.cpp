// Tools through the API without a model: the request's tools and earlier calls read
// and checked, the model's <tool_call> blocks (Qwen3's JSON and Qwen3.5's tagged form)
// read back into OpenAI's tool_calls, whole and streamed in any split, and what Qwen3.5's
// own template writes for a call parsed back to the same call.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "server/api_error.h"
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/tool_calls.h"
#include "support/temp_dir.h"
#include "text/chat_template.h"

using namespace vole::server;
using Json = nlohmann::ordered_json;

namespace {

RequestLimits limits;

const Json kTools = Json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"},
                   "zip": {"type": "string"}}, "required": ["city"]}}},
  {"type": "function", "function": {"name": "search", "parameters": {"type": "object",
    "properties": {"query": {"type": "string"}, "filters": {"type": "object"}}}}}
])");

Json chat_with(Json extra) {
  Json j = {{"model", "m"}, {"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

std::pair<int, std::string> chat_error(const Json& body) {
  try {
    parse_chat_request(body, limits);
    return {0, ""};
  } catch (const ApiError& e) {
    return {e.status(), e.param()};
  }
}

Json args(const ToolCall& c) { return Json::parse(c.arguments); }

// The answer streamed in pieces of `size` bytes: what was shown along the way plus what
// finish() gives.
ToolAnswer streamed(const std::string& answer, size_t size, std::string* shown_before_finish = nullptr) {
  ToolCallStream stream(kTools);
  std::string shown;
  for (size_t i = 0; i < answer.size(); i += size) shown += stream.push(answer.substr(i, size));
  ToolAnswer end = stream.finish();
  if (shown_before_finish) *shown_before_finish = shown;
  end.content = shown + end.content;
  return end;
}

}  // namespace

TEST(ServerTools, ToolsAndToolChoiceAreRead) {
  auto r = parse_chat_request(chat_with({{"tools", kTools}}), limits);
  EXPECT_EQ(r.tools, kTools) << "passed on as written (order kept for the template's tojson)";
  EXPECT_TRUE(parse_chat_request(chat_with({{"tools", kTools}, {"tool_choice", "none"}}), limits).tools.is_null())
      << "tool_choice none: the model is not told about them";
  EXPECT_EQ(parse_chat_request(chat_with({{"tools", kTools}, {"tool_choice", "auto"}}), limits).tools, kTools);
  EXPECT_TRUE(parse_chat_request(chat_with({{"tools", Json::array()}}), limits).tools.is_null());
  EXPECT_EQ(chat_error(chat_with({{"tools", kTools}, {"parallel_tool_calls", true}})).first, 0);

  EXPECT_EQ(chat_error(chat_with({{"tools", "x"}})).second, "tools");
  EXPECT_EQ(chat_error(chat_with({{"tools", {{{"type", "function"}}}}})).second, "tools[0].function");
  EXPECT_EQ(chat_error(chat_with({{"tools", {{{"type", "retrieval"}}}}})).second, "tools[0]");
  EXPECT_EQ(chat_error(chat_with({{"tools", {{{"type", "function"}, {"function", {{"name", ""}}}}}}})).second,
            "tools[0].function.name");
  EXPECT_EQ(
      chat_error(chat_with({{"tools", {{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", "x"}}}}}}}))
          .second,
      "tools[0].function.parameters");
  EXPECT_EQ(chat_error(chat_with({{"tools", kTools}, {"tool_choice", "sometimes"}})).second, "tool_choice");
  EXPECT_EQ(chat_error(chat_with({{"tools", kTools}, {"tool_choice", "required"}})).second, "tool_choice");
  EXPECT_EQ(chat_error(chat_with({{"tools", kTools},
                                  {"tool_choice", {{"type", "function"}, {"function", {{"name", "search"}}}}}}))
                .second,
            "tool_choice");
  EXPECT_EQ(chat_error(chat_with({{"parallel_tool_calls", "yes"}})).second, "parallel_tool_calls");
  Json many = Json::array();
  for (int i = 0; i < 129; ++i) many.push_back(kTools[0]);
  EXPECT_EQ(chat_error(chat_with({{"tools", many}})).second, "tools");
}

TEST(ServerTools, EarlierCallsAndToolResultsAreAccepted) {
  Json messages = Json::parse(R"([
    {"role": "user", "content": "Weather in Oslo?"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\", \"days\": 2}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
  ])");
  auto r = parse_chat_request(chat_with({{"tools", kTools}, {"messages", messages}}), limits);
  ASSERT_EQ(r.messages.size(), 3u);
  const Json& call = r.messages[1]["tool_calls"][0];
  EXPECT_EQ(call["id"], "call_1");
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_EQ(call["function"]["arguments"], Json::parse(R"({"city": "Oslo", "days": 2})"))
      << "arguments become the object templates iterate over";
  EXPECT_EQ(r.messages[1]["content"], "");
  EXPECT_EQ(r.messages[2]["role"], "tool");
  EXPECT_EQ(r.messages[2]["tool_call_id"], "call_1");
  EXPECT_EQ(r.messages[2]["content"], "sunny");

  auto with_call = [&](Json fn) {
    Json m = messages;
    m[1]["tool_calls"][0]["function"] = fn;
    return chat_error(chat_with({{"messages", m}}));
  };
  EXPECT_EQ(with_call({{"name", "get_weather"}, {"arguments", "{not json"}}).second,
            "messages[1].tool_calls[0].function.arguments");
  EXPECT_EQ(with_call({{"name", "get_weather"}, {"arguments", "[1]"}}).second,
            "messages[1].tool_calls[0].function.arguments");
  EXPECT_EQ(with_call({{"arguments", "{}"}}).second, "messages[1].tool_calls[0].function.name");
  Json no_id = messages;
  no_id[2].erase("tool_call_id");
  EXPECT_EQ(chat_error(chat_with({{"messages", no_id}})).second, "messages[2].tool_call_id");
  Json not_list = messages;
  not_list[1]["tool_calls"] = "call it";
  EXPECT_EQ(chat_error(chat_with({{"messages", not_list}})).second, "messages[1].tool_calls");
}

TEST(ServerTools, Qwen3JsonCallsAreRead) {
  std::string answer =
      "I will check.\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 3}}\n"
      "</tool_call>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"umbrella\"}}\n</tool_call>";
  ToolAnswer a = parse_tool_answer(answer, kTools);
  EXPECT_EQ(a.content, "I will check.");
  ASSERT_EQ(a.calls.size(), 2u);
  EXPECT_EQ(a.calls[0].name, "get_weather");
  EXPECT_EQ(args(a.calls[0]), Json::parse(R"({"city": "Oslo", "days": 3})"));
  EXPECT_EQ(a.calls[1].name, "search");
  EXPECT_EQ(a.calls[0].id.rfind("call_", 0), 0u);
  EXPECT_NE(a.calls[0].id, a.calls[1].id);
  // Arguments the model wrote as a JSON string are the same object.
  auto c = parse_tool_call(R"({"name": "search", "arguments": "{\"query\": \"x\"}"})", kTools);
  ASSERT_TRUE(c);
  EXPECT_EQ(args(*c), Json::parse(R"({"query": "x"})"));
}

TEST(ServerTools, Qwen35TaggedCallsAreReadWithTheSchemasTypes) {
  std::string answer =
      "<tool_call>\n<function=get_weather>\n<parameter=city>\nNew York\n</parameter>\n<parameter=days>\n5\n"
      "</parameter>\n<parameter=zip>\n10001\n</parameter>\n</function>\n</tool_call>";
  ToolAnswer a = parse_tool_answer(answer, kTools);
  EXPECT_EQ(a.content, "");
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].name, "get_weather");
  EXPECT_EQ(args(a.calls[0]), Json::parse(R"({"city": "New York", "days": 5, "zip": "10001"})"))
      << "an integer parameter is a number; a string one stays text even when it looks like a number";
  auto c = parse_tool_call(
      "<function=search>\n<parameter=query>\nline one\nline two\n</parameter>\n<parameter=filters>\n{\"year\": 2024}\n"
      "</parameter>\n</function>",
      kTools);
  ASSERT_TRUE(c);
  EXPECT_EQ(args(*c), Json::parse(R"({"query": "line one\nline two", "filters": {"year": 2024}})"));
}

TEST(ServerTools, MalformedCallsStayContent) {
  for (std::string answer : {
           std::string("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>"),
           std::string("<tool_call>\n{\"arguments\": {}}\n</tool_call>"),
           std::string("<tool_call>\n{\"name\": \"search\", \"arguments\": [1]}\n</tool_call>"),
           std::string("<tool_call>\n{\"name\": \"search\"}\n"),  // cut off before the closing tag
           std::string("<tool_call>\n<function=search>\n<parameter=query>\nx\n</function>\n</tool_call>"),
           std::string("<tool_call>\n<function=search>\nloose text\n</function>\n</tool_call>"),
           std::string("<tool_call>\n{\"name\": \"search\"}\n</tool_call>\nAnd then I kept talking."),
           std::string("<tool_call></tool_call>"),
       }) {
    ToolAnswer a = parse_tool_answer(answer, kTools);
    EXPECT_TRUE(a.calls.empty()) << answer;
    EXPECT_EQ(a.content, answer) << "the answer as the model wrote it";
    EXPECT_EQ(streamed(answer, 3).content, answer);
    EXPECT_TRUE(streamed(answer, 3).calls.empty());
  }
  EXPECT_EQ(parse_tool_answer("no calls here", kTools).content, "no calls here");
}

TEST(ServerTools, StreamedEqualsWholeInEverySplit) {
  const std::string answers[] = {
      "Checking.\n\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"a<b\"}}\n</tool_call>",
      "<tool_call>\n<function=get_weather>\n<parameter=city>\nRome\n</parameter>\n</function>\n</tool_call>\n",
      "Plain text with a < sign and <tool and <tool_cal but no call.\n",
      "Ends on a partial tag <tool_c",
  };
  for (const std::string& answer : answers) {
    ToolAnswer whole = parse_tool_answer(answer, kTools);
    for (size_t size : {1u, 2u, 5u, 11u, 1000u}) {
      std::string shown;
      ToolAnswer s = streamed(answer, size, &shown);
      EXPECT_EQ(s.content, whole.content) << answer << " in pieces of " << size;
      ASSERT_EQ(s.calls.size(), whole.calls.size());
      for (size_t i = 0; i < s.calls.size(); ++i) {
        EXPECT_EQ(s.calls[i].name, whole.calls[i].name);
        EXPECT_EQ(s.calls[i].arguments, whole.calls[i].arguments);
      }
      if (!whole.calls.empty()) {
        EXPECT_EQ(shown.find('<'), std::string::npos) << "no part of a call is shown";
      }
    }
  }
  // Text before a call is shown as it comes, not held to the end.
  ToolCallStream stream(kTools);
  EXPECT_EQ(stream.push("Hello there"), "Hello there");
  EXPECT_EQ(stream.push(", friend.\n\n<tool_"), ", friend.");
}

TEST(ServerTools, Qwen35TemplatesOwnCallsParseBack) {
  std::ifstream in(vole::test::source_dir() / "tests/fixtures/templates/qwen3_5/chat_template.jinja");
  std::stringstream source;
  source << in.rdbuf();
  vole::text::ChatTemplate tpl(source.str());
  Json before = Json::parse(R"([{"role": "user", "content": "Weather?"}])");
  Json call_args = Json::parse(R"({"city": "Oslo", "days": 2, "filters": {"a": [1, 2]}})");
  Json with_call = before;
  with_call.push_back(
      {{"role", "assistant"},
       {"content", "Let me look."},
       {"tool_calls", {{{"type", "function"}, {"function", {{"name", "get_weather"}, {"arguments", call_args}}}}}}});
  vole::text::ChatOptions options;
  options.tools = kTools;
  options.add_generation_prompt = false;
  std::string prompt = tpl.render(before, [&] {
    auto o = options;
    o.add_generation_prompt = true;
    return o;
  }());
  std::string full = tpl.render(with_call, options);
  ASSERT_EQ(full.rfind(prompt, 0), 0u) << "the history is a prefix of the conversation with the answer";
  std::string answer = full.substr(prompt.size());
  // What the model would have written: the turn without its end marker (and, in this
  // template, the empty thinking block of the latest turn).
  answer = answer.substr(0, answer.rfind("<|im_end|>"));
  if (size_t think = answer.find("</think>\n\n"); think != std::string::npos) answer = answer.substr(think + 10);
  ToolAnswer a = parse_tool_answer(answer, kTools);
  EXPECT_EQ(a.content, "Let me look.");
  ASSERT_EQ(a.calls.size(), 1u) << answer;
  EXPECT_EQ(a.calls[0].name, "get_weather");
  EXPECT_EQ(args(a.calls[0]), call_args);
}

TEST(ServerTools, ResponsesCarryToolCalls) {
  ReplyId id = new_reply_id("m", true);
  vole::runtime::GenerationStats s;
  s.stop = vole::runtime::StopReason::EndOfTurn;
  std::vector<ToolCall> calls = {{"call_a", "search", R"({"query":"x"})"}};
  Json whole = reply_json(id, "", "", s, calls);
  const Json& message = whole["choices"][0]["message"];
  EXPECT_TRUE(message["content"].is_null());
  EXPECT_EQ(message["tool_calls"][0]["id"], "call_a");
  EXPECT_EQ(message["tool_calls"][0]["type"], "function");
  EXPECT_EQ(message["tool_calls"][0]["function"]["arguments"], R"({"query":"x"})");
  EXPECT_EQ(whole["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(reply_json(id, "hi", "", s)["choices"][0]["finish_reason"], "stop");
  Json chunk = tool_calls_chunk(id, calls, false);
  EXPECT_EQ(chunk["choices"][0]["delta"]["tool_calls"][0]["index"], 0);
  EXPECT_EQ(chunk["choices"][0]["delta"]["tool_calls"][0]["function"]["name"], "search");
  EXPECT_EQ(finish_chunk(id, s.stop, false, true)["choices"][0]["finish_reason"], "tool_calls");
}
