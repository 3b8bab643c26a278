#pragma once
// Log-probabilities of generated tokens for `logprobs`: the model's distribution at each
// step (its logits, before temperature and penalties, as vLLM and llama.cpp report them)
// log-softmaxed on the CPU, with the most likely alternatives. Computed only when a
// request asks: it reads the step's whole logits row back from the GPU.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace vole::text {
class Tokenizer;
}

namespace vole::server {

struct TokenChoice {
  int32_t id = 0;
  std::string text;  // the token decoded alone (may be part of a UTF-8 character)
  float logprob = 0;
};

struct TokenLogprob {
  TokenChoice chosen;
  std::vector<TokenChoice> top;  // most likely first
};

// The chosen token's log-probability under `logits` and the `top` most likely tokens.
TokenLogprob token_logprob(std::span<const float> logits, int32_t token, int top, const text::Tokenizer& tokenizer);

// Chat's shape: {"content": [{token, logprob, bytes, top_logprobs: [...]}, ...]}.
nlohmann::ordered_json chat_logprobs_json(std::span<const TokenLogprob> tokens);
// Completions' (legacy) shape: {tokens, token_logprobs, top_logprobs: [{text: lp}], text_offset}.
nlohmann::ordered_json completion_logprobs_json(std::span<const TokenLogprob> tokens, size_t text_offset = 0);

}  // namespace vole::server
