#include "knowledge_controller.h"

#include <QDesktopServices>
#include <QDir>
#include <QSettings>
#include <algorithm>
#include <system_error>

#include "event_log.h"
#include "qt_strings.h"
#include "runtime/device.h"

namespace vole::desktop {

namespace fs = std::filesystem;

namespace {

// Watching costs one inotify watch per path. Folders tell of files added, removed and
// renamed (editors save by renaming); files are watched too, for edits in place. A huge
// tree is still indexed whole, only changes beyond the cap wait for the next start or a
// manual re-index.
constexpr int kMaxWatchedPaths = 4000;

QString local_path(const QUrl& url) { return url.isLocalFile() ? url.toLocalFile() : url.toString(); }

// EmbeddingGemma first (the default model of docs/specs/embeddinggemma.md), then by name.
bool preferred_first(const QString& a, const QString& b) {
  bool ga = a.contains("embeddinggemma", Qt::CaseInsensitive), gb = b.contains("embeddinggemma", Qt::CaseInsensitive);
  if (ga != gb) return ga;
  return a < b;
}

}  // namespace

KnowledgeController::KnowledgeController(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)), embedding_(std::make_shared<SharedEmbedder>(options_.devices)) {
  debounce_.setSingleShot(true);
  debounce_.setInterval(static_cast<int>(options_.debounce.count()));
  connect(&debounce_, &QTimer::timeout, this, [this] {
    auto changed = std::move(changed_);
    changed_.clear();
    for (qint64 id : changed) enqueue(id);
  });
  connect(&watcher_, &QFileSystemWatcher::directoryChanged, this, &KnowledgeController::on_folder_changed);
  connect(&watcher_, &QFileSystemWatcher::fileChanged, this, &KnowledgeController::on_folder_changed);
}

KnowledgeController::~KnowledgeController() { shutdown(); }

QString KnowledgeController::databasePath() const { return qstr(options_.database.string()); }

void KnowledgeController::start() {
  try {
    knowledge::KnowledgeBase::OpenOptions o;
    o.path = options_.database;
    kb_ = std::make_unique<knowledge::KnowledgeBase>(knowledge::KnowledgeBase::open(o));
  } catch (const std::exception& e) {
    error_ = qstr(e.what());
    Q_EMIT statusChanged();
    return;
  }
  worker_ = new KnowledgeIndexWorker(options_.database, embedding_);
  worker_->moveToThread(&thread_);
  thread_.setObjectName("vole-knowledge");
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(worker_, &KnowledgeIndexWorker::started, this,
          [this](qint64 id) { collections_.set_state(id, paused_ ? "paused" : "indexing"); });
  connect(worker_, &KnowledgeIndexWorker::progress, this,
          [this](qint64 id, const QVariantMap& p) { collections_.set_progress(id, p); });
  connect(worker_, &KnowledgeIndexWorker::finished, this, &KnowledgeController::on_finished);
  connect(worker_, &KnowledgeIndexWorker::textsEmbedded, this, &KnowledgeController::textsEmbedded);
  thread_.start(QThread::LowPriority);
  QMetaObject::invokeMethod(worker_, &KnowledgeIndexWorker::lowerPriority, Qt::QueuedConnection);
  refresh();
  watch_folders();
  for (const auto& row : collections_.rows()) enqueue(row.id);
}

void KnowledgeController::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  debounce_.stop();
  queue_.clear();
  if (worker_) {
    if (running_) worker_->cancel();  // also ends a pause
    // Waits for the run to stop (within one block or batch), then frees the model there.
    QMetaObject::invokeMethod(worker_, &KnowledgeIndexWorker::release, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
    worker_ = nullptr;
  }
  kb_.reset();
}

bool KnowledgeController::is_embedding_model(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "modules.json", ec) ||
         fs::is_regular_file(dir / "config_sentence_transformers.json", ec);
}

void KnowledgeController::set_model_folders(const QStringList& folders) {
  QStringList found;
  for (const auto& f : folders)
    if (is_embedding_model(f.toStdString())) found.push_back(f);
  std::sort(found.begin(), found.end(), preferred_first);
  if (!model_chosen_ && !options_.settings_file.isEmpty()) {
    QString saved =
        QSettings(options_.settings_file, QSettings::IniFormat).value("knowledge/embeddingModel").toString();
    if (found.contains(saved)) {
      embedding_model_ = saved;
      model_chosen_ = true;
    }
  }
  QString choice = embedding_model_;
  if (!found.contains(choice) || !model_chosen_) choice = found.isEmpty() ? QString() : found.front();
  if (found == embedding_models_ && choice == embedding_model_) return;
  embedding_models_ = found;
  embedding_model_ = choice;
  Q_EMIT embeddingModelsChanged();
  dispatch();  // collections waiting for a model can start now
}

