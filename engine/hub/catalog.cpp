#include "hub/catalog.h"

#include <algorithm>
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

std::string kind_choices() {
  std::string out;
  for (ModelKind k : kAllModelKinds) out += std::string(out.empty() ? "" : ", ") + "\"" + model_kind_name(k) + "\"";
  return out;
}

ModelKind parse_kind(const Ctx& c, const json& v, const std::string& where) {
  auto kind = v.is_string() ? model_kind_from_name(v.get<std::string>()) : std::nullopt;
  if (!kind) c.fail(where, "must be one of " + kind_choices());
  return *kind;
}

CatalogEntry parse_entry(const Ctx& c, const json& e, const std::string& at) {
  if (!e.is_object()) c.fail(at, "must be an object");
  c.only_keys(e, at,
              {"id", "kind", "display_name", "repo", "repo_aliases", "revision", "architecture", "format", "licence",
               "features", "size_full_bytes", "size_text_bytes", "sampling", "sampling_thinking", "thinking_by_default",
               "description", "notes"});
  CatalogEntry m;
  m.id = c.text(e, at, "id");
  std::string where = at + " (" + m.id + ")";
  for (char ch : m.id)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
      c.fail(where + ".id", "use lower-case letters, digits, '-' and '.'");
  if (e.contains("kind")) m.kind = parse_kind(c, e["kind"], where + ".kind");
  m.display_name = c.text(e, where, "display_name");
  m.repo = c.text(e, where, "repo");
  if (!is_valid_repo_id(m.repo)) c.fail(where + ".repo", "'" + m.repo + "' is not a valid owner/name repo id");
  if (e.contains("repo_aliases")) {
    const json& aliases = e["repo_aliases"];
    if (!aliases.is_array() || aliases.empty()) c.fail(where + ".repo_aliases", "must be a non-empty list");
    for (const auto& a : aliases) {
      if (!a.is_string() || !is_valid_repo_id(a.get<std::string>()))
        c.fail(where + ".repo_aliases", "entries are owner/name repo ids");
      m.repo_aliases.push_back(a.get<std::string>());
    }
  }
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
  // Sampling is how a chat model is run; other kinds may carry their card's values.
  if (m.kind == ModelKind::Chat || e.contains("sampling"))
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

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::Chat:
      return "chat";
    case ModelKind::SpeechToText:
      return "speech-to-text";
    case ModelKind::TextToSpeech:
      return "text-to-speech";
    case ModelKind::Embedding:
      return "embedding";
  }
  return "chat";
}

std::optional<ModelKind> model_kind_from_name(std::string_view name) {
  for (ModelKind k : kAllModelKinds)
    if (name == model_kind_name(k)) return k;
  return std::nullopt;
}

const CatalogEntry* Catalog::find_id(std::string_view id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

const CatalogEntry* Catalog::find_repo(std::string_view repo) const {
  for (const auto& m : models)
    if (m.repo == repo || std::find(m.repo_aliases.begin(), m.repo_aliases.end(), repo) != m.repo_aliases.end())
      return &m;
  return nullptr;
}

const CatalogEntry& Catalog::default_model() const { return *find_id(default_id); }

const CatalogEntry* Catalog::default_for(ModelKind kind) const {
  if (kind == ModelKind::Chat) return &default_model();
  for (const auto& [k, id] : default_ids_by_kind)
    if (k == kind) return find_id(id);
  return nullptr;
}

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
  c.only_keys(root, "top level", {"version", "default", "default_by_kind", "models"});
  if (!root.contains("version") || root["version"] != 1) c.fail("version", "must be 1");
  Catalog cat;
  cat.default_id = c.text(root, "top level", "default");
  const json& models = c.need(root, "top level", "models");
  if (!models.is_array() || models.empty()) c.fail("models", "must be a non-empty list");
  std::set<std::string> ids, repos;
  for (size_t i = 0; i < models.size(); ++i) {
    CatalogEntry m = parse_entry(c, models[i], "models[" + std::to_string(i) + "]");
    if (!ids.insert(m.id).second) c.fail("models[" + std::to_string(i) + "]", "duplicate id '" + m.id + "'");
    for (const auto& r : m.repo_aliases)
      if (!repos.insert(r).second) c.fail("models[" + std::to_string(i) + "]", "duplicate repo '" + r + "'");
    if (!repos.insert(m.repo).second) c.fail("models[" + std::to_string(i) + "]", "duplicate repo '" + m.repo + "'");
    cat.models.push_back(std::move(m));
  }
  const CatalogEntry* chat_default = cat.find_id(cat.default_id);
  if (!chat_default) c.fail("default", "'" + cat.default_id + "' is not the id of a listed model");
  if (chat_default->kind != ModelKind::Chat) c.fail("default", "'" + cat.default_id + "' is not a chat model");
  if (root.contains("default_by_kind")) {
    const json& by_kind = root["default_by_kind"];
    if (!by_kind.is_object()) c.fail("default_by_kind", "must be an object");
    for (auto it = by_kind.begin(); it != by_kind.end(); ++it) {
      std::string where = "default_by_kind." + it.key();
      auto kind = model_kind_from_name(it.key());
      if (!kind || *kind == ModelKind::Chat)
        c.fail(where, "keys are the kinds other than chat (whose default is \"default\")");
      if (!it->is_string()) c.fail(where, "must be a model id");
      const CatalogEntry* m = cat.find_id(it->get<std::string>());
      if (!m) c.fail(where, "'" + it->get<std::string>() + "' is not the id of a listed model");
      if (m->kind != *kind) c.fail(where, "'" + m->id + "' is a " + model_kind_name(m->kind) + " model");
      cat.default_ids_by_kind.emplace_back(*kind, m->id);
    }
  }
  return cat;
}

Catalog load_catalog(const std::filesystem::path& file) { return parse_catalog(read_text_file(file), file.string()); }

const Catalog& builtin_catalog() {
  static const Catalog catalog = parse_catalog(builtin_catalog_json(), "(built in)");
  return catalog;
}

}  // namespace vole::hub
