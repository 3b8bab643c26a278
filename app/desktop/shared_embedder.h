#pragma once
// The app's one embedding model, shared by threads. The indexing thread loads it (on the
// chat model's device) and embeds documents batch by batch; the UI thread embeds a question
// or a search with the same model between two batches. Each embed call takes the model's
// lock (EmbeddingModel is one thread at a time), so another thread waits at most one batch.
// A model is never loaded from the UI thread (loading asks the engine thread for its
// device, which may be busy with an answer): until the indexer has loaded one, embedder()
// is null and callers fall back to keyword search.
#include <QString>
#include <functional>
#include <memory>
#include <mutex>

#include "knowledge/embedder.h"
#include "knowledge/token_counter.h"

namespace vole::runtime {
class Device;
}

namespace vole::desktop {

struct LoadedEmbedding;

// The loaded model as a knowledge::Embedder whose calls take the model's lock. Keeps the
// model alive while held, even if another one is loaded meanwhile.
class LockingEmbedder final : public knowledge::Embedder {
 public:
  explicit LockingEmbedder(std::shared_ptr<LoadedEmbedding> loaded);
  std::string model_id() const override;
  size_t dims() const override;
  size_t preferred_batch() const override;
  void embed(std::span<const std::string_view> texts, knowledge::EmbedKind kind, std::span<float> out) override;
  const knowledge::TokenCounter& token_counter() const;  // chunk sizes in the model's tokens
  QString dir() const;

 private:
  std::shared_ptr<LoadedEmbedding> loaded_;
};

class SharedEmbedder {
 public:
  using DeviceProvider = std::function<std::shared_ptr<runtime::Device>()>;
  explicit SharedEmbedder(DeviceProvider devices);
  ~SharedEmbedder();

  // The indexing thread: makes the model in `dir` the loaded one (loading it unless it is);
  // throws what loading throws, leaving the previous model loaded.
  void load(const QString& dir);
  void release();
  // Any thread: the loaded model, or null.
  std::shared_ptr<LockingEmbedder> embedder() const;

 private:
  DeviceProvider devices_;
  mutable std::mutex mutex_;
  std::shared_ptr<LoadedEmbedding> loaded_;
};

}  // namespace vole::desktop