void KnowledgeController::setEmbeddingModel(const QString& dir) {
  if (dir == embedding_model_ || !embedding_models_.contains(dir)) return;
  embedding_model_ = dir;
  model_chosen_ = true;
  if (!options_.settings_file.isEmpty())
    QSettings(options_.settings_file, QSettings::IniFormat).setValue("knowledge/embeddingModel", dir);
  Q_EMIT embeddingModelsChanged();
  // Another model means other vectors: every collection is embedded again (chunks are kept).
  for (const auto& row : collections_.rows()) enqueue(row.id);
}

template <class F>
QString KnowledgeController::guarded(F&& change) {
  if (!kb_) return error_.isEmpty() ? QStringLiteral("The knowledge index is not open.") : error_;
  try {
    change();
  } catch (const std::exception& e) {
    return qstr(e.what());
  }
  return {};
}

QString KnowledgeController::addCollection(const QString& name, const QUrl& folder) {
  knowledge::CollectionId id = 0;
  QString why = guarded(
      [&] { id = kb_->create_collection(name.trimmed().toStdString(), {local_path(folder).toStdString()}).id; });
  if (!why.isEmpty()) return why;
  log_event("knowledge-collection-added", {{"name", name.trimmed()}, {"folder", local_path(folder)}});
  refresh();
  watch_folders();
  enqueue(id);
  return {};
}

QString KnowledgeController::addFolder(qint64 collection, const QUrl& folder) {
  QString why = guarded([&] { kb_->add_folder(collection, local_path(folder).toStdString()); });
  if (!why.isEmpty()) return why;
  refresh();
  watch_folders();
  enqueue(collection);
  return {};
}

QString KnowledgeController::removeFolder(qint64 collection, const QString& folder) {
  QString why = guarded([&] { kb_->remove_folder(collection, folder.toStdString()); });
  if (!why.isEmpty()) return why;
  refresh();
  watch_folders();
  enqueue(collection);  // its documents leave the index
  return {};
}

QString KnowledgeController::removeCollection(qint64 collection) {
  queue_.erase(std::remove(queue_.begin(), queue_.end(), collection), queue_.end());
  changed_.erase(collection);
  if (running_ == collection) {
    // Removed once its run has stopped (the indexer writes to it until then).
    remove_after_run_.insert(collection);
    worker_->cancel();  // also ends a pause
    collections_.set_state(collection, "removing");
    return {};
  }
  QString why = guarded([&] { kb_->remove_collection(collection); });
  if (!why.isEmpty()) return why;
  refresh();
  watch_folders();
  return {};
}

void KnowledgeController::reindex(qint64 collection) { enqueue(collection); }

QString KnowledgeController::rebuild(qint64 collection) {
  QString why = guarded([&] { kb_->request_rebuild(collection); });
  if (!why.isEmpty()) return why;
  if (running_ == collection) worker_->cancel();  // restarted by enqueue below, with the new epoch
  enqueue(collection);
  return {};
}

void KnowledgeController::pause() {
  if (paused_ || !worker_) return;
  paused_ = true;
  worker_->pause();
  if (running_) collections_.set_state(running_, "paused");
  Q_EMIT runningChanged();
}

void KnowledgeController::resume() {
  if (!paused_ || !worker_) return;
  paused_ = false;
  worker_->resume();
  if (running_) collections_.set_state(running_, "indexing");
  Q_EMIT runningChanged();
}

void KnowledgeController::cancel() {
  if (running_ && worker_) {
    rerun_ = false;
    worker_->cancel();
  }
}

bool KnowledgeController::embed_texts(qint64 tag, const QStringList& texts) {
  if (!worker_ || shut_down_ || embedding_model_.isEmpty() || texts.isEmpty()) return false;
  QMetaObject::invokeMethod(worker_, "embedTexts", Qt::QueuedConnection, Q_ARG(qint64, tag), Q_ARG(QStringList, texts),
                            Q_ARG(QString, embedding_model_));
  return true;
}

void KnowledgeController::openPath(const QString& path) const { QDesktopServices::openUrl(QUrl::fromLocalFile(path)); }

