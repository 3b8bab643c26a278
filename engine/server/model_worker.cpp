#include "server/model_worker.h"

#include <algorithm>

#include "server/api_error.h"

namespace vole::server {

ModelWorker::ModelWorker(std::string name, std::shared_ptr<ModelAccess> access, size_t max_queue)
    : name_(std::move(name)), access_(std::move(access)), max_queue_(max_queue) {
  // The Chat's sequence lives on the Engine: dropped before that Engine may go.
  access_subscription_ = access_->subscribe([this] { chat_.reset(); });
  thread_ = std::thread([this] { run(); });
}

ModelWorker::~ModelWorker() {
  shutdown();
  access_->unsubscribe(access_subscription_);
  chat_.reset();
}

std::shared_ptr<ModelWorker::Job> ModelWorker::submit(Work work) {
  auto job = std::make_shared<Job>();
  job->work = std::move(work);
  job->queued_at = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw ApiError(503, "server_error", "the server is shutting down");
    // Waiting jobs whose clients already left do not hold a place (the worker skips them).
    size_t live = std::count_if(queue_.begin(), queue_.end(), [](const auto& j) { return !j->cancel.load(); });
    if (live + (running_ ? 1 : 0) > max_queue_) throw queue_full();
    queue_.push_back(job);
  }
  wake_.notify_one();
  return job;
}

size_t ModelWorker::waiting() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void ModelWorker::run() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      if (stopping_ || !job->claim()) job->cancel = true;  // expired jobs only report that they ended
      running_ = job;
      busy_ = true;
    }
    {
      auto lease = access_->acquire(&job->cancel);
      try {
        if (lease.engine() && !chat_) chat_ = std::make_unique<runtime::Chat>(*lease.engine());
      } catch (const std::exception&) {
        chat_.reset();  // no room for a sequence now: answered as if no model were loaded
      }
      job->work(chat_ ? lease.engine() : nullptr, chat_.get(), job->cancel);
    }
    {
      std::lock_guard lock(mutex_);
      running_.reset();
      busy_ = false;
    }
  }
}

void ModelWorker::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    for (auto& j : queue_) j->cancel = true;
    if (running_) running_->cancel = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace vole::server
