#pragma once
// Options shared by the commands that use an embedding model or the knowledge index
// (embed, index, search, ask).
#include <filesystem>
#include <memory>
#include <optional>

#include "args.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/retriever.h"
#include "runtime/embedding_model.h"
#include "runtime/model_embedder.h"

namespace vole::cli {

struct EmbedderArgs {
  std::optional<std::filesystem::path> dir;  // the embedding model folder
  std::string device;
  runtime::EmbeddingOptions options;
  int64_t dims = 0;  // 0: the model's full width
};

// `names` DIR (the embedding model), -d/--device, --weights, --dims N, --batch-tokens N.
EmbedderArgs parse_embedder_args(Args& args, std::initializer_list<const char*> names, bool required);
std::unique_ptr<runtime::EmbeddingModel> load_embedding_model(const EmbedderArgs& e);

// --min-similarity F: the cosine floor of vector hits and of keyword hits with a vector
// (model dependent: calibrate it per embedding model; -1 turns the floors off).
void parse_similarity_floor(Args& args, knowledge::SearchOptions& options);

// --db PATH (default: data_dir()/knowledge.db).
knowledge::KnowledgeBase open_knowledge_base(Args& args);
// The collection called `name`, or NotFound listing the ones there are.
knowledge::Collection find_collection(knowledge::KnowledgeBase& kb, const std::string& name);

}  // namespace vole::cli
