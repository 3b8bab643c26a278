#pragma once
// Counting tokens the way the embedding model will see them, so chunks fit its window.
#include <cstddef>
#include <string>
#include <string_view>

namespace vole::text {
class Tokenizer;
}

namespace vole::knowledge {

class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  virtual size_t count(std::string_view text) const = 0;
  // Names the tokenization: chunks made with another counter are re-made (and re-embedded
  // where their text changed) at the next indexing run.
  virtual std::string id() const = 0;
};

// Any text::Tokenizer (the embedding model's own): tokens of `text` with special tokens in it
// treated as plain text, and without the BOS/EOS the model adds around a whole input. `id`
// names the tokenizer (the embedding model's id will do).
class TokenizerCounter final : public TokenCounter {
 public:
  TokenizerCounter(const text::Tokenizer& tokenizer, std::string id) : tokenizer_(tokenizer), id_(std::move(id)) {}
  size_t count(std::string_view text) const override;
  std::string id() const override { return id_; }

 private:
  const text::Tokenizer& tokenizer_;
  std::string id_;
};

}  // namespace vole::knowledge
