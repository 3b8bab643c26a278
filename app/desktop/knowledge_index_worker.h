#pragma once
// The knowledge base's background indexer: lives on its own low-priority thread
// ("vole-knowledge") with its own connection to the knowledge index. It loads the app's
// embedding model (SharedEmbedder) on the device the chat model uses (one Vulkan device;
// the Device serialises GPU work, so an answer and an embedding batch take turns) and also
// embeds conversation messages for the conversation memory. One job at a time; the UI
// queues jobs through the slots and hears back through queued signals. Pause, resume and
// cancel are thread-safe and take effect within one block or batch (knowledge::IndexControl).
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "knowledge/index_control.h"
#include "knowledge/knowledge_base.h"
#include "shared_embedder.h"

namespace vole::desktop {

class KnowledgeIndexWorker : public QObject {
  Q_OBJECT

 public:
  KnowledgeIndexWorker(std::filesystem::path database, std::shared_ptr<SharedEmbedder> embedding,
                       QObject* parent = nullptr);
  ~KnowledgeIndexWorker() override;

  // ---- thread-safe ----
  void pause();
  void resume();
  void cancel();  // the run in progress, or the one queued next if none has started

 public Q_SLOTS:
  // Lowers the calling thread's scheduling priority (call first, queued, on the worker's thread).
  void lowerPriority();
  // One indexing run of `collection` with the embedding model in `model_dir`.
  void index(qint64 collection, const QString& model_dir);
  // Document vectors for `texts` (the conversation memory's messages), with the model in
  // `model_dir`; answered by textsEmbedded with the same tag.
  void embedTexts(qint64 tag, const QStringList& texts, const QString& model_dir);
  // Frees the model and the connection (before the thread ends).
  void release();

 Q_SIGNALS:
  void started(qint64 collection);
  void progress(qint64 collection, const QVariantMap& progress);
  // report: files/chunks counts, seconds, cancelled, issues [{path, reason}]; error: "" or why
  // the run failed (the index stays as of its last commit).
  void finished(qint64 collection, const QVariantMap& report, const QString& error);
  // vectors: texts.size() rows of the model's dims; error: "" or why there are none.
  void textsEmbedded(qint64 tag, const QString& model_id, const QList<float>& vectors, const QString& error);

 private:
  knowledge::KnowledgeBase& kb();

  std::filesystem::path database_;
  std::shared_ptr<SharedEmbedder> embedding_;
  std::unique_ptr<knowledge::KnowledgeBase> kb_;

  std::mutex control_mutex_;
  std::shared_ptr<knowledge::IndexControl> control_;  // the running run's
  bool pause_next_ = false;                           // paused while idle: the next run starts paused
  bool cancel_next_ = false;                          // cancelled before the queued run began
};

}  // namespace vole::desktop
