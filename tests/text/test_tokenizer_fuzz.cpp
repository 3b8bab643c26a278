// A tokenizer.json comes from whatever model folder a user opens: deterministic mutation
// fuzz of valid files of every kind. Each mutant must load or throw vole::Error (never
// another exception, never a crash); one that loads must encode random text and decode
// random ids, with the stream decoder giving exactly decode()'s text. Bounded in time.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "text/tokenizer.h"
#include "text/tokenizer_families.h"
#include "util/error.h"

using namespace vole;
using test::Json;

namespace {

std::vector<Json> seeds() {
  test::SentencePieceSpec llama;
  llama.merges = test::hello_world_merges();
  test::SentencePieceSpec gemma = llama;
  gemma.normalizer = Json{{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", test::kMarker}};
  gemma.pre_tokenizer = Json{{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "MergedWithPrevious"}};
  gemma.decoder = test::gemma_decoder();
  gemma.merges_as_arrays = true;
  test::SentencePieceSpec metaspace = llama;
  metaspace.normalizer = nullptr;
  metaspace.pre_tokenizer = test::metaspace("first", true);
  metaspace.decoder = test::metaspace("first", true);
  test::TokenizerSpec qwen;
  qwen.merges = {{"a", "b"}, {" ", "ab"}};
  qwen.added_tokens = Json::array({test::added_token(300, "<|x|>", true, true, true)});
  return {test::sentencepiece_json(llama), test::sentencepiece_json(gemma), test::sentencepiece_json(metaspace),
          test::moonshine_style_json(3),   test::lfm2_style_json(),         test::tokenizer_json(qwen)};
}

// A random value of any JSON type, biased to what confuses a reader.
Json random_value(std::mt19937_64& rng) {
  static const std::vector<Json> values = {nullptr,
                                           true,
                                           false,
                                           0,
                                           -1,
                                           1,
                                           7,
                                           1u << 31,
                                           -2147483649LL,
                                           1e300,
                                           0.5,
                                           "",
                                           "A",
                                           "a b",
                                           "\xE2\x96\x81",
                                           "<0x41>",
                                           "<s>",
                                           "first",
                                           "never",
                                           "Sequence",
                                           "ByteLevel",
                                           "Metaspace",
                                           "Replace",
                                           "ByteFallback",
                                           "Fuse",
                                           "Strip",
                                           "TemplateProcessing",
                                           "Split",
                                           "Prepend",
                                           "NFKC",
                                           "Isolated",
                                           "[",
                                           Json::array(),
                                           Json::object(),
                                           Json::array({"a", "b"}),
                                           Json{{"String", " "}},
                                           Json{{"Regex", "(a|"}},
                                           Json{{"Regex", "\\s+"}},
                                           Json{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                           Json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}};
  return values[rng() % values.size()];
}

// Every path to a node below `root`'s pipeline parts (the vocabulary is skipped: its
// mutations are few and the merges reference it).
void collect(Json& node, std::vector<Json*>& out, int depth) {
  out.push_back(&node);
  if (depth > 8) return;
  if (node.is_object()) {
    for (auto& [key, value] : node.items())
      if (key != "vocab") collect(value, out, depth + 1);
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size() && i < 12; ++i) collect(node[i], out, depth + 1);
  }
}

void mutate(Json& j, std::mt19937_64& rng) {
  std::vector<Json*> nodes;
  collect(j, nodes, 0);
  Json& n = *nodes[rng() % nodes.size()];
  switch (rng() % 5) {
    case 0:
      n = random_value(rng);
      break;
    case 1:  // drop a member or element
      if (n.is_object() && !n.empty())
        n.erase(std::next(n.begin(), long(rng() % n.size())).key());
      else if (n.is_array() && !n.empty())
        n.erase(rng() % n.size());
      break;
    case 2:  // a new member or element
      if (n.is_object()) {
        static const char* keys[] = {"type",        "pattern",        "content", "start",           "stop",
                                     "prepend",     "prepend_scheme", "split",   "replacement",     "decoders",
                                     "normalizers", "pretokenizers",  "single",  "special_tokens",  "ids",
                                     "id",          "behavior",       "invert",  "add_prefix_space"};
        n[keys[rng() % std::size(keys)]] = random_value(rng);
      } else if (n.is_array()) {
        n.push_back(n.empty() ? random_value(rng) : n[rng() % n.size()]);
      }
      break;
    case 3:  // duplicate or reorder elements
      if (n.is_array() && n.size() > 1) std::swap(n[rng() % n.size()], n[rng() % n.size()]);
      break;
    case 4:  // a pipeline component of another type
      if (n.is_object() && n.contains("type")) n["type"] = random_value(rng);
      break;
  }
}

std::string random_text(std::mt19937_64& rng) {
  static const std::vector<std::string> parts = {"hello",
                                                 " ",
                                                 "world",
                                                 "\xE2\x96\x81",
                                                 "<s>",
                                                 "</s>",
                                                 "<<ST_1>>",
                                                 "<|x|>",
                                                 "<|im_start|>",
                                                 "\xC3\xA9",
                                                 "\xF0\x9F\x99\x82",
                                                 "\n",
                                                 "\xFF",
                                                 "\xE2\x82",
                                                 "12345",
                                                 "It's",
                                                 "  ",
                                                 "ab"};
  std::string s;
  for (int n = rng() % 10; n > 0; --n) s += parts[rng() % parts.size()];
  return s;
}

}  // namespace

TEST(TokenizerFuzz, MutatedFilesLoadOrFailCleanly) {
  const std::vector<Json> base = seeds();
  std::mt19937_64 rng(20240611);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int loaded = 0, rejected = 0;
  for (int iter = 0; iter < 4000 && std::chrono::steady_clock::now() < deadline; ++iter) {
    Json j = base[size_t(iter) % base.size()];
    for (int e = 1 + int(rng() % 3); e > 0; --e) mutate(j, rng);
    std::string text = j.dump();
    try {
      auto tok = text::Tokenizer::from_json(text, "fuzz.json");
      ++loaded;
      for (int k = 0; k < 4; ++k) {
        std::string input = random_text(rng);
        bool special = rng() % 2;
        try {
          std::vector<int32_t> ids = tok.encode(input, {.add_special_tokens = special, .parse_special = !special});
          for (int32_t id : ids) ASSERT_TRUE(id >= 0 && size_t(id) < tok.vocab_size()) << text;
        } catch (const Error&) {  // e.g. a vocabulary without a byte the text needs
        }
        std::vector<int32_t> ids;
        for (int n = rng() % 12; n > 0; --n) ids.push_back(int32_t(rng() % (tok.vocab_size() + 3)));
        for (bool skip : {false, true}) {
          text::StreamDecoder stream(tok, skip);
          std::string streamed;
          for (int32_t id : ids) stream.push(id, streamed);
          stream.flush(streamed);
          ASSERT_EQ(streamed, tok.decode(ids, skip)) << text;
        }
      }
    } catch (const Error& e) {
      ++rejected;
      ASSERT_NE(std::string(e.what()).find("fuzz.json"), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      FAIL() << "not a vole::Error: " << e.what() << "\n" << text.substr(0, 2000);
    }
  }
  std::printf("tokenizer fuzz: %d loaded, %d rejected\n", loaded, rejected);
  EXPECT_GT(loaded, 100);
  EXPECT_GT(rejected, 100);
}

// Random bytes, truncations and splices of a whole file's text: the JSON reader's side.
TEST(TokenizerFuzz, MangledTextFailsCleanly) {
  std::mt19937_64 rng(77);
  std::vector<std::string> texts;
  for (const Json& j : seeds()) texts.push_back(j.dump());
  const char* splices[] = {"{",         "}",  "[",       "]",          ",",
                           ":",         "\"", "null",    "\"merges\"", "\"vocab\"",
                           "\"model\"", "-1", "\\u0000", "\\ud800",    "99999999999999999999",
                           "\xC3"};
  for (int iter = 0; iter < 1500; ++iter) {
    std::string t = texts[size_t(iter) % texts.size()];
    for (int e = 1 + int(rng() % 3); e > 0; --e) {
      size_t at = rng() % (t.size() + 1);
      switch (rng() % 3) {
        case 0:
          t.resize(at);
          break;
        case 1:
          t.insert(at, splices[rng() % std::size(splices)]);
          break;
        case 2:
          if (at < t.size()) t[at] = char(rng());
          break;
      }
    }
    try {
      auto tok = text::Tokenizer::from_json(t, "fuzz.json");
      (void)tok.encode("hello world\xE2\x96\x81<s>");
    } catch (const Error&) {
    } catch (const std::exception& e) {
      FAIL() << "not a vole::Error: " << e.what();
    }
  }
}
