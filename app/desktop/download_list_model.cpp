#include "download_list_model.h"

#include <QLocale>
#include <cmath>

#include "installed_models_model.h"
#include "qt_strings.h"

namespace vole::desktop {

namespace {
QString size(uint64_t bytes) { return human_size(static_cast<qint64>(bytes)); }

bool active(const DownloadRow& r) {
  if (!r.job) return false;
  auto s = r.info.state;
  return s == hub::JobState::Queued || s == hub::JobState::Planning || s == hub::JobState::Downloading;
}

QString state_name(const DownloadRow& r) {
  if (!r.job && r.earlier_run) return QStringLiteral("unfinished");
  return QString::fromLatin1(hub::job_state_name(r.info.state));
}

QString state_text(const DownloadRow& r) {
  if (!r.job && r.earlier_run) return QObject::tr("Unfinished: stopped when Vole last closed");
  switch (r.info.state) {
    case hub::JobState::Queued:
      return QObject::tr("Waiting to start");
    case hub::JobState::Planning:
      return QObject::tr("Checking what to download…");
    case hub::JobState::Downloading:
      return QObject::tr("Downloading");
    case hub::JobState::Paused:
      return QObject::tr("Paused");
    case hub::JobState::Completed:
      return QObject::tr("Downloaded");
    case hub::JobState::Failed:
      return QObject::tr("Failed");
    case hub::JobState::Cancelled:
      return QObject::tr("Cancelled");
  }
  return {};
}

QString features_text(hub::FeatureSet f) {
  if (f.has(hub::kVisionFeature)) return QObject::tr("text and vision");
  return QObject::tr("text only");
}

QString file_state(hub::FileProgress::State s) {
  switch (s) {
    case hub::FileProgress::State::Waiting:
      return QStringLiteral("waiting");
    case hub::FileProgress::State::Active:
      return QStringLiteral("active");
    case hub::FileProgress::State::Done:
      return QStringLiteral("done");
    case hub::FileProgress::State::Kept:
      return QStringLiteral("kept");
  }
  return {};
}

QVariantList files_of(const hub::JobInfo& info) {
  QVariantList out;
  for (const auto& f : info.files) {
    double progress = f.bytes_total ? static_cast<double>(f.bytes_done) / static_cast<double>(f.bytes_total) : 1.0;
    QString text = f.state == hub::FileProgress::State::Kept ? QObject::tr("already here")
                   : f.bytes_total == 0                      ? size(f.local_size)
                                        : QObject::tr("%1 of %2").arg(size(f.bytes_done), size(f.bytes_total));
    out.append(QVariantMap{{"path", qstr(f.path)},
                           {"state", file_state(f.state)},
                           {"progress", std::min(1.0, progress)},
                           {"sizeText", text},
                           {"selective", f.kind == hub::FileKind::Subset}});
  }
  return out;
}
}  // namespace

QString speed_text(double bps) {
  if (!(bps > 0)) return {};
  return QObject::tr("%1/s").arg(human_size(static_cast<qint64>(std::llround(bps))));
}

QString eta_text(std::optional<double> seconds) {
  if (!seconds || !std::isfinite(*seconds) || *seconds < 0) return {};
  long s = std::lround(*seconds);
  if (s < 60) return QObject::tr("about %1 s left").arg(std::max(1L, s));
  long m = (s + 30) / 60;
  if (m < 60) return QObject::tr("about %1 min left").arg(m);
  return QObject::tr("about %1 h %2 min left").arg(m / 60).arg(m % 60);
}

QString failure_hint(hub::Failure f) {
  switch (f) {
    case hub::Failure::Gated:
    case hub::Failure::Unauthorized:
      return QObject::tr(
          "This repo needs access: accept its licence on huggingface.co and add a Hugging Face "
          "token in Settings.");
    case hub::Failure::Network:
      return QObject::tr("Check the internet connection, then retry: it continues where it stopped.");
    case hub::Failure::Tls:
      return QObject::tr("The server's certificate could not be verified, so Vole did not download from it.");
    case hub::Failure::NotFound:
      return QObject::tr("Check the repo id: the hub has no such model or file.");
    case hub::Failure::Integrity:
      return QObject::tr(
          "The data did not match what the hub lists; the bad part was deleted. Retry to fetch it again.");
    case hub::Failure::NoSpace:
      return QObject::tr("Make room: delete a model or clean up leftovers in Storage, or raise the quota in Settings.");
    case hub::Failure::Io:
      return QObject::tr("Vole could not write to the models folder: check its permissions.");
    default:
      return {};
  }
}

QString failure_action(hub::Failure f) {
  switch (f) {
    case hub::Failure::Gated:
    case hub::Failure::Unauthorized:
      return QStringLiteral("settings");
    case hub::Failure::NoSpace:
      return QStringLiteral("storage");
    case hub::Failure::Network:
    case hub::Failure::Integrity:
    case hub::Failure::Io:
      return QStringLiteral("retry");
    default:
      return {};
  }
}

DownloadListModel::DownloadListModel(QObject* parent) : QAbstractListModel(parent) {}

int DownloadListModel::activeCount() const {
  return static_cast<int>(std::count_if(rows_.begin(), rows_.end(), active));
}

int DownloadListModel::row_of_key(int key) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].key == key) return static_cast<int>(i);
  return -1;
}

