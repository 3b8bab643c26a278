#pragma once
// Shared use of one loaded model by several users, each with its own runtime::Chat:
// the API server's worker and the desktop app's own chats take turns on the same
// Engine, one generation at a time, in the order they asked (a ticket lock, so a busy
// API cannot starve the app's chat or the other way round). The model may be replaced
// or unloaded while it is shared: `set` cancels the generation that holds it, waits for
// it to end, has every user drop the state it keeps on the old Engine (their Chats'
// sequences), and only then returns, so the caller may destroy the old Engine.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace vole::runtime {
class Engine;
}

namespace vole::server {

class ModelAccess {
 public:
  // What /health reports about the model, readable without waiting for a generation.
  struct Info {
    bool loaded = false;
    std::string device;
    int64_t context_length = 0;
  };

  ModelAccess() = default;                        // nothing loaded yet (see set)
  explicit ModelAccess(runtime::Engine& engine);  // a model that stays for good
  ModelAccess(const ModelAccess&) = delete;
  ModelAccess& operator=(const ModelAccess&) = delete;

  // The right to use the model for one generation; released when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    runtime::Engine* engine() const { return engine_; }  // null: no model is loaded

   private:
    friend class ModelAccess;
    Lease(ModelAccess* owner, runtime::Engine* engine) : owner_(owner), engine_(engine) {}
    ModelAccess* owner_;
    runtime::Engine* engine_;
  };

  // Waits for the users ahead, then holds the model. `cancel` (optional) is set when
  // the model is replaced meanwhile, so the holder's generation ends at its next step.
  Lease acquire(std::atomic<bool>* cancel = nullptr);

  // Replaces the model (null: unload). Cancels the running generation, waits for it,
  // and calls every user's release function before it returns. Not to be called while
  // the calling thread holds a Lease.
  void set(runtime::Engine* engine);

  // A user's function that drops whatever it keeps on the current Engine; it runs under
  // the lock (no generation of that user is running then). Returns an id for unsubscribe.
  int subscribe(std::function<void()> release);
  void unsubscribe(int id);

  Info info() const;

 private:
  void release(std::unique_lock<std::mutex>& lock);
  void wait_turn(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable turn_;
  uint64_t next_ticket_ = 0, serving_ = 0;  // a ticket lock: first come, first served
  std::atomic<bool>* holder_cancel_ = nullptr;
  int pending_sets_ = 0;  // replacements waiting: users served before them are cancelled at once
  runtime::Engine* engine_ = nullptr;
  Info info_;
  std::map<int, std::function<void()>> releases_;
  int next_id_ = 0;
};

}  // namespace vole::server
