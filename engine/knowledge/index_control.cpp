#include "knowledge/index_control.h"

#include "util/error.h"

namespace vole::knowledge {

void IndexControl::pause() {
  std::lock_guard lock(mutex_);
  paused_ = true;
}

void IndexControl::resume() {
  {
    std::lock_guard lock(mutex_);
    paused_ = false;
  }
  changed_.notify_all();
}

void IndexControl::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
}

void IndexControl::checkpoint(const std::function<void()>& on_pause) {
  if (cancelled_) fail(ErrorCode::Cancelled, "indexing cancelled");
  if (!paused_) return;
  if (on_pause) on_pause();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !paused_ || cancelled_; });
  if (cancelled_) fail(ErrorCode::Cancelled, "indexing cancelled");
}

}  // namespace vole::knowledge
