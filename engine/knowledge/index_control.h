#pragma once
// Pause, resume and cancel for a running indexer, from any thread. The indexer calls
// checkpoint() between files and batches: it waits there while paused and stops there (an
// Error with code Cancelled) once cancelled; extraction and hashing also watch the cancel
// flag between blocks of input, so a cancel takes effect within one block or batch.
// Whatever was committed stays, and is a state the next run continues from.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace vole::knowledge {

class IndexControl {
 public:
  void pause();
  void resume();
  void cancel();  // also ends a pause
  bool paused() const { return paused_.load(); }
  bool cancelled() const { return cancelled_.load(); }
  const std::atomic<bool>& cancel_flag() const { return cancelled_; }

  // Returns at once unless paused (then calls `on_pause` once and waits); throws
  // Error(Cancelled) when cancelled.
  void checkpoint(const std::function<void()>& on_pause = {});

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<bool> paused_{false};
  std::atomic<bool> cancelled_{false};
};

}  // namespace vole::knowledge
