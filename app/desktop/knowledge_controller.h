#pragma once
// The Knowledge page's controller (`App.knowledge`): collections and their folders in the
// knowledge index (knowledge::KnowledgeBase, its own SQLite file beside the conversations),
// indexing in the background (KnowledgeIndexWorker on a low-priority thread, one run at a
// time, queued per collection), and the folders watched while the app runs: a change
// (QFileSystemWatcher on each folder and its subfolders) queues an incremental run of the
// collections that hold it once the folder has been quiet for `debounce`.
//
// Indexing needs an embedding model: a folder among the installed models that has a
// sentence-transformers head (modules.json or config_sentence_transformers.json).
// EmbeddingGemma is preferred; the user may pick another (remembered in the settings file,
// `knowledge/embeddingModel`). Until one is installed,
// collections can be created and wait ("waiting").
#include <QFileSystemWatcher>
#include <QObject>
#include <QStringList>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <set>

#include "knowledge_collections_model.h"
#include "knowledge_index_worker.h"

namespace vole::desktop {

class KnowledgeController : public QObject {
  Q_OBJECT
  Q_PROPERTY(vole::desktop::KnowledgeCollectionsModel* collections READ collections CONSTANT)
  Q_PROPERTY(QStringList embeddingModels READ embeddingModels NOTIFY embeddingModelsChanged)
  Q_PROPERTY(QString embeddingModel READ embeddingModel WRITE setEmbeddingModel NOTIFY embeddingModelsChanged)
  Q_PROPERTY(bool indexing READ indexing NOTIFY runningChanged)
  Q_PROPERTY(bool paused READ paused NOTIFY runningChanged)
  Q_PROPERTY(qulonglong indexBytes READ indexBytes NOTIFY statusChanged)  // the index file with its WAL
  Q_PROPERTY(QString databasePath READ databasePath CONSTANT)
  Q_PROPERTY(QString error READ error NOTIFY statusChanged)  // the index could not be opened

 public:
  struct Options {
    std::filesystem::path database;          // the knowledge index file
    SharedEmbedder::DeviceProvider devices;  // called on the indexing thread
    std::chrono::milliseconds debounce{1500};
    QString settings_file;  // INI file remembering the chosen embedding model ("" = not remembered)
  };
  explicit KnowledgeController(Options options, QObject* parent = nullptr);
  ~KnowledgeController() override;

  // Opens the index, lists the collections, watches their folders and queues a run of each
  // (changes made while the app was closed are picked up; unchanged files are not read).
  void start();
  // Cancels the running run (what it committed stays) and ends the indexing thread.
  void shutdown();

  // The embedding models among these folders (candidates for indexing).
  void set_model_folders(const QStringList& folders);
  static bool is_embedding_model(const std::filesystem::path& dir);

  KnowledgeCollectionsModel* collections() { return &collections_; }
  QStringList embeddingModels() const { return embedding_models_; }
  QString embeddingModel() const { return embedding_model_; }
  void setEmbeddingModel(const QString& dir);
  bool indexing() const { return running_ != 0; }
  bool paused() const { return paused_; }
  qulonglong indexBytes() const { return index_bytes_; }
  QString databasePath() const;
  QString error() const { return error_; }

  // Each returns "" or why not (one line for the user); nothing changes on a refusal.
  Q_INVOKABLE QString addCollection(const QString& name, const QUrl& folder);
  Q_INVOKABLE QString addFolder(qint64 collection, const QUrl& folder);
  Q_INVOKABLE QString removeFolder(qint64 collection, const QString& folder);
  Q_INVOKABLE QString removeCollection(qint64 collection);
  Q_INVOKABLE void reindex(qint64 collection);     // an incremental run
  Q_INVOKABLE QString rebuild(qint64 collection);  // re-chunk (and re-embed what changed) everything
  Q_INVOKABLE void pause();
  Q_INVOKABLE void resume();
  Q_INVOKABLE void cancel();                             // the running run; queued ones stay queued
  Q_INVOKABLE void openPath(const QString& path) const;  // in the desktop's file manager or viewer

  // For other parts of the app that read the index on the UI thread (chat retrieval).
  knowledge::KnowledgeBase* knowledge_base() { return kb_.get(); }
  // The embedding model once the indexing thread has loaded it (null before): for query
  // vectors on the UI thread (waits at most one indexing batch).
  std::shared_ptr<LockingEmbedder> embedder() const { return embedding_->embedder(); }
  // Queues document vectors for `texts` on the indexing thread (after the job in progress);
  // false when there is no embedding model. Answered by textsEmbedded.
  bool embed_texts(qint64 tag, const QStringList& texts);

 Q_SIGNALS:
  void embeddingModelsChanged();
  void runningChanged();
  void statusChanged();
  // A run ended (tests and the event log): report as KnowledgeIndexWorker::finished.
  void indexed(qint64 collection, const QVariantMap& report, const QString& error);
  void textsEmbedded(qint64 tag, const QString& model_id, const QList<float>& vectors, const QString& error);

 private:
  void refresh();  // the rows from the database
  void enqueue(qint64 collection);
  void dispatch();
  void watch_folders();
  void on_folder_changed(const QString& path);
  void on_finished(qint64 collection, const QVariantMap& report, const QString& error);
  template <class F>
  QString guarded(F&& change);  // runs a database change; "" or its error

  Options options_;
  std::shared_ptr<SharedEmbedder> embedding_;
  KnowledgeCollectionsModel collections_;
  std::unique_ptr<knowledge::KnowledgeBase> kb_;  // the UI thread's connection
  QString error_;
  qulonglong index_bytes_ = 0;
  QStringList embedding_models_;
  QString embedding_model_;
  bool model_chosen_ = false;  // by the user (else the preferred one follows the list)

  QThread thread_;
  KnowledgeIndexWorker* worker_ = nullptr;  // lives on thread_
  std::deque<qint64> queue_;
  qint64 running_ = 0;
  bool rerun_ = false;  // the running collection changed meanwhile: run it again after
  std::set<qint64> remove_after_run_;
  bool paused_ = false;
  bool shut_down_ = false;

  QFileSystemWatcher watcher_;
  QTimer debounce_;
  std::set<qint64> changed_;  // collections with changes waiting for the debounce
};

}  // namespace vole::desktop
