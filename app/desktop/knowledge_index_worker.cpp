#include "knowledge_index_worker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <QVariantList>

#include "knowledge/indexer.h"
#include "qt_strings.h"
#include "util/error.h"

namespace vole::desktop {

namespace {

QVariantList issues_list(const std::vector<knowledge::IndexIssue>& issues) {
  QVariantList out;
  for (const auto& i : issues) out.push_back(QVariantMap{{"path", qstr(i.path.string())}, {"reason", qstr(i.reason)}});
  return out;
}

QVariantMap progress_map(const knowledge::IndexProgress& p) {
  return {{"phase", QString::fromLatin1(knowledge::phase_name(p.phase))},
          {"filesFound", qulonglong(p.files_found)},
          {"filesToRead", qulonglong(p.files_to_read)},
          {"filesDone", qulonglong(p.files_done)},
          {"bytesToRead", qulonglong(p.bytes_to_read)},
          {"bytesDone", qulonglong(p.bytes_done)},
          {"chunksDone", qulonglong(p.chunks_done)},
          {"chunksTotal", qulonglong(p.chunks_total)},
          {"chunksEmbedded", qulonglong(p.chunks_embedded)},
          {"chunksPerSecond", p.chunks_per_second},
          {"etaSeconds", p.eta_seconds},
          {"currentFile", qstr(p.current_file)},
          {"issues", qulonglong(p.issues)},
          {"paused", p.paused}};
}

QVariantMap report_map(const knowledge::IndexReport& r) {
  return {{"filesFound", qulonglong(r.files_found)},
          {"filesUnchanged", qulonglong(r.files_unchanged)},
          {"filesIndexed", qulonglong(r.files_indexed)},
          {"filesRenamed", qulonglong(r.files_renamed)},
          {"filesRemoved", qulonglong(r.files_removed)},
          {"filesSkipped", qulonglong(r.files_skipped)},
          {"chunksWritten", qulonglong(r.chunks_written)},
          {"chunksEmbedded", qulonglong(r.chunks_embedded)},
          {"vectorsReused", qulonglong(r.vectors_reused)},
          {"cancelled", r.cancelled},
          {"seconds", r.seconds},
          {"issues", issues_list(r.issues)}};
}

}  // namespace

KnowledgeIndexWorker::KnowledgeIndexWorker(std::filesystem::path database, std::shared_ptr<SharedEmbedder> embedding,
                                           QObject* parent)
    : QObject(parent), database_(std::move(database)), embedding_(std::move(embedding)) {}

KnowledgeIndexWorker::~KnowledgeIndexWorker() = default;

void KnowledgeIndexWorker::pause() {
  std::lock_guard lock(control_mutex_);
  pause_next_ = true;
  if (control_) control_->pause();
}

void KnowledgeIndexWorker::resume() {
  std::lock_guard lock(control_mutex_);
  pause_next_ = false;
  if (control_) control_->resume();
}

void KnowledgeIndexWorker::cancel() {
  std::lock_guard lock(control_mutex_);
  if (control_)
    control_->cancel();
  else
    cancel_next_ = true;  // the run is queued and has not started yet
}

void KnowledgeIndexWorker::lowerPriority() {
  // Linux applies a nice value to the thread named by its id: indexing yields the CPU to the
  // UI and to the chat (whose own CPU work, tokenizing and sampling, stays at normal priority).
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
}

knowledge::KnowledgeBase& KnowledgeIndexWorker::kb() {
  if (!kb_) {
    knowledge::KnowledgeBase::OpenOptions o;
    o.path = database_;
    kb_ = std::make_unique<knowledge::KnowledgeBase>(knowledge::KnowledgeBase::open(o));
  }
  return *kb_;
}

void KnowledgeIndexWorker::index(qint64 collection, const QString& model_dir) {
  auto control = std::make_shared<knowledge::IndexControl>();
  {
    std::lock_guard lock(control_mutex_);
    if (pause_next_) control->pause();
    if (cancel_next_) control->cancel();
    cancel_next_ = false;
    control_ = control;
  }
  Q_EMIT started(collection);
  QVariantMap report;
  QString error;
  try {
    embedding_->load(model_dir);
    std::shared_ptr<LockingEmbedder> embedder = embedding_->embedder();
    knowledge::IndexOptions options;
    options.batch = embedder->preferred_batch();
    knowledge::Indexer indexer(kb(), collection, embedder->token_counter(), embedder.get(), options);
    indexer.set_control(control.get());
    indexer.set_progress(
        [this, collection](const knowledge::IndexProgress& p) { Q_EMIT progress(collection, progress_map(p)); });
    report = report_map(indexer.run());
  } catch (const std::exception& e) {
    error = qstr(e.what());
  }
  {
    std::lock_guard lock(control_mutex_);
    control_.reset();
  }
  Q_EMIT finished(collection, report, error);
}

void KnowledgeIndexWorker::embedTexts(qint64 tag, const QStringList& texts, const QString& model_dir) {
  QList<float> vectors;
  QString model_id, error;
  try {
    embedding_->load(model_dir);
    std::shared_ptr<LockingEmbedder> embedder = embedding_->embedder();
    model_id = qstr(embedder->model_id());
    std::vector<std::string> utf8;
    for (const auto& t : texts) utf8.push_back(t.toStdString());
    std::vector<std::string_view> views(utf8.begin(), utf8.end());
    vectors.resize(static_cast<qsizetype>(views.size() * embedder->dims()));
    embedder->embed(views, knowledge::EmbedKind::Document, std::span<float>(vectors.data(), vectors.size()));
  } catch (const std::exception& e) {
    vectors.clear();
    error = qstr(e.what());
  }
  Q_EMIT textsEmbedded(tag, model_id, vectors, error);
}

void KnowledgeIndexWorker::release() {
  embedding_->release();
  kb_.reset();
}

}  // namespace vole::desktop
