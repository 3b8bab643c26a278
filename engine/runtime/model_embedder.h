#pragma once
// The knowledge base's Embedder (knowledge/embedder.h) backed by an EmbeddingModel on the
// GPU: queries and documents get the model's own prompts, vectors are cut to `dims`
// (Matryoshka, re-normalised), and the model id names the weights, the prompts and the
// dimensions, so changing any of them re-embeds an index instead of mixing vectors.
#include <memory>
#include <string>

#include "knowledge/embedder.h"
#include "knowledge/token_counter.h"
#include "runtime/embedding_model.h"

namespace vole::runtime {

class ModelEmbedder final : public knowledge::Embedder {
 public:
  // dims 0: the model's full width.
  explicit ModelEmbedder(EmbeddingModel& model, int64_t dims = 0);

  std::string model_id() const override { return id_; }
  size_t dims() const override { return static_cast<size_t>(dims_); }
  size_t preferred_batch() const override { return 64; }
  void embed(std::span<const std::string_view> texts, knowledge::EmbedKind kind, std::span<float> out) override;

  // Chunk sizes in the model's own tokens (for the chunker), named by the model id.
  const knowledge::TokenCounter& token_counter() const { return *counter_; }

 private:
  EmbeddingModel& model_;
  int64_t dims_;
  std::string id_;
  std::unique_ptr<knowledge::TokenizerCounter> counter_;
};

}  // namespace vole::runtime