const DownloadRow* DownloadListModel::find_key(int key) const {
  int row = row_of_key(key);
  return row < 0 ? nullptr : &rows_[row];
}

const DownloadRow* DownloadListModel::find_job(hub::JobId job) const {
  for (const auto& r : rows_)
    if (r.job == job) return &r;
  return nullptr;
}

void DownloadListModel::changed(int row) {
  QModelIndex at = index(row);
  Q_EMIT dataChanged(at, at);
  update_active();
}

void DownloadListModel::update_active() {
  int now = activeCount();
  if (now == last_active_) return;
  last_active_ = now;
  Q_EMIT activeCountChanged();
}

int DownloadListModel::attach(hub::JobId job, const hub::DownloadRequest& request, const QString& display_name) {
  int row = -1;
  for (size_t i = 0; i < rows_.size() && row < 0; ++i)
    if (rows_[i].job == job) row = static_cast<int>(i);
  for (size_t i = 0; i < rows_.size() && row < 0; ++i)
    if (!rows_[i].job && rows_[i].request.repo == request.repo) row = static_cast<int>(i);
  if (row < 0) {
    DownloadRow r;
    r.key = next_key_++;
    r.info.repo = request.repo;
    r.info.revision = request.revision;
    r.info.features = request.features;
    beginInsertRows({}, count(), count());
    rows_.push_back(std::move(r));
    endInsertRows();
    Q_EMIT countChanged();
    row = count() - 1;
  }
  DownloadRow& r = rows_[row];
  if (r.job != job) {
    r.job = job;
    r.info.id = job;
    r.info.state = hub::JobState::Queued;
    r.info.failure = hub::Failure::None;
    r.info.error.clear();
  }
  r.request = request;
  r.display_name = display_name;
  r.earlier_run = false;
  changed(row);
  return r.key;
}

int DownloadListModel::add_unfinished(const hub::PendingDownload& pending, const QString& display_name) {
  for (const auto& r : rows_)
    if (r.request.repo == pending.repo) return r.key;
  DownloadRow r;
  r.key = next_key_++;
  r.request = {pending.repo, pending.revision, pending.features};
  r.info.repo = pending.repo;
  r.info.revision = pending.revision;
  r.info.commit = pending.commit;
  r.info.features = pending.features;
  r.info.state = hub::JobState::Paused;
  r.display_name = display_name;
  r.earlier_run = true;
  beginInsertRows({}, count(), count());
  rows_.push_back(std::move(r));
  endInsertRows();
  Q_EMIT countChanged();
  return rows_.back().key;
}

bool DownloadListModel::apply(const hub::JobInfo& info) {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].job != info.id) continue;
    rows_[i].info = info;
    changed(static_cast<int>(i));
    return true;
  }
  return false;
}

void DownloadListModel::detach_all() {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (!rows_[i].job) continue;
    rows_[i].job.reset();
    auto& s = rows_[i].info.state;
    if (s == hub::JobState::Queued || s == hub::JobState::Planning || s == hub::JobState::Downloading)
      s = hub::JobState::Paused;
    changed(static_cast<int>(i));
  }
}

