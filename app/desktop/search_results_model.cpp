#include "search_results_model.h"

#include <QDateTime>
#include <QLocale>

#include "event_log.h"
#include "qt_strings.h"

namespace vole::desktop {

SearchResultsModel::SearchResultsModel(QObject* parent) : QAbstractListModel(parent) {
  debounce_.setSingleShot(true);
  debounce_.setInterval(150);
  connect(&debounce_, &QTimer::timeout, this, &SearchResultsModel::runNow);
}

void SearchResultsModel::set_store(memory::Store* store) {
  store_ = store;
  runNow();
}

void SearchResultsModel::setQuery(const QString& q) {
  if (q == query_) return;
  query_ = q;
  Q_EMIT queryChanged();
  debounce_.start();
}

void SearchResultsModel::setByMeaning(bool on) {
  if (on == by_meaning_ || (on && !meaning_)) return;
  by_meaning_ = on;
  Q_EMIT queryChanged();
  runNow();
}

void SearchResultsModel::setHighlightColor(const QString& c) {
  if (c == highlight_) return;
  highlight_ = c;
  if (!hits_.empty()) Q_EMIT dataChanged(index(0), index(count() - 1), {SnippetRole, TitleHtmlRole});
  Q_EMIT resultsChanged();
}

void SearchResultsModel::runNow() {
  debounce_.stop();
  std::vector<memory::SearchHit> hits;
  QString error;
  if (store_ && active()) {
    try {
      if (by_meaning_ && meaning_)
        hits = meaning_(query_);
      else
        hits = memory::search(*store_, {.text = query_.toStdString(), .limit = 100, .snippet_words = 16});
    } catch (const std::exception& e) {
      error = tr("Cannot search: %1").arg(QString::fromUtf8(e.what()));
    }
  } else if (!store_ && active()) {
    error = tr("Cannot search: the conversation database is not open");
  }
  beginResetModel();
  hits_ = std::move(hits);
  error_ = error;
  endResetModel();
  Q_EMIT resultsChanged();
  if (!error.isEmpty()) Q_EMIT errorOccurred(error);
  if (active()) {
    if (error.isEmpty())
      log_event("search", {{"query", query_}, {"hits", count()}, {"mode", by_meaning_ ? "meaning" : "words"}});
    else
      log_event("search", {{"query", query_}, {"hits", 0}, {"error", error}});
  }
}

QString SearchResultsModel::snippet_html(const std::string& snippet, const QString& color) {
  QString text = qstr(snippet).toHtmlEscaped();
  text.replace(QChar(0x02), QStringLiteral("<span style=\"background-color:%1\">").arg(color));
  text.replace(QChar(0x03), QStringLiteral("</span>"));
  text.replace('\n', ' ');
  return text;
}

int SearchResultsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant SearchResultsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const auto& h = hits_[index.row()];
  switch (role) {
    case ConversationRole:
      return QVariant::fromValue<qint64>(h.conversation_id);
    case MessageRole:
      return QVariant::fromValue<qint64>(h.message_id.value_or(-1));
    case Qt::DisplayRole:
    case TitleRole:
      return h.conversation_title.empty() ? tr("New chat") : QString::fromStdString(h.conversation_title);
    case TitleHtmlRole:  // the title, with the match highlighted when the title is the hit
      if (!h.message_id) return snippet_html(h.snippet, highlight_);
      return (h.conversation_title.empty() ? tr("New chat") : QString::fromStdString(h.conversation_title))
          .toHtmlEscaped();
    case SnippetRole:
      return snippet_html(h.snippet, highlight_);
    case KindRole:
      if (!h.role) return QStringLiteral("title");
      return QString::fromUtf8(std::string(memory::role_name(*h.role)).c_str());
    case TimeRole:
      return QLocale().toString(QDateTime::fromMSecsSinceEpoch(h.time_ms), QLocale::ShortFormat);
  }
  return {};
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const {
  return {{ConversationRole, "conversationId"},
          {MessageRole, "messageId"},
          {TitleRole, "title"},
          {TitleHtmlRole, "titleHtml"},
          {SnippetRole, "snippet"},
          {KindRole, "kind"},
          {TimeRole, "timeText"}};
}

}  // namespace vole::desktop
