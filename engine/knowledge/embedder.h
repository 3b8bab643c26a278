#pragma once
// What the knowledge base needs from an embedding model. The GPU models (EmbeddingGemma,
// Qwen3-Embedding, see docs/specs/embeddinggemma.md) implement it; so does the deterministic
// test double in tests/knowledge. Nothing here knows an architecture.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace vole::knowledge {

// Queries and documents are embedded differently (each model has its own prompt for each:
// EmbeddingGemma "task: search result | query: " / "title: none | text: ", Qwen3-Embedding an
// instruction for queries only). The embedder applies its own prompt.
enum class EmbedKind { Query, Document };

class Embedder {
 public:
  virtual ~Embedder() = default;

  // Names everything that changes the vectors: weights, dimensions, prompt, pooling
  // ("google/embeddinggemma-300m@<commit>/768/doc-prompt-v1"). The index keeps vectors per
  // model id; a different id means re-embedding, never mixing vectors of two models.
  virtual std::string model_id() const = 0;
  virtual size_t dims() const = 0;
  // How many texts one embed() call should get for full speed (a batch for the GPU).
  virtual size_t preferred_batch() const { return 32; }

  // One unit-length vector per text, written row by row to `out` (texts.size() * dims()
  // floats). Throws vole::Error on failure (Cancelled if the caller's cancel flag stopped it).
  virtual void embed(std::span<const std::string_view> texts, EmbedKind kind, std::span<float> out) = 0;
};

}  // namespace vole::knowledge
