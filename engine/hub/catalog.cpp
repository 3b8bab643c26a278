#include "hub/catalog.h"

#include <nlohmann/json.hpp>

#include <set>

#include "hub/failure.h"
#include "hub/repo_id.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::hub {

namespace {

using json = nlohmann::json;

struct Ctx {
  std::string source;
  [[noreturn]] void fail(const std::string& where, const std::string& why) const {
    fail_hub(Failure::InvalidInput, "catalog " + source + ": " + where + ": " + why);
  }
  void only_keys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok) fail(where, "unknown field '" + it.key() + "'");
    }
  }
  const json& need(const json& obj, const std::string& where, const char* key) const {
    if (!obj.contains(key)) fail(where, "missing field '" + std::string(key) + "'");
    return obj.at(key);
  }
  std::string text(const json& obj, const std::string& where, const char* key) const {
    const json& v = need(obj, where, key);
    if (!v.is_string() || v.get<std::string>().empty()) fail(where + "." + key, "must be a non-empty string");
    return v.get<std::string>();
  }
  double number(const json& obj, const std::string& where, const char* key, double lo, double hi) const {
    const json& v = need(obj, where, key);
    if (!v.is_number()) fail(where + "." + key, "must be a number");
    double d = v.get<double>();
    if (d < lo || d > hi) fail(where + "." + key, std::to_string(d) + " is outside [" + std::to_string(lo) + ", " +
                                                      std::to_string(hi) + "]");
    return d;
  }
  uint64_t bytes(const json& obj, const std::string& where, const char* key) const {
    const json& v = need(obj, where, key);
    if (!v.is_number_unsigned() || v.get<uint64_t>() == 0) fail(where + "." + key, "must be a positive integer");
    return v.get<uint64_t>();
  }
};

SamplingPreset parse_sampling(const Ctx& c, const json& s, const std::string& where) {
  if (!s.is_object()) c.fail(where, "must be an object");
  c.only_keys(s, where, {"temperature", "top_p", "top_k", "min_p", "presence_penalty"});
  SamplingPreset p;
  p.temperature = c.number(s, where, "temperature", 0.01, 2.0);
  p.top_p = c.number(s, where, "top_p", 0.01, 1.0);
  double k = c.number(s, where, "top_k", 0, 1000);
  if (k != static_cast<int>(k)) c.fail(where + ".top_k", "must be an integer");
  p.top_k = static_cast<int>(k);
  p.min_p = s.contains("min_p") ? c.number(s, where, "min_p", 0.0, 1.0) : 0.0;
  p.presence_penalty = s.contains("presence_penalty") ? c.number(s, where, "presence_penalty", -2.0, 2.0) : 0.0;
  return p;
}

CatalogEntry parse_entry(const Ctx& c, const json& e, const std::string& at) {
  if (!e.is_object()) c.fail(at, "must be an object");
  c.only_keys(e, at, {"id", "display_name", "repo", "revision", "architecture", "format", "licence", "features",
                      "size_full_bytes", "size_text_bytes", "sampling", "sampling_thinking", "thinking_by_default",
                      "description", "notes"});
  CatalogEntry m;
  m.id = c.text(e, at, "id");
  std::string where = at + " (" + m.id + ")";
  for (char ch : m.id)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
      c.fail(where + ".id", "use lower-case letters, digits, '-' and '.'");
  m.display_name = c.text(e, where, "display_name");
  m.repo = c.text(e, where, "repo");
  if (!is_valid_repo_id(m.repo)) c.fail(where + ".repo", "'" + m.repo + "' is not a valid owner/name repo id");
  m.revision = e.contains("revision") ? c.text(e, where, "revision") : "main";
  try {
    validate_revision(m.revision);
  } catch (const HubError& err) {
    c.fail(where + ".revision", err.what());
  }
  m.architecture = c.text(e, where, "architecture");
  m.format = c.text(e, where, "format");
  m.licence = c.text(e, where, "licence");
  const json& feats = c.need(e, where, "features");
  if (!feats.is_array() || feats.empty()) c.fail(where + ".features", "must be a non-empty list");
  std::vector<std::string> names;
  for (const auto& f : feats) {
    if (!f.is_string() || (f != "text" && f != "vision")) c.fail(where + ".features", "entries are \"text\" or \"vision\"");
    names.push_back(f.get<std::string>());
  }
  if (std::find(names.begin(), names.end(), "text") == names.end()) c.fail(where + ".features", "must include \"text\"");
  m.features = FeatureSet::from_names(names);
  m.size_full_bytes = c.bytes(e, where, "size_full_bytes");
  m.size_text_bytes = c.bytes(e, where, "size_text_bytes");
  if (m.size_text_bytes > m.size_full_bytes) c.fail(where + ".size_text_bytes", "larger than size_full_bytes");
  if (!m.features.has(kVisionFeature) && m.size_text_bytes != m.size_full_bytes)
    c.fail(where + ".size_text_bytes", "a text-only model has one size");
  m.sampling = parse_sampling(c, c.need(e, where, "sampling"), where + ".sampling");
  if (e.contains("sampling_thinking")) m.thinking = parse_sampling(c, e["sampling_thinking"], where + ".sampling_thinking");
  if (e.contains("thinking_by_default")) {
    if (!e["thinking_by_default"].is_boolean()) c.fail(where + ".thinking_by_default", "must be true or false");
    m.thinking_by_default = e["thinking_by_default"].get<bool>();
    if (m.thinking_by_default && !m.thinking) c.fail(where, "thinking_by_default needs sampling_thinking");
  }
  m.description = c.text(e, where, "description");
  if (e.contains("notes")) m.notes = c.text(e, where, "notes");
  return m;
}

}  // namespace

const CatalogEntry* Catalog::find_id(std::string_view id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

const CatalogEntry* Catalog::find_repo(std::string_view repo) const {
  for (const auto& m : models)
    if (m.repo == repo) return &m;
  return nullptr;
}

const CatalogEntry& Catalog::default_model() const { return *find_id(default_id); }

Catalog parse_catalog(std::string_view text, const std::string& source) {
  Ctx c{source};
  json root;
  if (json_nesting_depth(text) > kMaxJsonDepth) c.fail("top level", "nested too deeply");
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    c.fail("top level", std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) c.fail("top level", "must be an object");
  c.only_keys(root, "top level", {"version", "default", "models"});
  if (!root.contains("version") || root["version"] != 1) c.fail("version", "must be 1");
  Catalog cat;
  cat.default_id = c.text(root, "top level", "default");
  const json& models = c.need(root, "top level", "models");
  if (!models.is_array() || models.empty()) c.fail("models", "must be a non-empty list");
  std::set<std::string> ids, repos;
  for (size_t i = 0; i < models.size(); ++i) {
    CatalogEntry m = parse_entry(c, models[i], "models[" + std::to_string(i) + "]");
    if (!ids.insert(m.id).second) c.fail("models[" + std::to_string(i) + "]", "duplicate id '" + m.id + "'");
    if (!repos.insert(m.repo).second) c.fail("models[" + std::to_string(i) + "]", "duplicate repo '" + m.repo + "'");
    cat.models.push_back(std::move(m));
  }
  if (!cat.find_id(cat.default_id)) c.fail("default", "'" + cat.default_id + "' is not the id of a listed model");
  return cat;
}

Catalog load_catalog(const std::filesystem::path& file) { return parse_catalog(read_text_file(file), file.string()); }

const Catalog& builtin_catalog() {
  static const Catalog catalog = parse_catalog(builtin_catalog_json(), "(built in)");
  return catalog;
}

}  // namespace vole::hub