void DownloadListModel::remove(int key) {
  int row = row_of_key(key);
  if (row < 0) return;
  beginRemoveRows({}, row, row);
  rows_.erase(rows_.begin() + row);
  endRemoveRows();
  Q_EMIT countChanged();
  update_active();
}

std::set<std::string> DownloadListModel::unfinished_repos() const {
  std::set<std::string> out;
  for (const auto& r : rows_)
    if (r.info.state != hub::JobState::Completed && r.info.state != hub::JobState::Cancelled)
      out.insert(r.request.repo);
  return out;
}

int DownloadListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant DownloadListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const DownloadRow& r = rows_[index.row()];
  const hub::JobInfo& j = r.info;
  const hub::JobState s = j.state;
  const bool attached = r.job.has_value();
  switch (role) {
    case KeyRole:
      return r.key;
    case RepoRole:
      return qstr(r.request.repo);
    case Qt::DisplayRole:
    case DisplayNameRole:
      return r.display_name;
    case StateRole:
      return state_name(r);
    case StateTextRole:
      return state_text(r);
    case ProgressRole:
      if (s == hub::JobState::Completed) return 1.0;
      if (j.bytes_total == 0) return active(r) ? -1.0 : 0.0;  // sweeping only while it works out the size
      return std::min(1.0, static_cast<double>(j.bytes_done) / static_cast<double>(j.bytes_total));
    case BytesTextRole:
      if (j.bytes_total == 0) return QString();
      if (s == hub::JobState::Completed) return tr("%1 downloaded").arg(size(j.bytes_total));
      return tr("%1 of %2 (%3%)")
          .arg(size(j.bytes_done), size(j.bytes_total))
          .arg(std::floor(100.0 * static_cast<double>(std::min(j.bytes_done, j.bytes_total)) /
                          static_cast<double>(j.bytes_total)));
    case SpeedTextRole:
      return s == hub::JobState::Downloading ? speed_text(j.bytes_per_second) : QString();
    case EtaTextRole:
      return s == hub::JobState::Downloading ? eta_text(j.eta_seconds) : QString();
    case FeaturesTextRole:
      return features_text(j.features);
    case ErrorRole:
      return s == hub::JobState::Failed ? qstr(j.error) : QString();
    case FailureRole:
      return s == hub::JobState::Failed ? QString::fromLatin1(hub::failure_name(j.failure)) : QString();
    case HintRole:
      return s == hub::JobState::Failed ? failure_hint(j.failure) : QString();
    case HintActionRole:
      return s == hub::JobState::Failed ? failure_action(j.failure) : QString();
    case FilesRole:
      return files_of(j);
    case SavedTextRole:
      if (s != hub::JobState::Completed || j.full_bytes <= j.local_bytes) return QString();
      return tr("%1 not downloaded (%2)").arg(size(j.full_bytes - j.local_bytes), features_text(j.features));
    case ModelPathRole:
      return qstr(j.model_dir.string());
    case CanPauseRole:
      return attached &&
             (s == hub::JobState::Queued || s == hub::JobState::Planning || s == hub::JobState::Downloading);
    case CanResumeRole:
      return s == hub::JobState::Paused || s == hub::JobState::Failed;
    case CanCancelRole:
      return s != hub::JobState::Completed && s != hub::JobState::Cancelled;
    case CanDismissRole:
      return s == hub::JobState::Completed || s == hub::JobState::Cancelled;
  }
  return {};
}

QHash<int, QByteArray> DownloadListModel::roleNames() const {
  return {{KeyRole, "downloadKey"},
          {RepoRole, "repo"},
          {DisplayNameRole, "displayName"},
          {StateRole, "state"},
          {StateTextRole, "stateText"},
          {ProgressRole, "progress"},
          {BytesTextRole, "bytesText"},
          {SpeedTextRole, "speedText"},
          {EtaTextRole, "etaText"},
          {FeaturesTextRole, "featuresText"},
          {ErrorRole, "error"},
          {FailureRole, "failure"},
          {HintRole, "hint"},
          {HintActionRole, "hintAction"},
          {FilesRole, "files"},
          {SavedTextRole, "savedText"},
          {ModelPathRole, "modelPath"},
          {CanPauseRole, "canPause"},
          {CanResumeRole, "canResume"},
          {CanCancelRole, "canCancel"},
          {CanDismissRole, "canDismiss"}};
}

}  // namespace vole::desktop
