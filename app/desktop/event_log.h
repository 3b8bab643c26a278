#pragma once
// Machine-readable event lines on stdout, for tests and for diagnosing the app from a
// terminal: `vole-desktop --log` (or VOLE_DESKTOP_LOG=1) prints one line per event,
//   vole-desktop: event=answer-complete conversation=1 message=2 status=complete tokens=24
// values with spaces or quotes are written as JSON strings. Off by default.
#include <QString>
#include <QVariantMap>

namespace vole::desktop {

void set_event_log_enabled(bool enabled);
bool event_log_enabled();
// Keys keep the order given.
void log_event(const QString& event, const QList<QPair<QString, QVariant>>& fields = {});

}  // namespace vole::desktop
