#include "model/json_util.h"

#include <cmath>

#include "util/error.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::model {

namespace {

std::string describe_type(const json& v) { return v.type_name(); }

}  // namespace

json parse_json(std::string_view text, const std::string& label, int max_depth) {
  check_json_depth(text, label, max_depth);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    fail(ErrorCode::InvalidFile, label + ": invalid JSON (" + e.what() + ")");
  }
}

json read_json_file(const std::string& path_label, int max_depth) {
  return parse_json(read_text_file(path_label), path_label, max_depth);
}

JsonObject::JsonObject(const json& value, std::string label) : value_(value), label_(std::move(label)) {
  if (!value_.is_object()) fail(ErrorCode::InvalidFile, label_ + ": expected a JSON object, found " + describe_type(value_));
}

void JsonObject::fail_field(const char* key, const std::string& problem) const {
  fail(ErrorCode::InvalidFile, label_ + ": field '" + key + "' " + problem);
}

const json* JsonObject::find(const char* key) const {
  auto it = value_.find(key);
  if (it == value_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonObject::has(const char* key) const { return find(key) != nullptr; }

bool JsonObject::is_null(const char* key) const {
  auto it = value_.find(key);
  return it != value_.end() && it->is_null();
}

std::optional<int64_t> JsonObject::opt_int(const char* key) const {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) fail_field(key, "is out of range");
    return static_cast<int64_t>(u);
  }
  // Some tools write integral values as 4096.0.
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  fail_field(key, "must be an integer, found " + v->dump());
}

int64_t JsonObject::get_int(const char* key) const {
  auto v = opt_int(key);
  if (!v) fail(ErrorCode::InvalidFile, label_ + ": missing required field '" + key + "'");
  return *v;
}

int64_t JsonObject::get_int(const char* key, int64_t fallback) const { return opt_int(key).value_or(fallback); }

std::optional<double> JsonObject::opt_double(const char* key) const {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail_field(key, "must be a number, found " + v->dump());
  double d = v->get<double>();
  if (!std::isfinite(d)) fail_field(key, "must be finite");
  return d;
}

double JsonObject::get_double(const char* key, double fallback) const { return opt_double(key).value_or(fallback); }

bool JsonObject::get_bool(const char* key, bool fallback) const {
  const json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail_field(key, "must be true or false, found " + v->dump());
  return v->get<bool>();
}

std::string JsonObject::get_string(const char* key) const {
  const json* v = find(key);
  if (!v) fail(ErrorCode::InvalidFile, label_ + ": missing required field '" + key + "'");
  if (!v->is_string()) fail_field(key, "must be a string, found " + v->dump());
  return v->get<std::string>();
}

std::string JsonObject::get_string(const char* key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

std::vector<int64_t> JsonObject::get_int_list(const char* key) const {
  const json* v = find(key);
  if (!v) fail(ErrorCode::InvalidFile, label_ + ": missing required field '" + key + "'");
  std::vector<int64_t> out;
  auto take = [&](const json& e) {
    if (e.is_number_unsigned() && e.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) out.push_back(e.get<int64_t>());
    else if (e.is_number_integer()) out.push_back(e.get<int64_t>());
    else fail_field(key, "must be an integer or a list of integers, found " + v->dump());
  };
  if (v->is_array()) {
    for (const auto& e : *v) take(e);
  } else {
    take(*v);
  }
  return out;
}

JsonObject JsonObject::child(const char* key) const {
  const json* v = find(key);
  if (!v) fail(ErrorCode::InvalidFile, label_ + ": missing required field '" + key + "'");
  if (!v->is_object()) fail_field(key, "must be an object, found " + describe_type(*v));
  return JsonObject(*v, label_ + ": " + key);
}

}  // namespace vole::model
