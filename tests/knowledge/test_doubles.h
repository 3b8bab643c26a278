#pragma once
// Test doubles for the knowledge base. NOT features: they stand in for the embedding model
// and its tokenizer so the library can be tested without model weights.
//
//   WordCounter     one token per run of letters/digits and per other non-space character:
//                   predictable chunk sizes.
//   HashEmbedder    a deterministic bag-of-words embedding: every word adds a pseudo-random
//                   unit vector derived from its hash, the sum is normalized. Texts sharing
//                   words are similar, so retrieval can be tested end to end; it counts what it
//                   embeds (to prove what was NOT re-embedded) and can be slowed down (so a
//                   child process can be killed mid-run).
//   TableEmbedder   vectors of known geometry: a text containing "<vec:NAME>" gets the vector
//                   registered under NAME.
#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "knowledge/embedder.h"
#include "knowledge/token_counter.h"

namespace vole::knowledge::test {

class WordCounter final : public TokenCounter {
 public:
  size_t count(std::string_view text) const override;
  std::string id() const override { return "test-word-counter"; }
};

class HashEmbedder final : public Embedder {
 public:
  explicit HashEmbedder(size_t dims = 64, std::string id = "test-hash-embedder") : dims_(dims), id_(std::move(id)) {}
  std::string model_id() const override { return id_ + "/" + std::to_string(dims_); }
  size_t dims() const override { return dims_; }
  size_t preferred_batch() const override { return batch_; }
  void embed(std::span<const std::string_view> texts, EmbedKind kind, std::span<float> out) override;

  void set_batch(size_t n) { batch_ = n; }
  void set_delay(std::chrono::milliseconds d) { delay_ = d; }
  size_t texts_embedded() const { return embedded_; }
  size_t calls() const { return calls_; }
  const std::vector<std::string>& history() const { return history_; }  // every text embedded, in order

  // The embedding of one text, as embed() computes it.
  std::vector<float> vector_of(std::string_view text) const;

 private:
  size_t dims_;
  std::string id_;
  size_t batch_ = 8;
  std::chrono::milliseconds delay_{0};
  size_t embedded_ = 0, calls_ = 0;
  std::vector<std::string> history_;
};

class TableEmbedder final : public Embedder {
 public:
  explicit TableEmbedder(size_t dims, std::string id = "test-table-embedder") : dims_(dims), id_(std::move(id)) {}
  void set(const std::string& name, std::vector<float> v);  // normalized on the way in
  std::string model_id() const override { return id_ + "/" + std::to_string(dims_); }
  size_t dims() const override { return dims_; }
  void embed(std::span<const std::string_view> texts, EmbedKind kind, std::span<float> out) override;

 private:
  size_t dims_;
  std::string id_;
  std::map<std::string, std::vector<float>> table_;
};

}  // namespace vole::knowledge::test
