// ChatTemplate against transformers' apply_chat_template (jinja2, same template choice
// and variables): the real Qwen3 template (npm tokenizer package) and the Qwen3.5
// templates in tests/fixtures/templates, over every conversation in
// tests/fixtures/chat, with and without the generation prompt and with thinking
// unset/on/off. Every render must be byte-identical, every template error the same.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/oracles.h"
#include "support/temp_dir.h"
#include "text/chat_template.h"
#include "text/jinja_oracle.h"
#include "util/file.h"

namespace {

namespace fs = std::filesystem;
using vole::test::OracleResult;
using vole::test::VoleResult;
using vole::text::ChatOptions;
using vole::text::ChatTemplate;
using json = nlohmann::ordered_json;

fs::path fixtures() { return vole::test::source_dir() / "tests" / "fixtures"; }

json read_json(const fs::path& p) { return json::parse(vole::read_text_file(p)); }

std::vector<fs::path> conversation_files() {
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(fixtures() / "chat"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

struct Render {
  std::string label;
  json messages, tools, extra;
  bool add_generation_prompt;
  std::optional<bool> enable_thinking;
};

std::vector<Render> all_renders() {
  std::vector<Render> out;
  for (auto& file : conversation_files()) {
    json conv = read_json(file);
    for (bool gen : {true, false}) {
      for (std::optional<bool> think : {std::optional<bool>{}, std::optional<bool>{true}, std::optional<bool>{false}}) {
        Render r;
        r.label = file.filename().string() + (gen ? " +gen" : " -gen") +
                  (think ? (*think ? " thinking=on" : " thinking=off") : " thinking=unset");
        r.messages = conv["messages"];
        r.tools = conv.contains("tools") ? conv["tools"] : json();
        r.extra = conv.contains("extra") ? conv["extra"] : json::object();
        r.add_generation_prompt = gen;
        r.enable_thinking = think;
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

VoleResult render_with_vole(const ChatTemplate& tpl, const Render& r) {
  VoleResult v;
  ChatOptions opts;
  opts.add_generation_prompt = r.add_generation_prompt;
  opts.enable_thinking = r.enable_thinking;
  opts.tools = r.tools;
  opts.extra = r.extra;
  try {
    v.text = tpl.render(r.messages, opts);
    v.ok = true;
  } catch (const vole::text::jinja::RaisedByTemplate& e) {
    v.error = e.what();
    v.raised_by_template = true;
  } catch (const vole::Error& e) {
    v.error = e.what();
  }
  return v;
}

json oracle_request(const fs::path& model_dir, const Render& r) {
  json chat = {{"model_dir", model_dir.string()}, {"messages", r.messages}, {"tools", r.tools},
               {"add_generation_prompt", r.add_generation_prompt}, {"extra", r.extra}};
  if (r.enable_thinking) chat["enable_thinking"] = *r.enable_thinking;
  return json{{"chat", chat}};
}

struct Tally {
  int rendered = 0, raised = 0;
};

// Renders every conversation × option with Vole and jinja2 and compares.
std::optional<Tally> check_model_dir(const fs::path& dir) {
  ChatTemplate tpl = ChatTemplate::from_model_dir(dir);
  auto renders = all_renders();
  std::vector<json> requests;
  for (auto& r : renders) requests.push_back(oracle_request(dir, r));
  auto oracle = vole::test::run_jinja_oracle(requests);
  if (!oracle) return std::nullopt;
  Tally t;
  for (size_t i = 0; i < renders.size() && i < oracle->size(); ++i) {
    VoleResult v = render_with_vole(tpl, renders[i]);
    vole::test::expect_same(dir.filename().string() + " / " + renders[i].label, v, (*oracle)[i]);
    t.rendered += v.ok;
    t.raised += v.raised_by_template;
  }
  return t;
}

#define CHECK_OR_SKIP(tally_var, dir)                                                        \
  auto tally_var = check_model_dir(dir);                                                      \
  if (!tally_var) GTEST_SKIP() << "jinja2 oracle (python3-jinja2) unavailable"

TEST(ChatTemplateParity, Qwen3RealTemplate) {
  fs::path dir = vole::test::qwen3_tokenizer_dir();
  if (!vole::test::oracle_available(dir / "tokenizer_config.json")) GTEST_SKIP() << "Qwen3 tokenizer package not fetched";
  CHECK_OR_SKIP(t, dir);
  EXPECT_GT(t->rendered, 60);  // most conversations render; list contents make Qwen3's template fail
}

TEST(ChatTemplateParity, Qwen3_5) {
  CHECK_OR_SKIP(t, fixtures() / "templates" / "qwen3_5");
  EXPECT_GT(t->rendered, 60);
  EXPECT_GT(t->raised, 20);  // system not first, no user query, images in system, bad roles...
}

TEST(ChatTemplateParity, Qwen3_5_0_8B) {
  CHECK_OR_SKIP(t, fixtures() / "templates" / "qwen3_5_0_8b");
  EXPECT_GT(t->rendered, 60);
  EXPECT_GT(t->raised, 20);
}

TEST(ChatTemplateParity, Qwen3_5LlamaCppRevision) {
  CHECK_OR_SKIP(t, fixtures() / "templates" / "qwen3_5_4b_llamacpp");
  EXPECT_GT(t->rendered, 60);
}

// The prompts spec §8.2 states, independent of the oracle.
TEST(ChatTemplate, Qwen3_5GenerationPromptDefaults) {
  json hi = json::parse(R"([{"role": "user", "content": "Hi"}])");
  ChatOptions unset, on, off;
  on.enable_thinking = true;
  off.enable_thinking = false;
  auto small = ChatTemplate::from_model_dir(fixtures() / "templates" / "qwen3_5_0_8b");
  EXPECT_EQ(small.render(hi, unset), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  EXPECT_EQ(small.render(hi, on), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
  auto large = ChatTemplate::from_model_dir(fixtures() / "templates" / "qwen3_5");
  EXPECT_EQ(large.render(hi, unset), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
  EXPECT_EQ(large.render(hi, off), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  ChatOptions no_prompt;
  no_prompt.add_generation_prompt = false;
  EXPECT_EQ(large.render(hi, no_prompt), "<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplate, Qwen3_5RejectsWhatTheTemplateRejects) {
  auto tpl = ChatTemplate::from_model_dir(fixtures() / "templates" / "qwen3_5");
  try {
    tpl.render(read_json(fixtures() / "chat" / "system_not_first.json")["messages"]);
    FAIL() << "expected the template to raise";
  } catch (const vole::text::jinja::RaisedByTemplate& e) {
    EXPECT_STREQ(e.what(), "System message must be at the beginning.");
  }
}

// ---- loading from a model folder ----

void write(const fs::path& p, const std::string& text) { vole::write_file_atomic(p, text); }

TEST(ChatTemplate, NamedTemplatesAndSpecialTokens) {
  vole::test::TempDir dir("vole-chat-template");
  json config = {
      {"bos_token", {{"__type", "AddedToken"}, {"content", "<s>"}, {"lstrip", false}}},
      {"eos_token", "</s>"},
      {"unk_token", nullptr},
      {"pad_token", ""},
      {"additional_special_tokens", {"<a>", "<b>"}},
      {"chat_template", {{{"name", "default"}, {"template", "D{{ bos_token }}{{ eos_token }}{{ unk_token is defined }}{{ pad_token is defined }}{{ additional_special_tokens }}{{ messages | length }}{{ tools }}{{ documents }}{{ add_generation_prompt }}"}},
                         {{"name", "tool_use"}, {"template", "T{{ tools | map(attribute='name') | join(',') }}{{ enable_thinking }}{{ custom }}"}}}}};
  write(dir / "tokenizer_config.json", config.dump());
  auto tpl = ChatTemplate::from_model_dir(dir.path());
  json msgs = json::parse(R"([{"role": "user", "content": "x"}])");
  EXPECT_EQ(tpl.render(msgs), "D<s></s>FalseFalse['<a>', '<b>']1NoneNoneTrue");
  ChatOptions with_tools;
  with_tools.tools = json::parse(R"([{"name": "a"}, {"name": "b"}])");
  with_tools.enable_thinking = false;
  with_tools.extra = {{"custom", 7}, {"enable_thinking", true}};
  EXPECT_EQ(tpl.render(msgs, with_tools), "Ta,bFalse7");
  EXPECT_EQ(tpl.template_names(), (std::vector<std::string>{"default", "tool_use"}));

  // The same folder through transformers' path in the oracle.
  std::vector<json> requests = {
      {{"chat", {{"model_dir", dir.path().string()}, {"messages", msgs}, {"tools", nullptr}, {"add_generation_prompt", true}}}},
      {{"chat", {{"model_dir", dir.path().string()}, {"messages", msgs}, {"tools", with_tools.tools}, {"add_generation_prompt", true},
                 {"enable_thinking", false}, {"extra", with_tools.extra}}}}};
  auto oracle = vole::test::run_jinja_oracle(requests);
  if (!oracle) GTEST_SKIP() << "jinja2 oracle unavailable";
  ASSERT_EQ(oracle->size(), 2u);
  EXPECT_EQ((*oracle)[0].text, tpl.render(msgs));
  EXPECT_EQ((*oracle)[1].text, tpl.render(msgs, with_tools));
}

TEST(ChatTemplate, JinjaFileTakesPrecedence) {
  vole::test::TempDir dir("vole-chat-template");
  write(dir / "tokenizer_config.json", json{{"chat_template", "from config"}, {"eos_token", "<e>"}}.dump());
  write(dir / "chat_template.jinja", "from file {{ eos_token }}\n");
  EXPECT_EQ(ChatTemplate::from_model_dir(dir.path()).render(json::array()), "from file <e>");
}

TEST(ChatTemplate, LoadErrorsNameTheFile) {
  vole::test::TempDir dir("vole-chat-template");
  try {
    ChatTemplate::from_model_dir(dir.path());
    FAIL();
  } catch (const vole::Error& e) {
    EXPECT_EQ(e.code(), vole::ErrorCode::NotFound);
  }
  write(dir / "tokenizer_config.json", "{not json");
  try {
    ChatTemplate::from_model_dir(dir.path());
    FAIL();
  } catch (const vole::Error& e) {
    EXPECT_EQ(e.code(), vole::ErrorCode::InvalidFile);
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
  write(dir / "tokenizer_config.json", json{{"chat_template", "{% if %}"}}.dump());
  try {
    ChatTemplate::from_model_dir(dir.path());
    FAIL();
  } catch (const vole::Error& e) {
    EXPECT_EQ(e.code(), vole::ErrorCode::InvalidFile);
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
  write(dir / "tokenizer_config.json", json{{"chat_template", json::array({{{"name", "tool_use"}, {"template", "x"}},
                                                                          {{"name", "other"}, {"template", "y"}}})}}.dump());
  EXPECT_THROW(ChatTemplate::from_model_dir(dir.path()).render(json::array()), vole::Error);
}

TEST(ChatTemplate, RejectsMalformedCalls) {
  ChatTemplate tpl("{{ messages | length }}");
  EXPECT_THROW(tpl.render(json::object()), vole::Error);
  ChatOptions bad_tools;
  bad_tools.tools = json::object();
  EXPECT_THROW(tpl.render(json::array(), bad_tools), vole::Error);
  EXPECT_EQ(tpl.render(json::array()), "0");
}

// `vole template` prints exactly what ChatTemplate renders, with no newline added.
TEST(ChatTemplateCli, PrintsThePromptExactly) {
  fs::path vole_bin = vole::test::binary_dir() / "bin" / "vole";
  ASSERT_TRUE(fs::exists(vole_bin)) << vole_bin;
  vole::test::TempDir dir("vole-template-cli");
  fs::path model = fixtures() / "templates" / "qwen3_5_0_8b";
  fs::path conv = fixtures() / "chat" / "tools_dict_arguments.json";
  write(dir / "tools.json", read_json(conv)["tools"].dump());
  auto run = [&](const std::string& args) {
    std::string cmd = "'" + vole_bin.string() + "' template -m '" + model.string() + "' --messages '" + conv.string() + "' " +
                      args + " > '" + (dir / "out.txt").string() + "' 2> '" + (dir / "err.txt").string() + "'";
    int rc = std::system(cmd.c_str());
    return std::make_pair(rc, vole::read_text_file(dir / "out.txt") + vole::read_text_file(dir / "err.txt"));
  };
  auto tpl = ChatTemplate::from_model_dir(model);
  json c = read_json(conv);
  ChatOptions opts;
  opts.tools = c["tools"];
  auto [rc1, out1] = run("");
  EXPECT_EQ(rc1, 0);
  EXPECT_EQ(out1, tpl.render(c["messages"], opts));
  ChatOptions off;
  off.tools = c["tools"];
  off.add_generation_prompt = false;
  off.enable_thinking = true;
  auto [rc2, out2] = run("--no-generation-prompt --thinking on --tools '" + (dir / "tools.json").string() + "'");
  EXPECT_EQ(rc2, 0);
  EXPECT_EQ(out2, tpl.render(c["messages"], off));
  auto [rc3, out3] = run("--thinking maybe");
  EXPECT_NE(rc3, 0);
  EXPECT_NE(out3.find("--thinking"), std::string::npos) << out3;
}

}  // namespace
