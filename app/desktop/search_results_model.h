#pragma once
// Full-text search across every conversation (memory::search), as the user types:
// the query runs shortly after the last keystroke, results are newest first with the
// matched words highlighted.
#include <QAbstractListModel>
#include <QTimer>
#include <functional>
#include <vector>

#include "memory/search.h"

namespace vole::desktop {

class SearchResultsModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
  Q_PROPERTY(int count READ count NOTIFY resultsChanged)
  Q_PROPERTY(bool active READ active NOTIFY queryChanged)  // a non-empty query is set
  // Why the last search failed ("Cannot search: database disk image is malformed"), or
  // empty: a failed search is never shown as "No matches".
  Q_PROPERTY(QString error READ error NOTIFY resultsChanged)
  // Background colour of highlighted words (the theme sets it).
  Q_PROPERTY(QString highlightColor READ highlightColor WRITE setHighlightColor NOTIFY resultsChanged)
  // Search by meaning (conversation memory) instead of by words; offered when available.
  Q_PROPERTY(bool byMeaning READ byMeaning WRITE setByMeaning NOTIFY queryChanged)
  Q_PROPERTY(bool meaningAvailable READ meaningAvailable CONSTANT)

 public:
  enum Role {
    ConversationRole = Qt::UserRole + 1,
    MessageRole,
    TitleRole,
    TitleHtmlRole,
    SnippetRole,
    KindRole,
    TimeRole
  };
  explicit SearchResultsModel(QObject* parent = nullptr);

  void set_store(memory::Store* store);
  QString query() const { return query_; }
  void setQuery(const QString& q);
  bool active() const { return !query_.trimmed().isEmpty(); }
  int count() const { return static_cast<int>(hits_.size()); }
  QString error() const { return error_; }
  QString highlightColor() const { return highlight_; }
  void setHighlightColor(const QString& c);

  bool byMeaning() const { return by_meaning_; }
  void setByMeaning(bool on);
  bool meaningAvailable() const { return static_cast<bool>(meaning_); }
  // The search by meaning (conversation_memory.h); throws with the reason it cannot run.
  void set_meaning_search(std::function<std::vector<memory::SearchHit>(const QString&)> search) {
    meaning_ = std::move(search);
  }

  // Runs the pending query now (tests; the UI waits for the debounce).
  Q_INVOKABLE void runNow();

  // A snippet with the store's highlight markers as rich text: escaped, matches wrapped
  // in a highlighted <span>.
  static QString snippet_html(const std::string& snippet, const QString& highlight_color);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void queryChanged();
  void resultsChanged();
  void errorOccurred(const QString& message);

 private:
  memory::Store* store_ = nullptr;
  QString query_;
  QString highlight_ = "#ffe58a";
  QTimer debounce_;
  std::vector<memory::SearchHit> hits_;
  QString error_;
  bool by_meaning_ = false;
  std::function<std::vector<memory::SearchHit>(const QString&)> meaning_;
};

}  // namespace vole::desktop
