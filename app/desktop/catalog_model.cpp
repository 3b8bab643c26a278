#include "catalog_model.h"

#include <QLocale>

#include "installed_models_model.h"
#include "qt_strings.h"

namespace vole::desktop {

namespace {
QString number(double v) { return QLocale().toString(v, 'g', 3); }
}  // namespace

QString sampling_text(const hub::SamplingPreset& p) {
  QStringList parts{QObject::tr("temperature %1").arg(number(p.temperature))};
  if (p.top_p < 1.0) parts << QObject::tr("top-p %1").arg(number(p.top_p));
  if (p.top_k > 0) parts << QObject::tr("top-k %1").arg(p.top_k);
  if (p.min_p > 0.0) parts << QObject::tr("min-p %1").arg(number(p.min_p));
  if (p.presence_penalty != 0.0) parts << QObject::tr("presence penalty %1").arg(number(p.presence_penalty));
  return parts.join(QStringLiteral(" · "));
}

CatalogModel::CatalogModel(const hub::Catalog& catalog, QObject* parent)
    : QAbstractListModel(parent), entries_(catalog.models), default_id_(catalog.default_id), status_(entries_.size()) {}

const hub::CatalogEntry* CatalogModel::entry(const QString& id) const {
  for (const auto& e : entries_)
    if (qstr(e.id) == id) return &e;
  return nullptr;
}

const hub::CatalogEntry* CatalogModel::entry_for_repo(const std::string& repo) const {
  for (const auto& e : entries_)
    if (e.repo == repo) return &e;
  return nullptr;
}

void CatalogModel::set_status(const std::map<std::string, RepoStatus>& status) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto it = status.find(entries_[i].repo);
    RepoStatus next = it == status.end() ? RepoStatus{} : it->second;
    RepoStatus& cur = status_[i];
    if (next.installed == cur.installed && next.features == cur.features && next.downloading == cur.downloading &&
        next.path == cur.path)
      continue;
    cur = next;
    QModelIndex at = index(static_cast<int>(i));
    Q_EMIT dataChanged(at, at, {InstalledRole, InstalledVisionRole, DownloadingRole, InstalledPathRole});
  }
}

int CatalogModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant CatalogModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const hub::CatalogEntry& e = entries_[index.row()];
  const RepoStatus& st = status_[index.row()];
  switch (role) {
    case IdRole:
      return qstr(e.id);
    case Qt::DisplayRole:
    case DisplayNameRole:
      return qstr(e.display_name);
    case RepoRole:
      return qstr(e.repo);
    case FormatRole:
      return qstr(e.format);
    case ArchitectureRole:
      return qstr(e.architecture);
    case LicenceRole:
      return qstr(e.licence);
    case DescriptionRole:
      return qstr(e.description);
    case SizeFullRole:
      return QVariant::fromValue<qulonglong>(e.size_full_bytes);
    case SizeTextOnlyRole:
      return QVariant::fromValue<qulonglong>(e.size_text_bytes);
    case SizeFullTextRole:
      return human_size(static_cast<qint64>(e.size_full_bytes));
    case SizeTextOnlyTextRole:
      return human_size(static_cast<qint64>(e.size_text_bytes));
    case HasVisionRole:
      return e.features.has(hub::kVisionFeature);
    case FeaturesTextRole:
      return e.features.has(hub::kVisionFeature) ? tr("Text and images") : tr("Text");
    case SamplingTextRole:
      return sampling_text(e.sampling);
    case ThinkingTextRole:
      if (!e.thinking) return QString();
      return (e.thinking_by_default ? tr("Thinks by default; with thinking: %1") : tr("Thinking on request; then %1"))
          .arg(sampling_text(*e.thinking));
    case RecommendedRole:
      return e.id == default_id_;
    case InstalledRole:
      return st.installed;
    case InstalledVisionRole:
      return st.installed && st.features.has(hub::kVisionFeature);
    case DownloadingRole:
      return st.downloading;
    case InstalledPathRole:
      return st.path;
  }
  return {};
}

QHash<int, QByteArray> CatalogModel::roleNames() const {
  return {{IdRole, "catalogId"},
          {DisplayNameRole, "displayName"},
          {RepoRole, "repo"},
          {FormatRole, "format"},
          {ArchitectureRole, "architecture"},
          {LicenceRole, "licence"},
          {DescriptionRole, "description"},
          {SizeFullRole, "sizeFull"},
          {SizeTextOnlyRole, "sizeTextOnly"},
          {SizeFullTextRole, "sizeFullText"},
          {SizeTextOnlyTextRole, "sizeTextOnlyText"},
          {HasVisionRole, "hasVision"},
          {FeaturesTextRole, "featuresText"},
          {SamplingTextRole, "samplingText"},
          {ThinkingTextRole, "thinkingText"},
          {RecommendedRole, "recommended"},
          {InstalledRole, "installed"},
          {InstalledVisionRole, "installedVision"},
          {DownloadingRole, "downloading"},
          {InstalledPathRole, "installedPath"}};
}

}  // namespace vole::desktop
