#pragma once
// JSON from files we do not control (config.json, safetensors index, our own cache
// index): parsed with a nesting limit so hostile input cannot exhaust the stack, and
// read through typed accessors whose errors name the file and the field.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vole::model {

using json = nlohmann::json;

// Parses `text`; any syntax error, invalid UTF-8 or nesting deeper than `max_depth`
// throws InvalidFile "<label>: ...".
json parse_json(std::string_view text, const std::string& label, int max_depth = 32);
json read_json_file(const std::string& path_label, int max_depth = 32);

// A field of an object, with the object's label ("config.json: text_config") for errors.
class JsonObject {
 public:
  JsonObject(const json& value, std::string label);
  const std::string& label() const { return label_; }
  bool has(const char* key) const;  // present and not null
  const json* find(const char* key) const;  // nullptr if absent or null
  bool is_null(const char* key) const;      // present with the value null

  int64_t get_int(const char* key) const;  // required
  int64_t get_int(const char* key, int64_t fallback) const;
  std::optional<int64_t> opt_int(const char* key) const;
  double get_double(const char* key, double fallback) const;
  std::optional<double> opt_double(const char* key) const;
  bool get_bool(const char* key, bool fallback) const;
  std::string get_string(const char* key) const;  // required
  std::string get_string(const char* key, const std::string& fallback) const;
  std::vector<int64_t> get_int_list(const char* key) const;  // required; int or list of ints
  JsonObject child(const char* key) const;  // required object

  [[noreturn]] void fail_field(const char* key, const std::string& problem) const;

 private:
  const json& value_;
  std::string label_;
};

}  // namespace vole::model
