#pragma once
// A sentence-embedding model on the GPU: a family's PackedEncoder (EmbeddingGemma's
// bidirectional encoder, or a causal decoder such as Qwen3-Embedding) followed by the
// sentence-transformers head of the folder (pooling, Dense layers, normalisation;
// runtime/sentence_transformers.h) and Matryoshka truncation. Many inputs go through one
// GPU pass, packed back to back with per-sequence attention bounds (no padding), so a
// batch gives what each input gives alone.
//
//   runtime::EmbeddingModel m(device, "models/embeddinggemma-300m");
//   std::vector<float> v = m.embed(texts, runtime::PromptKind::Query);  // [n, m.dims()], unit rows
//
// Threading: one thread at a time (like Engine); the Device serialises GPU work.
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "arch/encoder.h"
#include "arch/model.h"
#include "model/weight_loader.h"
#include "ops/weight.h"
#include "runtime/device.h"
#include "runtime/sentence_transformers.h"
#include "text/tokenizer.h"

namespace vole::runtime {

// Which of the model's prompts (config_sentence_transformers.json) goes before a text.
enum class PromptKind { None, Query, Document };

struct EmbeddingOptions {
  model::Format weights = model::Format::Source;  // large matrices; EmbeddingGemma ships f32
  model::CachePolicy cache = model::CachePolicy::Auto;
  int64_t batch_tokens = 4096;  // tokens packed into one GPU pass (a longer input gets a pass of its own)
};

class EmbeddingModel {
 public:
  EmbeddingModel(std::shared_ptr<Device> device, const std::filesystem::path& dir, EmbeddingOptions options = {});
  ~EmbeddingModel();

  const std::filesystem::path& dir() const { return dir_; }
  const model::ModelConfig& config() const { return model_->config(); }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  const SentenceTransformersConfig& sentence_config() const { return st_; }
  int64_t dims() const { return dims_; }              // full output width
  int64_t max_tokens() const { return max_tokens_; }  // per input, special tokens included
  uint64_t device_bytes() const;

  std::string prompt(PromptKind kind) const;
  // ids = the tokenizer's specials around prompt + text (cut to max_tokens(): the text is
  // shortened, the specials kept); an EOS the tokenizer config asks for is appended when the
  // file's template lacks it; last-token pooling ends every input with <|endoftext|>.
  std::vector<int32_t> tokenize(std::string_view text, PromptKind kind) const;

  // One unit vector per input, [inputs.size(), d] row-major, d = dims (0: all; else the
  // first d components re-normalised, Matryoshka). Inputs must be non-empty.
  std::vector<float> embed_tokens(std::span<const std::vector<int32_t>> inputs, int64_t dims = 0);
  std::vector<float> embed(std::span<const std::string> texts, PromptKind kind, int64_t dims = 0);

 private:
  struct Dense {
    ops::Weight weight;
    ops::DeviceTensor bias;
    bool has_bias = false;
  };
  void run_batch(std::span<const std::vector<int32_t>> inputs, int64_t dims, float* out);

  std::filesystem::path dir_;
  EmbeddingOptions options_;
  std::shared_ptr<Device> device_;
  std::shared_ptr<MemoryAccount> account_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::unique_ptr<arch::Model> model_;
  const arch::PackedEncoder* encoder_ = nullptr;
  SentenceTransformersConfig st_;
  std::vector<Dense> dense_;
  int64_t dims_ = 0, max_tokens_ = 0;
  std::optional<int32_t> append_eos_;  // appended when an input does not already end with it
};

}  // namespace vole::runtime
