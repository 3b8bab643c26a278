#pragma once
// One loaded model served to the API: a bounded first-come-first-served queue and one
// thread that runs its jobs one at a time on the model's Chat. Its sequence keeps the
// longest common prefix between requests, so a client continuing a conversation pays
// only for the new tokens. A full queue refuses at once (429) rather than letting
// waits grow without bound. The model is reached through a ModelAccess, which others
// (the desktop app's chats) may share and which may be emptied or replaced meanwhile.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/chat.h"
#include "server/model_access.h"

namespace vole::server {

class ModelWorker {
 public:
  // A job sees the model's Engine and Chat (both null: no model is loaded now) and its
  // own cancel flag.
  // It must return promptly when the flag is set before it starts (a client that left
  // while queued, or shutdown).
  using Work = std::function<void(runtime::Engine* engine, runtime::Chat* chat, const std::atomic<bool>& cancel)>;
  struct Job {
    Work work;
    std::atomic<bool> cancel{false};
    std::chrono::steady_clock::time_point queued_at;
    // Gives the job up if it has not started yet (a queue timeout); false once it runs.
    bool expire() {
      int queued = kQueued;
      return state.compare_exchange_strong(queued, kExpired);
    }
    bool claim() {  // the worker's side of the same race
      int queued = kQueued;
      return state.compare_exchange_strong(queued, kStarted);
    }
    static constexpr int kQueued = 0, kStarted = 1, kExpired = 2;
    std::atomic<int> state{kQueued};
  };

  // max_queue: jobs that may wait behind the running one.
  ModelWorker(std::string name, std::shared_ptr<ModelAccess> access, size_t max_queue);
  ~ModelWorker();  // shutdown()
  ModelWorker(const ModelWorker&) = delete;
  ModelWorker& operator=(const ModelWorker&) = delete;

  const std::string& name() const { return name_; }
  const ModelAccess& access() const { return *access_; }

  // Queues the work; throws ApiError 429 when max_queue jobs already wait, 503 after
  // shutdown. The returned job's cancel flag may be set from any thread.
  std::shared_ptr<Job> submit(Work work);
  size_t waiting() const;
  bool busy() const { return busy_.load(); }
  // Cancels everything queued and running and joins the thread.
  void shutdown();

 private:
  void run();

  std::string name_;
  std::shared_ptr<ModelAccess> access_;
  int access_subscription_;
  size_t max_queue_;
  std::unique_ptr<runtime::Chat> chat_;  // on the access's current Engine; used under its Lease
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::shared_ptr<Job> running_;
  std::atomic<bool> busy_{false};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vole::server
