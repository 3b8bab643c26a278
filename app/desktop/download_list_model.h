#pragma once
// Model downloads as a list for QML: one row per download with its state, progress,
// bytes, speed, ETA, per-file progress and, after a failure, the reason with what the
// user can do about it. Rows are fed by the ModelManager from hub::DownloadManager's
// events (already re-posted to the UI thread); this model only keeps and presents them.
//
// A row is identified by a stable `key`: a download left unfinished by an earlier run (or
// by a download manager that was replaced after a settings change) has no job until it
// is resumed, and then gets a new job id.
#include <QAbstractListModel>
#include <QVariantList>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/download_manager.h"

namespace vole::desktop {

struct DownloadRow {
  int key = 0;
  std::optional<hub::JobId> job;  // none: not running in this manager (resume starts a job)
  hub::DownloadRequest request;
  hub::JobInfo info;  // the latest snapshot
  QString display_name;
  bool earlier_run = false;  // found unfinished at start (hub::list_pending), not resumed yet
};

class DownloadListModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)
  Q_PROPERTY(int activeCount READ activeCount NOTIFY activeCountChanged)  // queued, planning or downloading

 public:
  enum Role {
    KeyRole = Qt::UserRole + 1,
    RepoRole,
    DisplayNameRole,
    StateRole,      // "queued" "planning" "downloading" "paused" "completed" "failed" "cancelled" "unfinished"
    StateTextRole,  // for people
    ProgressRole,   // 0..1, or -1 while a running download does not know its size yet
    BytesTextRole,  // "1.2 MB of 3.4 MB"
    SpeedTextRole,  // "850 kB/s" while downloading
    EtaTextRole,    // "about 12 s left"
    FeaturesTextRole,
    ErrorRole,
    FailureRole,     // hub::failure_name
    HintRole,        // what to do about the failure
    HintActionRole,  // "settings" (token), "storage" (space), "retry" or ""
    FilesRole,       // [{path, state, progress, sizeText, selective}]
    SavedTextRole,   // once complete: "12 MB not downloaded (text only)"
    ModelPathRole,   // the model's folder
    CanPauseRole,
    CanResumeRole,
    CanCancelRole,
    CanDismissRole,
  };

  explicit DownloadListModel(QObject* parent = nullptr);

  int count() const { return static_cast<int>(rows_.size()); }
  int activeCount() const;
  const std::vector<DownloadRow>& rows() const { return rows_; }
  const DownloadRow* find_key(int key) const;
  const DownloadRow* find_job(hub::JobId job) const;

  // A job just started for `request`: takes over the row of an unattached download of the
  // same repo (resumed), or the row already showing `job`, or adds one. Returns the key.
  int attach(hub::JobId job, const hub::DownloadRequest& request, const QString& display_name);
  // A download an earlier run left unfinished, offered for resuming.
  int add_unfinished(const hub::PendingDownload& pending, const QString& display_name);
  // Updates the row showing info.id; false when no row shows it.
  bool apply(const hub::JobInfo& info);
  // The manager behind every job is going away: rows keep their last state, unattached.
  void detach_all();
  void remove(int key);
  // Repos with a download that is not finished (queued, running, paused, failed, unfinished).
  std::set<std::string> unfinished_repos() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();
  void activeCountChanged();

 private:
  int row_of_key(int key) const;
  void changed(int row);
  void update_active();
  std::vector<DownloadRow> rows_;
  int next_key_ = 1;
  int last_active_ = 0;
};

// "850 kB/s"; "" for 0.
QString speed_text(double bytes_per_second);
// "about 12 s left", "about 3 min left", "about 1 h 5 min left"; "" when unknown.
QString eta_text(std::optional<double> seconds);
// What the user can do about a failure, in one sentence, and the action the view offers.
QString failure_hint(hub::Failure failure);
QString failure_action(hub::Failure failure);

}  // namespace vole::desktop
