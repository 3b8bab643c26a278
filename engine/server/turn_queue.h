#pragma once
// Requests that run on their own HTTP thread but take turns on one model (embeddings,
// transcription, speech: one short job each, no stream to interleave). At most
// `max_waiting` wait; one more is refused at once (429), and a wait past `timeout`
// ends in a 503, as for generations (ModelWorker).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>

namespace vole::server {

class TurnQueue {
 public:
  TurnQueue(size_t max_waiting, std::chrono::seconds timeout) : max_waiting_(max_waiting), timeout_(timeout) {}
  // Runs `job` when its turn comes; throws ApiError 429 / 503 as above.
  void run(const std::function<void()>& job);
  size_t waiting() const;

 private:
  size_t max_waiting_;
  std::chrono::seconds timeout_;
  std::timed_mutex turn_;
  std::atomic<size_t> inside_{0};  // running and waiting
};

}  // namespace vole::server
