#pragma once
// The Knowledge page's list: one row per collection with its folders, what the index holds
// (documents, chunks, vectors, skipped files with reasons) and its indexing state and live
// progress. KnowledgeController owns it and pushes changes; rows update in place.
#include <QAbstractListModel>
#include <QStringList>
#include <QVariantList>
#include <QVariantMap>
#include <vector>

namespace vole::desktop {

struct KnowledgeCollectionRow {
  qint64 id = 0;
  QString name;
  QStringList folders;
  qulonglong documents = 0, pending = 0, skipped = 0, chunks = 0, chunksWithVectors = 0;
  QString model;           // the embedding model id its vectors belong to ("" none yet)
  QVariantList issues;     // [{path, reason}]: skipped files and folders that could not be listed
  QString state = "idle";  // idle, queued, indexing, paused, waiting (for an embedding model)
  QVariantMap progress;    // the running run's (knowledge_index_worker.cpp progress_map)
  QVariantMap lastReport;  // the last finished run's
  QString lastError;       // why the last run failed ("" when it did not)
};

class KnowledgeCollectionsModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    NameRole,
    FoldersRole,
    DocumentsRole,
    PendingRole,
    SkippedRole,
    ChunksRole,
    ChunksWithVectorsRole,
    ModelRole,
    IssuesRole,
    StateRole,
    ProgressRole,
    LastReportRole,
    LastErrorRole,
  };
  explicit KnowledgeCollectionsModel(QObject* parent = nullptr) : QAbstractListModel(parent) {}

  int count() const { return static_cast<int>(rows_.size()); }
  const std::vector<KnowledgeCollectionRow>& rows() const { return rows_; }
  const KnowledgeCollectionRow* find(qint64 id) const;
  Q_INVOKABLE int indexOf(qint64 id) const;
  Q_INVOKABLE QVariantMap get(int row) const;  // every role by name (tests, dialogs)

  // Replaces the index's part of the rows (what the database says), keeping each row's run
  // state; rows are inserted and removed individually, the rest change in place.
  void set_collections(std::vector<KnowledgeCollectionRow> rows);
  void set_state(qint64 id, const QString& state);
  void set_progress(qint64 id, const QVariantMap& progress);
  void set_result(qint64 id, const QVariantMap& report, const QString& error);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();

 private:
  void changed(int row, const QList<int>& roles);
  std::vector<KnowledgeCollectionRow> rows_;
};

}  // namespace vole::desktop
