#include "text/tokenizer_json.h"

#include "util/error.h"

namespace vole::text {

JsonPath JsonPath::operator/(std::string_view key) const {
  return JsonPath(*file_, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

JsonPath JsonPath::operator[](size_t index) const {
  return JsonPath(*file_, path_ + "[" + std::to_string(index) + "]");
}

void JsonPath::malformed(const std::string& what) const {
  fail(ErrorCode::InvalidFile, *file_ + ": " + (path_.empty() ? "" : path_ + ": ") + what);
}

void JsonPath::unsupported(const std::string& what) const {
  fail(ErrorCode::Unsupported, *file_ + ": " + (path_.empty() ? "" : path_ + ": ") + what);
}

const Json& json_member(const Json& obj, const JsonPath& at, const char* key) {
  if (!obj.is_object()) at.malformed("expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) at.malformed(std::string("missing \"") + key + "\"");
  return *it;
}

const Json* json_optional(const Json& obj, const JsonPath& at, const char* key) {
  if (!obj.is_object()) at.malformed("expected an object");
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

bool json_bool_or(const Json& obj, const JsonPath& at, const char* key, bool fallback) {
  const Json* v = json_optional(obj, at, key);
  if (!v) return fallback;
  if (!v->is_boolean()) (at / key).malformed("expected true or false");
  return v->get<bool>();
}

const std::string& json_string(const Json& value, const JsonPath& at) {
  if (!value.is_string()) at.malformed("expected a string");
  return value.get_ref<const std::string&>();
}

const Json& json_array(const Json& value, const JsonPath& at) {
  if (!value.is_array()) at.malformed("expected an array");
  return value;
}

const std::string& json_type(const Json& obj, const JsonPath& at) {
  return json_string(json_member(obj, at, "type"), at / "type");
}

}  // namespace vole::text
