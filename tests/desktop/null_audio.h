#pragma once
// A private PulseAudio server with one null sink (an output that consumes audio in real
// time and plays it nowhere), for the read-aloud tests: Qt Multimedia sees a real output
// device. Started in a temporary folder; PULSE_SERVER points this process at it. The
// server ends with the object.
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace vole::desktop::test {

class NullAudioServer {
 public:
  NullAudioServer();
  ~NullAudioServer();
  // "" once the server is up, else why not.
  const QString& error() const { return error_; }
  // Removes the null sink, as if the device were unplugged; true on success.
  bool unplug();

  // Points this process at a server that does not exist (and forbids autospawning one),
  // so there is no audio output at all. Call before anything uses Qt Multimedia.
  static void use_no_server(const QString& scratch_dir);

 private:
  QTemporaryDir dir_;
  QProcess server_;
  QString error_;
};

}  // namespace vole::desktop::test
