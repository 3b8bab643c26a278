#include "runtime/model_embedder.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "util/error.h"
#include "util/hash.h"

namespace vole::runtime {

namespace {

// XXH3 of what decides the vectors: config.json, the sentence-transformers files, the
// prompts and the size and mtime of every weight file (a re-download changes it).
std::string fingerprint(const EmbeddingModel& m) {
  std::string acc;
  namespace fs = std::filesystem;
  auto add_file = [&](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (in) acc.append(std::istreambuf_iterator<char>(in), {});
    acc.push_back('\0');
  };
  for (const char* f : {"config.json", "modules.json", "1_Pooling/config.json", "config_sentence_transformers.json",
                        "sentence_bert_config.json"})
    add_file(m.dir() / f);
  std::error_code ec;
  for (fs::recursive_directory_iterator it(m.dir(), ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".safetensors") continue;
    acc += fs::relative(it->path(), m.dir(), ec).string() + ":" + std::to_string(it->file_size(ec)) + ":" +
           std::to_string(it->last_write_time(ec).time_since_epoch().count()) + ";";
  }
  acc += m.prompt(PromptKind::Query) + '\0' + m.prompt(PromptKind::Document);
  uint64_t h = xxh3_64({reinterpret_cast<const uint8_t*>(acc.data()), acc.size()}, 0);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace

ModelEmbedder::ModelEmbedder(EmbeddingModel& model, int64_t dims)
    : model_(model), dims_(dims == 0 ? model.dims() : dims) {
  require(dims_ > 0 && dims_ <= model.dims(), "embedding dimensions must be between 1 and " +
                                                  std::to_string(model.dims()) + ", got " + std::to_string(dims));
  id_ = model.dir().filename().string() + "@" + fingerprint(model) + "/" + std::to_string(dims_);
  counter_ = std::make_unique<knowledge::TokenizerCounter>(model.tokenizer(), id_);
}

void ModelEmbedder::embed(std::span<const std::string_view> texts, knowledge::EmbedKind kind, std::span<float> out) {
  require(out.size() == texts.size() * static_cast<size_t>(dims_), "embed: the output must hold one vector per text");
  PromptKind prompt = kind == knowledge::EmbedKind::Query ? PromptKind::Query : PromptKind::Document;
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (auto t : texts) ids.push_back(model_.tokenize(t, prompt));
  if (ids.empty()) return;
  std::vector<float> v = model_.embed_tokens(ids, dims_);
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
}

}  // namespace vole::runtime
