#include "runtime/generator.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "runtime/stop_strings.h"
#include "text/tokenizer.h"
#include "util/error.h"

namespace vole::runtime {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::EndOfTurn:
      return "end of turn";
    case StopReason::StopString:
      return "stop string";
    case StopReason::MaxTokens:
      return "token limit";
    case StopReason::ContextFull:
      return "context full";
    case StopReason::Cancelled:
      return "cancelled";
  }
  return "?";
}

double GenerationStats::prefill_tokens_per_second() const {
  int64_t evaluated = prompt_tokens - reused_tokens;
  return prefill_ms > 0 ? evaluated * 1000.0 / prefill_ms : 0.0;
}

double GenerationStats::decode_tokens_per_second() const {
  // The first token comes from the prompt's logits; each later one costs a decode step.
  return decode_ms > 0 && generated_tokens > 1 ? (generated_tokens - 1) * 1000.0 / decode_ms : 0.0;
}

GenerationStats generate(Sequence& seq, const text::Tokenizer& tokenizer, std::span<const int32_t> prompt,
                         const GenerateOptions& options, const TextCallback& on_text, const std::atomic<bool>* cancel,
                         const AppendExtras* extras) {
  options.sampling.validate();
  require(options.max_tokens > 0, "max tokens must be positive");
  require(!prompt.empty(), "empty prompt");
  GenerationStats stats;
  stats.prompt_tokens = static_cast<int64_t>(prompt.size());

  auto start = Clock::now();
  int64_t evaluated = extras ? seq.sync(prompt, *extras, cancel) : seq.sync(prompt, cancel);
  stats.reused_tokens = stats.prompt_tokens - evaluated;
  stats.prefill_ms = ms_since(start);
  if (cancel && cancel->load(std::memory_order_relaxed)) {  // stopped during the prefill
    stats.reused_tokens = 0;
    stats.stop = StopReason::Cancelled;
    return stats;
  }

  uint32_t seed = options.sampling.seed ? options.sampling.seed : std::random_device{}();
  int32_t token = seq.sample(options.sampling, seed, 0);
  stats.ttft_ms = ms_since(start);
  auto decode_start = Clock::now();

  text::StreamDecoder decoder(tokenizer);
  StopStringFilter filter(options.stop_strings);
  auto is_stop = [&](int32_t t) {
    return std::find(options.stop_tokens.begin(), options.stop_tokens.end(), t) != options.stop_tokens.end();
  };
  auto emit = [&](const std::string& text, int32_t t) {
    if (on_text) on_text(text, t);
  };

  for (uint32_t step = 1;; ++step) {
    if (is_stop(token)) {
      stats.stop = StopReason::EndOfTurn;
      break;
    }
    ++stats.generated_tokens;
    emit(filter.push(decoder.push(token)), token);
    if (filter.stopped()) {
      stats.stop = StopReason::StopString;
      break;
    }
    if (stats.generated_tokens >= options.max_tokens) {
      stats.stop = StopReason::MaxTokens;
      break;
    }
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      stats.stop = StopReason::Cancelled;
      break;
    }
    if (seq.length() >= seq.capacity()) {
      stats.stop = StopReason::ContextFull;
      break;
    }
    token = seq.step(token, options.sampling, seed, step);
  }
  // What the decoder and the stop filter still hold belongs to the answer.
  std::string tail = filter.stopped() ? std::string() : filter.push(decoder.flush()) + filter.flush();
  if (!tail.empty()) emit(tail, -1);
  stats.decode_ms = ms_since(decode_start);
  return stats;
}

}  // namespace vole::runtime
