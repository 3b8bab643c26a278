#include "event_log.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <atomic>
#include <cstdio>

namespace vole::desktop {

namespace {
std::atomic<bool> g_enabled{false};

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
}

}  // namespace vole::desktop
