#include "null_audio.h"

#include <signal.h>
#include <sys/prctl.h>

#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QThread>
#include <cstdlib>

namespace vole::desktop::test {

NullAudioServer::NullAudioServer() {
  const QString program = QStandardPaths::findExecutable("pulseaudio");
  if (program.isEmpty()) {
    error_ = "pulseaudio is not installed (packaging/install-deps.sh installs it)";
    return;
  }
  const QString root = dir_.path();
  const QString socket = root + "/native";
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("HOME", root);
  env.insert("XDG_RUNTIME_DIR", root);
  env.insert("PULSE_RUNTIME_PATH", root + "/runtime");
  env.insert("PULSE_STATE_PATH", root + "/state");
  env.remove("DBUS_SESSION_BUS_ADDRESS");
  server_.setProcessEnvironment(env);
  server_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  // The server dies with this process even when the test crashes: otherwise it would keep
  // ctest's output pipe open and the crash would look like a hang until the timeout.
  server_.setChildProcessModifier([] { prctl(PR_SET_PDEATHSIG, SIGKILL); });
  // -n: no default configuration; only the null sink and a private socket anyone may use.
  server_.start(program, {"-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes", "--log-level=error",
                          "--load=module-null-sink sink_name=vole_null sink_properties=device.description=VoleNull",
                          "--load=module-native-protocol-unix auth-anonymous=1 socket=" + socket});
  if (!server_.waitForStarted(5000)) {
    error_ = "pulseaudio did not start: " + server_.errorString();
    return;
  }
  QElapsedTimer clock;
  clock.start();
  while (!QFile::exists(socket) && clock.elapsed() < 10000 && server_.state() == QProcess::Running) QThread::msleep(20);
  if (!QFile::exists(socket)) {
    error_ = "pulseaudio did not open its socket";
    return;
  }
  setenv("PULSE_SERVER", ("unix:" + socket).toUtf8().constData(), 1);
}

NullAudioServer::~NullAudioServer() {
  if (server_.state() == QProcess::NotRunning) return;
  server_.terminate();
  if (!server_.waitForFinished(5000)) server_.kill();
  server_.waitForFinished(2000);
}

bool NullAudioServer::unplug() {
  QProcess pactl;
  pactl.start("pactl", {"unload-module", "module-null-sink"});
  return pactl.waitForFinished(5000) && pactl.exitCode() == 0;
}

void NullAudioServer::use_no_server(const QString& scratch_dir) {
  const QString config = scratch_dir + "/client.conf";
  QFile file(config);
  if (file.open(QIODevice::WriteOnly)) file.write("autospawn = no\n");
  setenv("PULSE_CLIENTCONFIG", config.toUtf8().constData(), 1);
  setenv("PULSE_SERVER", ("unix:" + scratch_dir + "/no-such-socket").toUtf8().constData(), 1);
}

}  // namespace vole::desktop::test
