#include "server/reply_channel.h"

namespace vole::server {

void ReplyChannel::push(ReplyDelta delta) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(delta));
  }
  cv_.notify_one();
}

void ReplyChannel::finish(ReplyOutcome outcome) {
  {
    std::lock_guard lock(mutex_);
    outcome_ = std::move(outcome);
  }
  cv_.notify_one();
}

std::optional<ReplyOutcome> ReplyChannel::take(std::vector<ReplyDelta>& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !pending_.empty() || outcome_.has_value(); });
  for (auto& d : pending_) out.push_back(std::move(d));
  pending_.clear();
  return outcome_;
}

}  // namespace vole::server
