#pragma once
// Small synthetic tokenizer.json files for unit tests, in the two layouts HF writes:
//   - byte-level BPE: the 256 byte symbols get ids 0..255 in byte order, then the tokens
//     the given merges create; configurable normalizer, pre-tokenizer and added tokens;
//   - SentencePiece-style BPE (as HF converts a Llama/Gemma tokenizer.model): <unk>,
//     <s>, </s> at ids 0..2, the byte tokens <0x00>..<0xFF> at 3..258, then single
//     characters and the tokens the merges create (spaces written "▁"); every pipeline
//     part configurable.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "text/tokenizer.h"

namespace vole::test {

using Json = nlohmann::json;

// The split patterns of the real files (test data: the engine reads them from the file).
extern const char* const kQwen3Pattern;
extern const char* const kQwen35Pattern;

struct TokenizerSpec {
  // Merges as raw byte strings (left, right); rank = position.
  std::vector<std::pair<std::string, std::string>> merges;
  bool merges_as_arrays = false;
  // Extra vocabulary entries (raw bytes) that no merge creates.
  std::vector<std::string> extra_tokens;
  bool ignore_merges = false;
  Json normalizer = Json{{"type", "NFC"}};
  Json pre_tokenizer;  // null: Split(kQwen3Pattern, Isolated) + ByteLevel(no prefix, no regex)
  Json added_tokens = Json::array();
};

Json split_pre_tokenizer(const std::string& pattern, const std::string& behavior = "Isolated", bool invert = false);
Json byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);
Json added_token(int id, const std::string& content, bool special, bool lstrip = false, bool rstrip = false,
                 bool single_word = false, bool normalized = false);

Json tokenizer_json(const TokenizerSpec& spec);
text::Tokenizer make_tokenizer(const TokenizerSpec& spec);

// A byte-level vocabulary under construction: the 256 byte symbols in byte order from
// `first_id` on, then each new token given as raw bytes gets the next id.
struct ByteLevelVocab {
  explicit ByteLevelVocab(int first_id = 0);
  // Adds a token given as raw bytes (if new); returns its vocabulary form ("Ġthe").
  std::string add(const std::string& raw);
  // Adds each merge's sides and result; returns the merges as "a b" or [a, b].
  Json add_merges(const std::vector<std::pair<std::string, std::string>>& merges, bool as_arrays);
  Json vocab = Json::object();
  int next;
};

// Pipeline parts as HF writes them.
inline constexpr const char* kMarker = "\xE2\x96\x81";  // "▁"
Json llama_normalizer();                                // Prepend "▁", Replace " " -> "▁"
Json llama_decoder();                                   // Replace "▁" -> " ", ByteFallback, Fuse, Strip(1, 0)
Json gemma_decoder();                                   // the same without Strip
Json metaspace(const std::string& prepend_scheme, bool split);
// TemplateProcessing whose single template is `before` $A `after` (special tokens by
// content and id).
Json template_processing(const std::vector<std::pair<std::string, int>>& before,
                         const std::vector<std::pair<std::string, int>>& after = {});

struct SentencePieceSpec {
  // Characters that are tokens themselves (UTF-8).
  std::string chars =
      "\xE2\x96\x81"
      "abcdefghijklmnopqrstuvwxyzHW.,!'<>";
  // Merges as token text (with "▁"); rank = position.
  std::vector<std::pair<std::string, std::string>> merges;
  bool merges_as_arrays = false;
  std::vector<std::string> extra_tokens;
  bool byte_fallback = true, fuse_unk = true, ignore_merges = false;
  Json unk_token = "<unk>";
  Json normalizer = llama_normalizer();
  Json pre_tokenizer = nullptr;
  Json decoder = llama_decoder();
  Json post_processor = template_processing({{"<s>", 1}});
  Json added_tokens = Json::array();  // beyond <unk>, <s>, </s>
};

// Merges that build "▁hello" and "▁world".
std::vector<std::pair<std::string, std::string>> hello_world_merges();
Json sentencepiece_json(const SentencePieceSpec& spec);
text::Tokenizer make_sentencepiece(const SentencePieceSpec& spec);

// The ids of vocabulary tokens given in their vocabulary form ("▁hello", "<0xC3>").
std::vector<int32_t> ids_of(const text::Tokenizer& tok, const std::vector<std::string>& tokens);

// Raw bytes of each id, for readable assertions.
std::vector<std::string> pieces_of(const text::Tokenizer& tok, const std::vector<int32_t>& ids);
// Id of the vocabulary token for raw bytes `bytes`.
int32_t id_of(const text::Tokenizer& tok, const std::string& bytes);

}  // namespace vole::test
