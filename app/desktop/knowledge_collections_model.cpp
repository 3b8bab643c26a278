#include "knowledge_collections_model.h"

#include <algorithm>

namespace vole::desktop {

const KnowledgeCollectionRow* KnowledgeCollectionsModel::find(qint64 id) const {
  int row = indexOf(id);
  return row < 0 ? nullptr : &rows_[static_cast<size_t>(row)];
}

int KnowledgeCollectionsModel::indexOf(qint64 id) const {
  auto it = std::find_if(rows_.begin(), rows_.end(), [id](const auto& r) { return r.id == id; });
  return it == rows_.end() ? -1 : static_cast<int>(it - rows_.begin());
}

QVariantMap KnowledgeCollectionsModel::get(int row) const {
  QVariantMap out;
  if (row < 0 || row >= count()) return out;
  const auto names = roleNames();
  for (auto it = names.begin(); it != names.end(); ++it)
    out.insert(QString::fromUtf8(it.value()), data(index(row), it.key()));
  return out;
}

void KnowledgeCollectionsModel::set_collections(std::vector<KnowledgeCollectionRow> fresh) {
  const int before = count();
  // Rows that are gone leave, from the end so indexes stay valid.
  for (int i = count() - 1; i >= 0; --i) {
    qint64 id = rows_[static_cast<size_t>(i)].id;
    if (std::none_of(fresh.begin(), fresh.end(), [id](const auto& r) { return r.id == id; })) {
      beginRemoveRows({}, i, i);
      rows_.erase(rows_.begin() + i);
      endRemoveRows();
    }
  }
  for (auto& f : fresh) {
    int row = indexOf(f.id);
    if (row < 0) {
      beginInsertRows({}, count(), count());
      rows_.push_back(std::move(f));
      endInsertRows();
      continue;
    }
    auto& r = rows_[static_cast<size_t>(row)];
    f.state = r.state;
    f.progress = r.progress;
    f.lastReport = r.lastReport;
    f.lastError = r.lastError;
    r = std::move(f);
    changed(row, {NameRole, FoldersRole, DocumentsRole, PendingRole, SkippedRole, ChunksRole, ChunksWithVectorsRole,
                  ModelRole, IssuesRole});
  }
  if (count() != before) Q_EMIT countChanged();
}

void KnowledgeCollectionsModel::set_state(qint64 id, const QString& state) {
  int row = indexOf(id);
  if (row < 0 || rows_[static_cast<size_t>(row)].state == state) return;
  rows_[static_cast<size_t>(row)].state = state;
  changed(row, {StateRole});
}

void KnowledgeCollectionsModel::set_progress(qint64 id, const QVariantMap& progress) {
  int row = indexOf(id);
  if (row < 0) return;
  rows_[static_cast<size_t>(row)].progress = progress;
  changed(row, {ProgressRole});
}

void KnowledgeCollectionsModel::set_result(qint64 id, const QVariantMap& report, const QString& error) {
  int row = indexOf(id);
  if (row < 0) return;
  auto& r = rows_[static_cast<size_t>(row)];
  r.lastReport = report;
  r.lastError = error;
  changed(row, {LastReportRole, LastErrorRole});
}

void KnowledgeCollectionsModel::changed(int row, const QList<int>& roles) {
  Q_EMIT dataChanged(index(row), index(row), roles);
}

int KnowledgeCollectionsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant KnowledgeCollectionsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const auto& r = rows_[static_cast<size_t>(index.row())];
  switch (role) {
    case IdRole:
      return r.id;
    case Qt::DisplayRole:
    case NameRole:
      return r.name;
    case FoldersRole:
      return r.folders;
    case DocumentsRole:
      return r.documents;
    case PendingRole:
      return r.pending;
    case SkippedRole:
      return r.skipped;
    case ChunksRole:
      return r.chunks;
    case ChunksWithVectorsRole:
      return r.chunksWithVectors;
    case ModelRole:
      return r.model;
    case IssuesRole:
      return r.issues;
    case StateRole:
      return r.state;
    case ProgressRole:
      return r.progress;
    case LastReportRole:
      return r.lastReport;
    case LastErrorRole:
      return r.lastError;
    default:
      return {};
  }
}

QHash<int, QByteArray> KnowledgeCollectionsModel::roleNames() const {
  return {{IdRole, "collectionId"},       {NameRole, "name"},
          {FoldersRole, "folders"},       {DocumentsRole, "documents"},
          {PendingRole, "pending"},       {SkippedRole, "skipped"},
          {ChunksRole, "chunks"},         {ChunksWithVectorsRole, "chunksWithVectors"},
          {ModelRole, "vectorModel"},     {IssuesRole, "issues"},
          {StateRole, "state"},           {ProgressRole, "progress"},
          {LastReportRole, "lastReport"}, {LastErrorRole, "lastError"}};
}

}  // namespace vole::desktop
