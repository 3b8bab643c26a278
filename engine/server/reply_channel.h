#pragma once
// Hands an answer from the model's thread to the HTTP thread that writes it: text
// deltas as they are decided, then the outcome. The writer waits with a timeout so it
// can notice a client that left while nothing is being produced.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/generator.h"
#include "server/api_error.h"
#include "server/token_logprobs.h"

namespace vole::server {

struct ReplyDelta {
  std::string content;
  std::string reasoning;
  std::vector<TokenLogprob> logprobs;  // when asked for: one per token decided since the last delta
};

struct ReplyOutcome {
  runtime::GenerationStats stats;
  std::optional<ApiError> error;  // the generation failed (nothing more will come)
  double queue_ms = 0;            // time spent waiting for the model
};

class ReplyChannel {
 public:
  void push(ReplyDelta delta);
  void finish(ReplyOutcome outcome);
  // Moves the deltas produced so far into `out` (appending), waiting up to `timeout`
  // for the first. Returns the outcome once the answer is complete and every delta
  // has been taken.
  std::optional<ReplyOutcome> take(std::vector<ReplyDelta>& out, std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ReplyDelta> pending_;
  std::optional<ReplyOutcome> outcome_;
};

}  // namespace vole::server
