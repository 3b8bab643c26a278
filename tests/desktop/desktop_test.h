#pragma once
// Shared helpers for the desktop tests: a QGuiApplication for the test process (Qt's
// offscreen platform), QAbstractItemModelTester failures turned into test failures, and
// waiting on the event loop for a condition.
#include <gtest/gtest.h>

#include <QAbstractItemModel>
#include <QAbstractItemModelTester>
#include <QStringList>
#include <chrono>
#include <functional>
#include <memory>
#include <ostream>

// Readable QStrings in assertion messages.
inline void PrintTo(const QString& s, std::ostream* os) { *os << '"' << s.toStdString() << '"'; }

namespace vole::desktop::test {

// Runs QAbstractItemModelTester on `model` for the guard's lifetime; the tester's
// complaints (qWarning "FAIL! ...") fail the current test when the guard ends.
class ModelChecker {
 public:
  explicit ModelChecker(QAbstractItemModel* model);
  ~ModelChecker();
  QStringList failures() const;

 private:
  std::unique_ptr<QAbstractItemModelTester> tester_;
};

// Processes events until `done()` or the timeout; returns done().
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace vole::desktop::test
