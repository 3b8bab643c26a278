#pragma once
// Typed access to the parsed tokenizer.json with errors that name the file and the
// JSON path of the offending value ("…/tokenizer.json: model.merges[12]: …").
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vole::text {

using Json = nlohmann::json;

class JsonPath {
 public:
  JsonPath(const std::string& file, std::string path) : file_(&file), path_(std::move(path)) {}
  JsonPath operator/(std::string_view key) const;
  JsonPath operator[](size_t index) const;
  const std::string& file() const { return *file_; }
  const std::string& str() const { return path_; }

  // InvalidFile: the value is malformed. Unsupported: well-formed but not implemented.
  [[noreturn]] void malformed(const std::string& what) const;
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  const std::string* file_;
  std::string path_;
};

// Required member of an object (error if `obj` is not an object or lacks `key`).
const Json& json_member(const Json& obj, const JsonPath& at, const char* key);
// Member or nullptr when absent or JSON null.
const Json* json_optional(const Json& obj, const JsonPath& at, const char* key);
bool json_bool_or(const Json& obj, const JsonPath& at, const char* key, bool fallback);
const std::string& json_string(const Json& value, const JsonPath& at);
const Json& json_array(const Json& value, const JsonPath& at);
// The "type" member of a pipeline component.
const std::string& json_type(const Json& obj, const JsonPath& at);

// model.vocab and model.merges of a tokenizer.json, read straight from the text: they
// hold hundreds of thousands of entries, which a JSON DOM would store as a tree of
// small allocations (slow to build, ~100 MB for a Qwen vocabulary).
struct BpeTables {
  struct Entry {
    uint32_t offset, length;  // the token in `arena`
    int64_t id;               // -1 if the value was not an integer
  };
  enum class MergeForm : uint8_t { Joined, Pair, Malformed };  // "a b", ["a", "b"], anything else
  struct Merge {
    uint32_t a_offset, a_length, b_offset, b_length;  // Joined: the whole string is a
    MergeForm form;
  };
  bool vocab_is_object = false;  // false: model.vocab stays in the DOM (missing or wrong type)
  bool merges_is_array = false;
  std::vector<Entry> vocab;
  std::vector<Merge> merges;
  std::string arena;
  std::string_view str(uint32_t offset, uint32_t length) const { return std::string_view(arena).substr(offset, length); }
};

struct TokenizerJson {
  Json root;  // everything except model.vocab / model.merges when those are in `bpe`
  BpeTables bpe;
};

// Parses tokenizer.json text; InvalidFile (naming `origin`) if it is not JSON.
TokenizerJson parse_tokenizer_json(std::string_view text, const std::string& origin);

}  // namespace vole::text
