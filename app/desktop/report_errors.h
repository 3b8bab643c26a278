#pragma once
// UI actions on the store or the engine throw vole::Error (read-only session,
// disk full, a model that will not load); the window shows the message instead
// of unwinding Qt.
#include <QString>
#include <exception>
#include <functional>

namespace vole::desktop {

// Runs action; on an exception passes its message to report and returns false.
template <class Report>
bool run_reporting_errors(const std::function<void()>& action, Report&& report) {
  try {
    action();
    return true;
  } catch (const std::exception& e) {
    report(QString::fromUtf8(e.what()));
    return false;
  }
}

}  // namespace vole::desktop
