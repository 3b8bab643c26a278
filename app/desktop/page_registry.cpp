#include "page_registry.h"

namespace vole::desktop {

PageRegistry::PageRegistry(QObject* parent) : QAbstractListModel(parent) {}

void PageRegistry::add(PageInfo page) {
  if (int at = indexOf(page.id); at >= 0) {
    pages_[at] = std::move(page);
    Q_EMIT dataChanged(index(at), index(at));
    return;
  }
  int row = count();
  beginInsertRows({}, row, row);
  pages_.push_back(std::move(page));
  endInsertRows();
  Q_EMIT countChanged();
}

int PageRegistry::indexOf(const QString& id) const {
  for (size_t i = 0; i < pages_.size(); ++i)
    if (pages_[i].id == id) return static_cast<int>(i);
  return -1;
}

QString PageRegistry::idAt(int index) const { return index >= 0 && index < count() ? pages_[index].id : QString(); }

int PageRegistry::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant PageRegistry::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const PageInfo& p = pages_[index.row()];
  switch (role) {
    case IdRole:
      return p.id;
    case Qt::DisplayRole:
    case TitleRole:
      return p.title;
    case IconRole:
      return p.icon;
    case SourceRole:
      return p.source;
    case ShortcutRole:
      return p.shortcut;
    case BottomRole:
      return p.bottom;
  }
  return {};
}

QHash<int, QByteArray> PageRegistry::roleNames() const {
  return {{IdRole, "pageId"},     {TitleRole, "title"},       {IconRole, "icon"},
          {SourceRole, "source"}, {ShortcutRole, "shortcut"}, {BottomRole, "bottom"}};
}

}  // namespace vole::desktop
