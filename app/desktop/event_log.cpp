#include "event_log.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <atomic>
#include <cstdio>

namespace vole::desktop {

namespace {
std::atomic<bool> g_enabled{false};
std::atomic<qint64> g_counted{0};
std::function<void()> g_listener;

bool is_window_report(const QString& event) {
  return event == QLatin1String("layout") || event == QLatin1String("frame");
}

QString format_value(const QVariant& v) {
  QString s = v.toString();
  bool plain = !s.isEmpty();
  for (QChar c : s)
    if (c.isSpace() || c == '"' || c == '=' || c.unicode() < 0x20) plain = false;
  if (plain) return s;
  // A JSON string literal: quotes and control characters escaped, one line.
  QByteArray json = QJsonDocument(QJsonArray{QJsonValue(s)}).toJson(QJsonDocument::Compact);
  return QString::fromUtf8(json.mid(1, json.size() - 2));
}
}  // namespace

void set_event_log_enabled(bool enabled) { g_enabled.store(enabled); }
bool event_log_enabled() { return g_enabled.load(); }

void log_event(const QString& event, const QList<QPair<QString, QVariant>>& fields) {
  if (!g_enabled.load()) return;
  QString line = "vole-desktop: event=" + event;
  for (const auto& [key, value] : fields) line += " " + key + "=" + format_value(value);
  QByteArray bytes = line.toUtf8() + "\n";
  std::fwrite(bytes.data(), 1, static_cast<size_t>(bytes.size()), stdout);
  std::fflush(stdout);
  if (is_window_report(event)) return;
  g_counted.fetch_add(1);
  if (g_listener) g_listener();
}

qint64 events_logged() { return g_counted.load(); }

void set_event_listener(std::function<void()> listener) { g_listener = std::move(listener); }

}  // namespace vole::desktop
