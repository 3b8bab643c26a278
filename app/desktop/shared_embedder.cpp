#include "shared_embedder.h"

#include "runtime/embedding_model.h"
#include "runtime/model_embedder.h"

namespace vole::desktop {

struct LoadedEmbedding {
  QString dir;
  std::unique_ptr<runtime::EmbeddingModel> model;
  std::unique_ptr<runtime::ModelEmbedder> embedder;  // its id, dims and counter never change
  std::mutex mutex;                                  // one embed call at a time
  ~LoadedEmbedding() {
    embedder.reset();
    model.reset();
  }
};

LockingEmbedder::LockingEmbedder(std::shared_ptr<LoadedEmbedding> loaded) : loaded_(std::move(loaded)) {}
std::string LockingEmbedder::model_id() const { return loaded_->embedder->model_id(); }
size_t LockingEmbedder::dims() const { return loaded_->embedder->dims(); }
// Small batches: whoever waits for the lock (a question in the chat) waits for one batch.
size_t LockingEmbedder::preferred_batch() const { return 16; }
const knowledge::TokenCounter& LockingEmbedder::token_counter() const { return loaded_->embedder->token_counter(); }
QString LockingEmbedder::dir() const { return loaded_->dir; }

void LockingEmbedder::embed(std::span<const std::string_view> texts, knowledge::EmbedKind kind, std::span<float> out) {
  std::lock_guard lock(loaded_->mutex);
  loaded_->embedder->embed(texts, kind, out);
}

SharedEmbedder::SharedEmbedder(DeviceProvider devices) : devices_(std::move(devices)) {}
SharedEmbedder::~SharedEmbedder() = default;

void SharedEmbedder::load(const QString& dir) {
  {
    std::lock_guard lock(mutex_);
    if (loaded_ && loaded_->dir == dir) return;
  }
  auto fresh = std::make_shared<LoadedEmbedding>();
  fresh->dir = dir;
  fresh->model = std::make_unique<runtime::EmbeddingModel>(devices_(), dir.toStdString());
  fresh->embedder = std::make_unique<runtime::ModelEmbedder>(*fresh->model);
  std::lock_guard lock(mutex_);
  loaded_ = std::move(fresh);
}

void SharedEmbedder::release() {
  std::shared_ptr<LoadedEmbedding> old;
  {
    std::lock_guard lock(mutex_);
    old = std::move(loaded_);
  }
}  // freed here unless another thread still holds it

std::shared_ptr<LockingEmbedder> SharedEmbedder::embedder() const {
  std::lock_guard lock(mutex_);
  return loaded_ ? std::make_shared<LockingEmbedder>(loaded_) : nullptr;
}

}  // namespace vole::desktop
