#pragma once
// The knowledge base's background indexer: lives on its own low-priority thread
// ("vole-knowledge") with its own connection to the knowledge index and the embedding
// model, which it creates on the device the chat model uses (the provider hands it out, so
// there is one Vulkan device; the Device serialises GPU work, so an answer and an
// embedding batch take turns). One run at a time; the UI queues runs through the `index`
// slot and hears back through queued signals. Pause, resume and cancel are thread-safe and
// take effect within one block or batch (knowledge::IndexControl).
#include <QObject>
#include <QString>
#include <QVariantMap>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "knowledge/index_control.h"
#include "knowledge/knowledge_base.h"

namespace vole::runtime {
class Device;
class EmbeddingModel;
class ModelEmbedder;
}  // namespace vole::runtime

namespace vole::desktop {

class KnowledgeIndexWorker : public QObject {
  Q_OBJECT

 public:
  // Called on the worker's thread when a model must be loaded.
  using DeviceProvider = std::function<std::shared_ptr<runtime::Device>()>;
  KnowledgeIndexWorker(std::filesystem::path database, DeviceProvider devices, QObject* parent = nullptr);
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
  // Frees the model and the connection (before the thread ends).
  void release();

 Q_SIGNALS:
  void started(qint64 collection);
  void progress(qint64 collection, const QVariantMap& progress);
  // report: files/chunks counts, seconds, cancelled, issues [{path, reason}]; error: "" or why
  // the run failed (the index stays as of its last commit).
  void finished(qint64 collection, const QVariantMap& report, const QString& error);

 private:
  runtime::ModelEmbedder& embedder_for(const QString& model_dir);
  knowledge::KnowledgeBase& kb();

  std::filesystem::path database_;
  DeviceProvider devices_;
  std::unique_ptr<knowledge::KnowledgeBase> kb_;
  QString model_dir_;
  std::unique_ptr<runtime::EmbeddingModel> model_;
  std::unique_ptr<runtime::ModelEmbedder> embedder_;

  std::mutex control_mutex_;
  std::shared_ptr<knowledge::IndexControl> control_;  // the running run's
  bool pause_next_ = false;                           // paused while idle: the next run starts paused
  bool cancel_next_ = false;                          // cancelled before the queued run began
};

}  // namespace vole::desktop