void KnowledgeController::refresh() {
  if (!kb_) return;
  std::vector<KnowledgeCollectionRow> rows;
  try {
    for (const auto& c : kb_->collections()) {
      knowledge::CollectionStatus s = kb_->status(c.id, 200);
      KnowledgeCollectionRow r;
      r.id = c.id;
      r.name = qstr(c.name);
      for (const auto& f : c.folders) r.folders.push_back(qstr(f.string()));
      r.documents = s.documents_indexed;
      r.pending = s.documents_pending;
      r.skipped = s.documents_skipped;
      r.chunks = s.chunks;
      r.chunksWithVectors = s.chunks_with_vectors;
      r.model = qstr(s.model);
      for (const auto& i : s.skipped)
        r.issues.push_back(QVariantMap{{"path", qstr(i.path.string())}, {"reason", qstr(i.reason)}});
      index_bytes_ = s.database_bytes;
      rows.push_back(std::move(r));
    }
    error_.clear();
  } catch (const std::exception& e) {
    error_ = qstr(e.what());
  }
  collections_.set_collections(std::move(rows));
  Q_EMIT statusChanged();
}

void KnowledgeController::enqueue(qint64 collection) {
  if (shut_down_ || !collections_.find(collection)) return;
  if (collection == running_) {
    rerun_ = true;
  } else if (std::find(queue_.begin(), queue_.end(), collection) == queue_.end()) {
    queue_.push_back(collection);
    collections_.set_state(collection, embedding_model_.isEmpty() ? "waiting" : "queued");
  }
  dispatch();
}

void KnowledgeController::dispatch() {
  if (!worker_ || running_ || queue_.empty()) return;
  if (embedding_model_.isEmpty()) {
    for (qint64 id : queue_) collections_.set_state(id, "waiting");
    return;
  }
  running_ = queue_.front();
  queue_.pop_front();
  rerun_ = false;
  collections_.set_state(running_, paused_ ? "paused" : "indexing");
  collections_.set_progress(running_, {});
  QMetaObject::invokeMethod(worker_, "index", Qt::QueuedConnection, Q_ARG(qint64, running_),
                            Q_ARG(QString, embedding_model_));
  Q_EMIT runningChanged();
}

void KnowledgeController::on_finished(qint64 collection, const QVariantMap& report, const QString& error) {
  running_ = 0;
  collections_.set_state(collection, "idle");
  collections_.set_result(collection, report, error);
  log_event("knowledge-indexed", {{"collection", collection},
                                  {"files", report.value("filesFound")},
                                  {"chunks", report.value("chunksWritten")},
                                  {"cancelled", report.value("cancelled")},
                                  {"error", error}});
  if (remove_after_run_.erase(collection)) guarded([&] { kb_->remove_collection(collection); });
  refresh();
  watch_folders();  // new subfolders
  if (rerun_) enqueue(collection);
  rerun_ = false;
  Q_EMIT indexed(collection, report, error);
  Q_EMIT runningChanged();
  dispatch();
}

void KnowledgeController::watch_folders() {
  QStringList wanted;
  for (const auto& row : collections_.rows())
    for (const auto& folder : row.folders) {
      std::error_code ec;
      if (!fs::is_directory(folder.toStdString(), ec)) continue;
      wanted.push_back(folder);
      for (fs::recursive_directory_iterator it(folder.toStdString(), fs::directory_options::skip_permission_denied, ec),
           end;
           !ec && it != end && wanted.size() < kMaxWatchedPaths; it.increment(ec)) {
        if (it->path().filename().string().starts_with('.')) {
          it.disable_recursion_pending();  // hidden entries are not indexed either
          continue;
        }
        if (it->is_directory(ec) || it->is_regular_file(ec)) wanted.push_back(qstr(it->path().string()));
      }
    }
  wanted.removeDuplicates();
  QStringList current = watcher_.directories() + watcher_.files();
  QStringList gone, added;
  for (const auto& d : current)
    if (!wanted.contains(d)) gone.push_back(d);
  for (const auto& d : wanted)
    if (!current.contains(d)) added.push_back(d);
  if (!gone.isEmpty()) watcher_.removePaths(gone);
  if (!added.isEmpty()) watcher_.addPaths(added);
}

void KnowledgeController::on_folder_changed(const QString& path) {
  const QString dir = QDir::cleanPath(path);
  for (const auto& row : collections_.rows())
    for (const auto& folder : row.folders) {
      const QString root = QDir::cleanPath(folder);
      if (dir == root || dir.startsWith(root + '/')) changed_.insert(row.id);
    }
  if (!changed_.empty()) debounce_.start();  // restarted by every change: runs once it is quiet
}

}  // namespace vole::desktop
