#pragma once
// Plays mono float audio through Qt Multimedia without ever blocking the UI thread.
//
// Samples are queued as they are synthesised (`push`), converted to 16-bit PCM, and
// written into a QAudioSink in push mode by a 20 ms timer, as much as the sink's buffer
// has room for. `finish_input` says no more will come; once the queue and the sink's
// buffer are empty the playback ends (`finished`). Problems (no output device, a device
// that refuses the format, a device unplugged mid-sentence) end it with `failed` and a
// message for the user, never an exception.
#include <QAudioDevice>
#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <functional>
#include <memory>
#include <span>

class QAudioSink;
class QIODevice;

namespace vole::desktop {

class AudioPlayback : public QObject {
  Q_OBJECT

 public:
  explicit AudioPlayback(QObject* parent = nullptr);
  ~AudioPlayback() override;

  // Opens `device` (null: the system's default output) for mono audio at `sample_rate`.
  // Returns false (and emits failed) when there is no device or it refuses the format.
  bool start(int sample_rate, const QAudioDevice& device = {});
  void push(std::span<const float> samples);
  void finish_input();
  // Ends playback at once, dropping what is queued (no `finished`).
  void stop();
  void set_volume(double volume);  // 0..1, linear; applies at once
  bool active() const { return sink_ != nullptr; }
  int sample_rate() const { return sample_rate_; }
  // Frames handed to the audio sink since start() (the test counts these).
  qint64 frames_written() const { return frames_written_; }
  // Seen by tests: every chunk of samples as it is queued.
  void set_tap(std::function<void(std::span<const float>)> tap) { tap_ = std::move(tap); }

  // The user-facing name of why no sound can be played, or "" if an output exists.
  static QString no_output_reason();

 Q_SIGNALS:
  void finished();
  void failed(const QString& message);

 private:
  void feed();
  void fail(const QString& message);
  void release();

  QAudioSink* sink_ = nullptr;
  QIODevice* io_ = nullptr;  // owned by sink_
  QTimer timer_;
  QByteArray queue_;  // PCM16 not yet written
  qsizetype queue_pos_ = 0;
  bool input_done_ = false;
  QElapsedTimer drain_clock_;  // since everything queued was in the sink
  QElapsedTimer stall_clock_;  // since the sink last reported progress
  qint64 played_us_ = -1;      // the sink's processedUSecs() when it last moved
  bool ran_dry_ = false;       // the sink went idle after that
  int sample_rate_ = 0;
  double volume_ = 1.0;
  qint64 frames_written_ = 0;
  QString device_name_;
  std::function<void(std::span<const float>)> tap_;
};

}  // namespace vole::desktop
