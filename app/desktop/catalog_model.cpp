#include "catalog_model.h"

#include <QLocale>
#include <algorithm>

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

QString model_kind_text(hub::ModelKind kind) {
  switch (kind) {
    case hub::ModelKind::Chat:
      return QObject::tr("Chat");
    case hub::ModelKind::SpeechToText:
      return QObject::tr("Speech to text");
    case hub::ModelKind::TextToSpeech:
      return QObject::tr("Text to speech");
    case hub::ModelKind::Embedding:
      return QObject::tr("Embedding");
  }
  return {};
}

CatalogModel::CatalogModel(const hub::Catalog& catalog, QObject* parent)
    : QAbstractListModel(parent), entries_(catalog.models), status_(entries_.size()) {
  for (hub::ModelKind kind : hub::kAllModelKinds)
    if (const auto* e = catalog.default_for(kind)) recommended_ids_.insert(e->id);
}

const hub::CatalogEntry* CatalogModel::entry(const QString& id) const {
  for (const auto& e : entries_)
    if (qstr(e.id) == id) return &e;
  return nullptr;
}

const hub::CatalogEntry* CatalogModel::entry_for_repo(const std::string& repo) const {
  for (const auto& e : entries_)
    if (e.repo == repo || std::find(e.repo_aliases.begin(), e.repo_aliases.end(), repo) != e.repo_aliases.end())
      return &e;
  return nullptr;
}

void CatalogModel::set_status(const std::map<std::string, RepoStatus>& status) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto it = status.find(entries_[i].repo);
    for (const auto& alias : entries_[i].repo_aliases)  // installed under an old name of the repo
      if (it == status.end()) it = status.find(alias);
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
      return e.kind == hub::ModelKind::Chat ? sampling_text(e.sampling) : QString();
    case ThinkingTextRole:
      if (!e.thinking) return QString();
      return (e.thinking_by_default ? tr("Thinks by default; with thinking: %1") : tr("Thinking on request; then %1"))
          .arg(sampling_text(*e.thinking));
    case RecommendedRole:
      return recommended_ids_.count(e.id) > 0;
    case InstalledRole:
      return st.installed;
    case InstalledVisionRole:
      return st.installed && st.features.has(hub::kVisionFeature);
    case DownloadingRole:
      return st.downloading;
    case InstalledPathRole:
      return st.path;
    case KindRole:
      return QString::fromLatin1(hub::model_kind_name(e.kind));
    case KindTextRole:
      return model_kind_text(e.kind);
    case ChatRole:
      return e.kind == hub::ModelKind::Chat;
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
          {InstalledPathRole, "installedPath"},
          {KindRole, "kind"},
          {KindTextRole, "kindText"},
          {ChatRole, "chatModel"}};
}

}  // namespace vole::desktop
