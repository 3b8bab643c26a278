#include "server/model_access.h"

#include "runtime/engine.h"

namespace vole::server {

namespace {
ModelAccess::Info describe(runtime::Engine* engine) {
  if (!engine) return {};
  return {true, engine->gpu().info().name, engine->context_length()};
}
}  // namespace

ModelAccess::ModelAccess(runtime::Engine& engine) : engine_(&engine), info_(describe(&engine)) {}

ModelAccess::Lease::Lease(Lease&& other) noexcept : owner_(other.owner_), engine_(other.engine_) {
  other.owner_ = nullptr;
}

ModelAccess::Lease::~Lease() {
  if (!owner_) return;
  std::unique_lock lock(owner_->mutex_);
  owner_->release(lock);
}

void ModelAccess::wait_turn(std::unique_lock<std::mutex>& lock) {
  uint64_t ticket = next_ticket_++;
  turn_.wait(lock, [&] { return serving_ == ticket; });
}

void ModelAccess::release(std::unique_lock<std::mutex>&) {
  holder_cancel_ = nullptr;
  ++serving_;
  turn_.notify_all();
}

ModelAccess::Lease ModelAccess::acquire(std::atomic<bool>* cancel) {
  std::unique_lock lock(mutex_);
  wait_turn(lock);
  if (pending_sets_ > 0 && cancel) *cancel = true;  // this model is on its way out
  holder_cancel_ = cancel;
  return Lease(this, engine_);
}

void ModelAccess::set(runtime::Engine* engine) {
  std::unique_lock lock(mutex_);
  if (holder_cancel_) *holder_cancel_ = true;  // the running generation ends at its next step
  info_.loaded = false;                        // /health stops advertising the old model at once
  ++pending_sets_;
  wait_turn(lock);
  --pending_sets_;
  // Nobody else holds the model now: users drop their state on the old Engine.
  for (auto& [id, fn] : releases_) fn();
  engine_ = engine;
  info_ = describe(engine);
  release(lock);
}

int ModelAccess::subscribe(std::function<void()> release_fn) {
  std::lock_guard lock(mutex_);
  releases_[next_id_] = std::move(release_fn);
  return next_id_++;
}

void ModelAccess::unsubscribe(int id) {
  std::lock_guard lock(mutex_);
  releases_.erase(id);
}

ModelAccess::Info ModelAccess::info() const {
  std::lock_guard lock(mutex_);
  return info_;
}

}  // namespace vole::server
