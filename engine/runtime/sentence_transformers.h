#pragma once
// The sentence-transformers files of an embedding model folder (docs/specs/
// embeddinggemma.md §1, §5, §7): modules.json (the pipeline, followed in its order),
// 1_Pooling/config.json, each Dense module's config.json and weights, Normalize,
// sentence_bert_config.json (max_seq_length) and config_sentence_transformers.json
// (prompts). Only Transformer -> Pooling (mean or last token, prompt included) ->
// Dense (identity activation) * -> Normalize is supported; anything else is an error
// naming the file and module.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ops/pool.h"

namespace vole::runtime {

struct DenseModule {
  std::filesystem::path weights;  // <folder>/model.safetensors with linear.weight [out, in] (+ linear.bias)
  std::string stored;             // or: the stem of its weight in the model's own checkpoint ("dense.0")
  int64_t in_features = 0, out_features = 0;
  bool bias = false;
};

// A Dense layer an MLX conversion (mlx-embeddings) keeps in the model's checkpoint as
// "dense.<i>.weight" (no bias, possibly quantized), in pipeline order; [out, in] logical.
struct StoredDense {
  std::string stem;
  int64_t out_features = 0, in_features = 0;
};

struct SentenceTransformersConfig {
  ops::Pooling pooling = ops::Pooling::Mean;
  std::vector<DenseModule> dense;  // in pipeline order
  bool normalize = false;          // a Normalize module ends the pipeline (Vole always normalises)
  int64_t max_seq_length = 0;      // 0: unset
  std::map<std::string, std::string> prompts;
  std::string default_prompt_name;
  // The prompt called `name`, or "" when the file has none.
  std::string prompt(const std::string& name) const;
};

// Reads the folder's sentence-transformers files; `hidden` is the encoder's width, checked
// against the pooling and the first Dense layer. A Dense module without its own weights takes
// the next of `stored`; a folder without modules.json but with `stored` layers is read as the
// MLX converter's fixed pipeline (mean pooling, those layers, Normalize). Throws InvalidFile /
// Unsupported / NotFound (neither modules.json nor stored layers: not an embedding model).
// Whether a model folder is a sentence-embedding model: a sentence-transformers folder
// (modules.json or config_sentence_transformers.json), or an encoder-only architecture
// converted without those files (mlx-embeddings' EmbeddingGemma: "Gemma3TextModel").
bool is_embedding_folder(const std::filesystem::path& dir);

SentenceTransformersConfig read_sentence_transformers(const std::filesystem::path& dir, int64_t hidden,
                                                      const std::vector<StoredDense>& stored = {});

}  // namespace vole::runtime
