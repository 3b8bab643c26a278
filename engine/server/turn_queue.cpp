#include "server/turn_queue.h"

#include "server/api_error.h"

namespace vole::server {

void TurnQueue::run(const std::function<void()>& job) {
  // Places: the running request and max_waiting behind it, as in ModelWorker::submit.
  if (inside_.fetch_add(1) > max_waiting_) {
    inside_--;
    throw queue_full();
  }
  struct Leave {
    std::atomic<size_t>& n;
    ~Leave() { n--; }
  } leave{inside_};
  std::unique_lock turn(turn_, std::defer_lock);
  if (!turn.try_lock_for(timeout_)) throw queue_timeout(timeout_);
  job();
}

size_t TurnQueue::waiting() const {
  size_t n = inside_.load();
  return n > 0 ? n - 1 : 0;  // approximately: the one inside may be between turns
}

}  // namespace vole::server
