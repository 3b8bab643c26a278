// vole-desktop: the Qt Quick app. C++ (this folder) holds the state, the models and the
// engine worker; QML (qml/) only presents them. See docs/ARCHITECTURE.md.
#include <QCommandLineParser>
#include <QGuiApplication>
#include <QIcon>
#include <QPointer>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickStyle>
#include <QQuickWindow>
#include <atomic>
#include <cstdlib>
#include <memory>

#include "app_controller.h"
#include "event_log.h"

using namespace vole::desktop;

namespace {
void register_qml_types(AppController& app) {
  qmlRegisterSingletonInstance("Vole", 1, 0, "App", &app);
  qmlRegisterSingletonType(QUrl("qrc:/qml/Theme.qml"), "Vole.Style", 1, 0, "Theme");
  register_engine_state_type();
  qmlRegisterAnonymousType<AppSettings>("Vole", 1);
  qmlRegisterAnonymousType<SamplingValues>("Vole", 1);
  qmlRegisterAnonymousType<StoreSession>("Vole", 1);
  qmlRegisterAnonymousType<EngineController>("Vole", 1);
  qmlRegisterAnonymousType<ChatController>("Vole", 1);
  qmlRegisterAnonymousType<ConversationListModel>("Vole", 1);
  qmlRegisterAnonymousType<MessageListModel>("Vole", 1);
  qmlRegisterAnonymousType<ImageAttachments>("Vole", 1);
  qmlRegisterAnonymousType<SearchResultsModel>("Vole", 1);
  qmlRegisterAnonymousType<InstalledModelsModel>("Vole", 1);
  qmlRegisterAnonymousType<ModelManager>("Vole", 1);
  qmlRegisterAnonymousType<CatalogModel>("Vole", 1);
  qmlRegisterAnonymousType<DownloadListModel>("Vole", 1);
  qmlRegisterAnonymousType<PageRegistry>("Vole", 1);
  qmlRegisterAnonymousType<SpeechOutput>("Vole", 1);
  qmlRegisterAnonymousType<VoiceSettings>("Vole", 1);
  qmlRegisterAnonymousType<VoiceInput>("Vole", 1);
  qmlRegisterAnonymousType<LocalApiServer>("Vole", 1);
  qmlRegisterAnonymousType<RemoteModels>("Vole", 1);
}

// With the log on: `event=frame after=N` once a frame showing the effects of the first N
// events is on screen (the window tests take screenshots after it). Every event asks for
// a frame, so one comes even when nothing else moves. The count is read while the GUI
// thread is blocked for the scene sync (render thread) and reported when that frame is
// swapped; the line itself is written on the GUI thread.
void report_frames(QQuickWindow* window) {
  set_event_listener([window = QPointer<QQuickWindow>(window)] {
    if (window) QMetaObject::invokeMethod(window, &QQuickWindow::update, Qt::QueuedConnection);
  });
  auto synced = std::make_shared<std::atomic<qint64>>(-1);
  auto reported = std::make_shared<qint64>(-1);
  QObject::connect(
      window, &QQuickWindow::beforeSynchronizing, window, [synced] { synced->store(events_logged()); },
      Qt::DirectConnection);
  QObject::connect(
      window, &QQuickWindow::frameSwapped, window,
      [window, synced, reported] {
        const qint64 after = synced->load();
        QMetaObject::invokeMethod(
            window,
            [after, reported] {
              if (after <= *reported) return;
              *reported = after;
              log_event("frame", {{"after", after}});
            },
            Qt::QueuedConnection);
      },
      Qt::DirectConnection);
}
}  // namespace

int main(int argc, char** argv) {
  QGuiApplication qapp(argc, argv);
  QGuiApplication::setApplicationName("vole-desktop");
  QGuiApplication::setOrganizationName("vole");
  QGuiApplication::setApplicationDisplayName("Vole");
  QGuiApplication::setApplicationVersion(VOLE_VERSION);
  QGuiApplication::setDesktopFileName("vole");
  QGuiApplication::setWindowIcon(QIcon(":/icons/vole.svg"));

  QCommandLineParser cli;
  cli.setApplicationDescription("Vole: a private AI assistant that runs on this computer.");
  cli.addHelpOption();
  cli.addVersionOption();
  QCommandLineOption log({"l", "log"},
                         "Print one machine-readable line per event on stdout (also VOLE_DESKTOP_LOG=1).");
  QCommandLineOption theme("theme", "Use this theme for this session: light or dark.", "theme");
  QCommandLineOption settings("settings", "Read and write settings in this INI file instead of the user's.", "file");
  cli.addOptions({log, theme, settings});
  cli.process(qapp);

  const char* log_env = std::getenv("VOLE_DESKTOP_LOG");
  set_event_log_enabled(cli.isSet(log) || (log_env && *log_env && std::string(log_env) != "0"));

  QQuickStyle::setStyle("Basic");
  AppController app({cli.value(settings), cli.value(theme)});
  register_qml_types(app);

  QQmlApplicationEngine qml;
  QObject::connect(
      &qml, &QQmlApplicationEngine::objectCreationFailed, &qapp, [] { QCoreApplication::exit(1); },
      Qt::QueuedConnection);
  QObject::connect(&qapp, &QGuiApplication::aboutToQuit, &app, [&app] { app.shutdown(); });
  app.start();
  qml.load(QUrl("qrc:/qml/Main.qml"));
  if (qml.rootObjects().isEmpty()) return 1;
  if (auto* window = qobject_cast<QQuickWindow*>(qml.rootObjects().first())) {
    // One line once the window has really been drawn (tests wait for it before input).
    auto shown = std::make_shared<bool>(false);
    QObject::connect(
        window, &QQuickWindow::frameSwapped, window,
        [window, shown] {
          if (std::exchange(*shown, true)) return;
          log_event(
              "window-shown",
              {{"width", window->width()}, {"height", window->height()}, {"window", QString::number(window->winId())}});
        },
        Qt::QueuedConnection);
    if (event_log_enabled()) report_frames(window);
  }
  return qapp.exec();
}
