#include "desktop_test.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QMutex>
#include <QThread>

namespace vole::desktop::test {

namespace {
QMutex g_mutex;
QStringList g_failures;
int g_checkers = 0;
QtMessageHandler g_previous = nullptr;

void capture(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  if (type == QtWarningMsg && message.contains("FAIL!")) {
    QMutexLocker lock(&g_mutex);
    g_failures << message;
  }
  if (g_previous) g_previous(type, context, message);
}

// One QGuiApplication for the whole test binary (the controllers need an event loop,
// the clipboard and a palette). Created when tests start, not when they are listed.
class QtEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    static int argc = 1;
    static char name[] = "vole-desktop-test";
    static char* argv[] = {name, nullptr};
    app_ = std::make_unique<QGuiApplication>(argc, argv);
  }
  void TearDown() override { app_.reset(); }

 private:
  std::unique_ptr<QGuiApplication> app_;
};

[[maybe_unused]] ::testing::Environment* const g_env = ::testing::AddGlobalTestEnvironment(new QtEnvironment);
}  // namespace

ModelChecker::ModelChecker(QAbstractItemModel* model) {
  {
    QMutexLocker lock(&g_mutex);
    if (g_checkers++ == 0) {
      g_failures.clear();
      g_previous = qInstallMessageHandler(capture);
    }
  }
  tester_ = std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::Warning);
}

ModelChecker::~ModelChecker() {
  tester_.reset();
  QStringList failures = this->failures();
  {
    QMutexLocker lock(&g_mutex);
    if (--g_checkers == 0) qInstallMessageHandler(g_previous);
  }
  EXPECT_TRUE(failures.isEmpty()) << failures.join("\n").toStdString();
}

QStringList ModelChecker::failures() const {
  QMutexLocker lock(&g_mutex);
  return g_failures;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  QElapsedTimer timer;
  timer.start();
  while (!done()) {
    if (timer.elapsed() > timeout.count()) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(2);
  }
  return true;
}

}  // namespace vole::desktop::test
