#pragma once
// The model catalog: the models Vole offers out of the box (assets/catalog.json,
// embedded at build time), with what the UI needs to present and run them. Parsing is
// strict: unknown fields, bad repo ids, missing sizes or implausible sampling values are
// errors naming the entry and field, so a typo in the shipped file fails the tests.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/features.h"

namespace vole::hub {

// What a model is for. A model of one kind is never offered where another is expected
// (the chat model picker lists chat models only).
enum class ModelKind { Chat, SpeechToText, TextToSpeech, Embedding };
inline constexpr ModelKind kAllModelKinds[] = {ModelKind::Chat, ModelKind::SpeechToText, ModelKind::TextToSpeech,
                                               ModelKind::Embedding};
// "chat", "speech-to-text", "text-to-speech", "embedding" (the catalog's spelling).
const char* model_kind_name(ModelKind kind);
std::optional<ModelKind> model_kind_from_name(std::string_view name);

struct SamplingPreset {
  double temperature = 1.0;
  double top_p = 1.0;
  int top_k = 0;  // 0 = off
  double min_p = 0.0;
  double presence_penalty = 0.0;
};

struct CatalogEntry {
  std::string id;            // stable key, e.g. "qwen3.5-0.8b"
  std::string display_name;  // "Qwen3.5 0.8B"
  std::string repo;          // "Qwen/Qwen3.5-0.8B"
  std::string revision;      // "main"
  std::string architecture;  // "qwen3_5", "qwen3"
  std::string format;        // "bf16", "mlx-4bit"
  std::string licence;       // SPDX-style id, e.g. "apache-2.0"
  FeatureSet features;       // what the checkpoint can do (text always)
  uint64_t size_full_bytes = 0;  // approximate: every model file
  uint64_t size_text_bytes = 0;  // approximate: text-only selective download
  SamplingPreset sampling;                   // the card's recommendation, default mode
  std::optional<SamplingPreset> thinking;    // recommendation with thinking on, if the model thinks
  bool thinking_by_default = false;
  std::string description;
  std::string notes;  // provenance and facts not yet verified
  // What the model is for (the catalog's "kind"; chat when absent).
  ModelKind kind = ModelKind::Chat;
  // Earlier names of the repo (an organisation renamed); find_repo resolves them too.
  std::vector<std::string> repo_aliases;
};

struct Catalog {
  std::vector<CatalogEntry> models;
  std::string default_id;
  // The suggested model of each kind other than chat (catalog "default_by_kind").
  std::vector<std::pair<ModelKind, std::string>> default_ids_by_kind;
  const CatalogEntry* find_id(std::string_view id) const;
  // By the current repo id or one of its aliases (case-sensitive, as the hub spells it).
  const CatalogEntry* find_repo(std::string_view repo) const;
  const CatalogEntry& default_model() const;
  // The suggested model of a kind (Chat: default_model()); nullptr if the catalog names none.
  const CatalogEntry* default_for(ModelKind kind) const;
};

// Throws HubError(InvalidInput) "catalog <source>: models[2] (qwen3-0.6b).sampling.top_p: ...".
Catalog parse_catalog(std::string_view json_text, const std::string& source);
Catalog load_catalog(const std::filesystem::path& file);
const Catalog& builtin_catalog();  // assets/catalog.json as compiled in
std::string_view builtin_catalog_json();

}  // namespace vole::hub
