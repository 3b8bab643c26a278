#include "text/tokenizer_fixture.h"

#include <gtest/gtest.h>

#include "text/tokenizer_byte_level.h"

namespace vole::test {

const char* const kQwen3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen35Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

Json split_pre_tokenizer(const std::string& pattern, const std::string& behavior, bool invert) {
  return Json{{"type", "Split"}, {"pattern", {{"Regex", pattern}}}, {"behavior", behavior}, {"invert", invert}};
}

Json byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return Json{{"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"trim_offsets", false}, {"use_regex", use_regex}};
}

Json added_token(int id, const std::string& content, bool special, bool lstrip, bool rstrip, bool single_word,
                 bool normalized) {
  return Json{{"id", id},           {"content", content},       {"single_word", single_word}, {"lstrip", lstrip},
              {"rstrip", rstrip},   {"normalized", normalized}, {"special", special}};
}

Json tokenizer_json(const TokenizerSpec& spec) {
  Json vocab = Json::object();
  int next = 0;
  auto add = [&](const std::string& raw) {
    std::string form = text::bytes_to_vocab_form(raw);
    if (!vocab.contains(form)) vocab[form] = next++;
    return form;
  };
  for (int b = 0; b < 256; ++b) add(std::string(1, char(b)));
  Json merges = Json::array();
  for (const auto& [a, b] : spec.merges) {
    std::string fa = add(a), fb = add(b);
    add(a + b);
    if (spec.merges_as_arrays) merges.push_back(Json::array({fa, fb}));
    else merges.push_back(fa + " " + fb);
  }
  for (const auto& t : spec.extra_tokens) add(t);
  Json pre = spec.pre_tokenizer;
  if (pre.is_null()) {
    pre = Json{{"type", "Sequence"},
               {"pretokenizers", Json::array({split_pre_tokenizer(kQwen3Pattern), byte_level_pre_tokenizer(false, false)})}};
  }
  Json byte_level = byte_level_pre_tokenizer(false, false);
  return Json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", spec.added_tokens},
              {"normalizer", spec.normalizer},
              {"pre_tokenizer", pre},
              {"post_processor", byte_level},
              {"decoder", byte_level},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", nullptr},
                {"continuing_subword_prefix", ""},
                {"end_of_word_suffix", ""},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", spec.ignore_merges},
                {"vocab", vocab},
                {"merges", merges}}}};
}

text::Tokenizer make_tokenizer(const TokenizerSpec& spec) {
  return text::Tokenizer::from_json(tokenizer_json(spec).dump(), "test-tokenizer.json");
}

std::vector<std::string> pieces_of(const text::Tokenizer& tok, const std::vector<int32_t>& ids) {
  std::vector<std::string> out;
  for (int32_t id : ids) out.emplace_back(tok.token_bytes(id));
  return out;
}

int32_t id_of(const text::Tokenizer& tok, const std::string& bytes) {
  auto id = tok.token_to_id(text::bytes_to_vocab_form(bytes));
  EXPECT_TRUE(id.has_value()) << "no token for \"" << bytes << "\"";
  return id.value_or(-1);
}

}  // namespace vole::test
