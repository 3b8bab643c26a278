#pragma once
// Typed access to the parsed tokenizer.json with errors that name the file and the
// JSON path of the offending value ("…/tokenizer.json: model.merges[12]: …").
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

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

}  // namespace vole::text
