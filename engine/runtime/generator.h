#pragma once
// The token loop: evaluates a prompt on a Sequence (reusing what it already holds),
// then samples and feeds tokens one decode step at a time, streaming decoded text
// (never half a UTF-8 character), until a stop token, a stop string, the token limit,
// the context limit or a cancel request.
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "runtime/sampling.h"
#include "runtime/sequence.h"

namespace vole::text {
class Tokenizer;
}

namespace vole::runtime {

struct GenerateOptions {
  SamplingOptions sampling;
  int max_tokens = 1024;
  std::vector<std::string> stop_strings;
  std::vector<int32_t> stop_tokens;  // end-of-turn ids (the model's, from the engine)
};

enum class StopReason { EndOfTurn, StopString, MaxTokens, ContextFull, Cancelled };
const char* stop_reason_name(StopReason r);

struct GenerationStats {
  int64_t prompt_tokens = 0;     // tokens in the prompt
  int64_t reused_tokens = 0;     // of those, already in the sequence (not re-evaluated)
  int64_t generated_tokens = 0;  // tokens produced (stop token excluded)
  double prefill_ms = 0;         // evaluating the new prompt tokens
  double ttft_ms = 0;            // request to first token
  double decode_ms = 0;          // the decode steps after the first token
  StopReason stop = StopReason::EndOfTurn;

  double prefill_tokens_per_second() const;
  double decode_tokens_per_second() const;
};

// Called for every piece of visible text as it is decided (may be called with an empty
// string when a token completes no character yet).
using TextCallback = std::function<void(const std::string& text, int32_t token)>;

// `extras`: the prompt's injected embeddings and positions (images), relative to its start.
GenerationStats generate(Sequence& sequence, const text::Tokenizer& tokenizer, std::span<const int32_t> prompt,
                         const GenerateOptions& options, const TextCallback& on_text,
                         const std::atomic<bool>* cancel = nullptr, const AppendExtras* extras = nullptr);

}  // namespace vole::runtime
