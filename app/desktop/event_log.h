#pragma once
// Machine-readable event lines on stdout, for tests and for diagnosing the app from a
// terminal: `vole-desktop --log` (or VOLE_DESKTOP_LOG=1) prints one line per event,
//   vole-desktop: event=answer-complete conversation=1 message=2 status=complete tokens=24
// values with spaces or quotes are written as JSON strings. Off by default.
#include <QString>
#include <QVariantMap>
#include <functional>

namespace vole::desktop {

void set_event_log_enabled(bool enabled);
bool event_log_enabled();
// Keys keep the order given.
void log_event(const QString& event, const QList<QPair<QString, QVariant>>& fields = {});

// How many events have been logged so far. The window's reports for the tests
// (event=layout, event=frame: "this was true after the first N events") are not
// counted: they describe the others, and counting them would make them report each other.
qint64 events_logged();
// Called after each counted event, on the thread that logged it (the window uses it to
// draw a frame that shows the event's effects). Set on the GUI thread, which is the only
// one that logs.
void set_event_listener(std::function<void()> listener);

}  // namespace vole::desktop
