#pragma once
// Small synthetic tokenizer.json files for unit tests: a byte-level vocabulary (the 256
// byte symbols get ids 0..255 in byte order) plus the tokens the given merges create,
// with a configurable normalizer, pre-tokenizer and added tokens.
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

// Raw bytes of each id, for readable assertions.
std::vector<std::string> pieces_of(const text::Tokenizer& tok, const std::vector<int32_t>& ids);
// Id of the vocabulary token for raw bytes `bytes`.
int32_t id_of(const text::Tokenizer& tok, const std::string& bytes);

}  // namespace vole::test
