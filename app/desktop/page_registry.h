#pragma once
// The pages of the navigation rail. A page is one QML file plus one add() call in
// pages.cpp (register_pages); the rail and the page area are built from this model,
// so nothing else changes when a page is added.
#include <QAbstractListModel>
#include <QString>
#include <QUrl>
#include <vector>

namespace vole::desktop {

struct PageInfo {
  QString id;           // stable name ("chat", "settings"), used by App.showPage(id)
  QString title;        // rail label and tooltip
  QUrl icon;            // monochrome SVG, tinted by the rail
  QUrl source;          // the page's QML file
  QString shortcut;     // optional key sequence that opens it ("Ctrl+,")
  bool bottom = false;  // placed at the bottom of the rail (settings-like pages)
};

class PageRegistry : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)

 public:
  enum Role { IdRole = Qt::UserRole + 1, TitleRole, IconRole, SourceRole, ShortcutRole, BottomRole };
  explicit PageRegistry(QObject* parent = nullptr);

  // Adds a page; ids must be unique (a duplicate replaces the earlier page).
  void add(PageInfo page);
  int count() const { return static_cast<int>(pages_.size()); }
  Q_INVOKABLE int indexOf(const QString& id) const;
  Q_INVOKABLE bool has(const QString& id) const { return indexOf(id) >= 0; }
  Q_INVOKABLE QString idAt(int index) const;
  const std::vector<PageInfo>& pages() const { return pages_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();

 private:
  std::vector<PageInfo> pages_;
};

// The app's pages, in rail order. The one place to register a page.
void register_pages(PageRegistry& registry);

}  // namespace vole::desktop
