#include "text/tokenizer_fixture.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "text/tokenizer_byte_level.h"
#include "text/utf8.h"

namespace vole::test {

const char* const kQwen3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen35Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

Json split_pre_tokenizer(const std::string& pattern, const std::string& behavior, bool invert) {
  return Json{{"type", "Split"}, {"pattern", {{"Regex", pattern}}}, {"behavior", behavior}, {"invert", invert}};
}

Json byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return Json{
      {"type", "ByteLevel"}, {"add_prefix_space", add_prefix_space}, {"trim_offsets", false}, {"use_regex", use_regex}};
}

Json added_token(int id, const std::string& content, bool special, bool lstrip, bool rstrip, bool single_word,
                 bool normalized) {
  return Json{{"id", id},         {"content", content},       {"single_word", single_word}, {"lstrip", lstrip},
              {"rstrip", rstrip}, {"normalized", normalized}, {"special", special}};
}

ByteLevelVocab::ByteLevelVocab(int first_id) : next(first_id) {
  for (int b = 0; b < 256; ++b) add(std::string(1, char(b)));
}

std::string ByteLevelVocab::add(const std::string& raw) {
  std::string form = text::bytes_to_vocab_form(raw);
  if (!vocab.contains(form)) vocab[form] = next++;
  return form;
}

Json ByteLevelVocab::add_merges(const std::vector<std::pair<std::string, std::string>>& merges, bool as_arrays) {
  Json out = Json::array();
  for (const auto& [a, b] : merges) {
    std::string fa = add(a), fb = add(b);
    add(a + b);
    out.push_back(as_arrays ? Json::array({fa, fb}) : Json(fa + " " + fb));
  }
  return out;
}

Json tokenizer_json(const TokenizerSpec& spec) {
  ByteLevelVocab v;
  Json merges = v.add_merges(spec.merges, spec.merges_as_arrays);
  for (const auto& t : spec.extra_tokens) v.add(t);
  Json& vocab = v.vocab;
  Json pre = spec.pre_tokenizer;
  if (pre.is_null()) {
    pre = Json{
        {"type", "Sequence"},
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

Json llama_normalizer() {
  return Json{
      {"type", "Sequence"},
      {"normalizers", Json::array({Json{{"type", "Prepend"}, {"prepend", kMarker}},
                                   Json{{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMarker}}})}};
}

Json gemma_decoder() {
  return Json{{"type", "Sequence"},
              {"decoders", Json::array({Json{{"type", "Replace"}, {"pattern", {{"String", kMarker}}}, {"content", " "}},
                                        Json{{"type", "ByteFallback"}}, Json{{"type", "Fuse"}}})}};
}

Json llama_decoder() {
  Json d = gemma_decoder();
  d["decoders"].push_back(Json{{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  return d;
}

Json metaspace(const std::string& prepend_scheme, bool split) {
  return Json{{"type", "Metaspace"}, {"replacement", kMarker}, {"prepend_scheme", prepend_scheme}, {"split", split}};
}

Json template_processing(const std::vector<std::pair<std::string, int>>& before,
                         const std::vector<std::pair<std::string, int>>& after) {
  Json single = Json::array(), pair = Json::array(), specials = Json::object();
  auto special = [&](const std::pair<std::string, int>& t, int type_id) {
    specials[t.first] = Json{{"id", t.first}, {"ids", Json::array({t.second})}, {"tokens", Json::array({t.first})}};
    return Json{{"SpecialToken", {{"id", t.first}, {"type_id", type_id}}}};
  };
  for (const auto& t : before) single.push_back(special(t, 0)), pair.push_back(special(t, 0));
  single.push_back(Json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  pair.push_back(Json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  for (const auto& t : after) single.push_back(special(t, 0)), pair.push_back(special(t, 0));
  pair.push_back(Json{{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
  return Json{{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

std::vector<std::pair<std::string, std::string>> hello_world_merges() {
  const std::string m = kMarker;
  return {{"l", "l"}, {m, "h"},   {"e", "ll"},     {m + "h", "ell"}, {m + "hell", "o"},
          {m, "w"},   {"o", "r"}, {m + "w", "or"}, {"l", "d"},       {m + "wor", "ld"}};
}

Json sentencepiece_json(const SentencePieceSpec& spec) {
  Json vocab = Json::object();
  int next = 0;
  auto add = [&](const std::string& token) {
    if (!vocab.contains(token)) vocab[token] = next++;
  };
  for (const char* t : {"<unk>", "<s>", "</s>"}) add(t);
  char name[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    add(name);
  }
  for (size_t i = 0; i < spec.chars.size();) {
    size_t len = text::decode_utf8_char(std::string_view(spec.chars).substr(i)).length;
    add(spec.chars.substr(i, len));
    i += len;
  }
  Json merges = Json::array();
  for (const auto& [a, b] : spec.merges) {
    add(a), add(b), add(a + b);
    if (spec.merges_as_arrays)
      merges.push_back(Json::array({a, b}));
    else
      merges.push_back(a + " " + b);
  }
  for (const auto& t : spec.extra_tokens) add(t);
  Json added = Json::array({added_token(0, "<unk>", true), added_token(1, "<s>", true), added_token(2, "</s>", true)});
  for (const auto& t : spec.added_tokens) added.push_back(t);
  return Json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", added},
              {"normalizer", spec.normalizer},
              {"pre_tokenizer", spec.pre_tokenizer},
              {"post_processor", spec.post_processor},
              {"decoder", spec.decoder},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", spec.unk_token},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr},
                {"fuse_unk", spec.fuse_unk},
                {"byte_fallback", spec.byte_fallback},
                {"ignore_merges", spec.ignore_merges},
                {"vocab", vocab},
                {"merges", merges}}}};
}

text::Tokenizer make_sentencepiece(const SentencePieceSpec& spec) {
  return text::Tokenizer::from_json(sentencepiece_json(spec).dump(), "test-sentencepiece.json");
}

std::vector<int32_t> ids_of(const text::Tokenizer& tok, const std::vector<std::string>& tokens) {
  std::vector<int32_t> ids;
  for (const auto& t : tokens) {
    auto id = tok.token_to_id(t);
    EXPECT_TRUE(id.has_value()) << "no token \"" << t << "\"";
    ids.push_back(id.value_or(-1));
  }
  return ids;
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
