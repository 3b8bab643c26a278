#pragma once
// The synthesis side of reading aloud. Lives on its own QThread ("vole-speech"), so a
// voice that takes seconds per sentence never holds up the UI or the chat model; the
// espeak-ng voice runs on the CPU there, the neural Kani-TTS voice on the shared GPU
// device (which serialises it with the chat model's work).
//
// A job is one answer: `begin`, any number of `append`s with answer text as it streams
// (reasoning is never passed in), `finish`. Each complete piece (sentence, list item,
// code block...) is prepared for speech and spoken at once (engine/speech SpeechStream),
// so audio starts after the first sentence. Audio comes back as `audio` signals (float32
// mono at the rate `ready` announced). `cancel_through` may be called from any thread.
#include <QByteArray>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace vole::runtime {
class Device;
}
namespace vole::speech {
class Speaker;
class SpeechStream;
}  // namespace vole::speech

namespace vole::desktop {

// Voice values: "" = the default espeak-ng voice for English, "espeak:<identifier>" an
// espeak-ng voice, "kani" the Kani-TTS model in `kani_folder`.
inline constexpr const char* kKaniVoice = "kani";
inline constexpr const char* kEspeakVoicePrefix = "espeak:";

class SpeechSynth : public QObject {
  Q_OBJECT

 public:
  // `device` hands out the shared GPU device for the neural voice (called on this
  // object's thread; may block until the engine worker answers).
  using DeviceProvider = std::function<std::shared_ptr<runtime::Device>()>;
  explicit SpeechSynth(DeviceProvider device = {}, QObject* parent = nullptr);
  ~SpeechSynth() override;

  // Thread-safe: jobs up to `job` stop within one audio chunk and produce nothing more.
  void cancel_through(qint64 job);

 public Q_SLOTS:
  // The voice for later jobs (loaded at the next `begin`). `rate` multiplies espeak's
  // speed; the neural voice speaks at its own pace.
  void configure(const QString& voice, double rate, const QString& kani_folder);
  void begin(qint64 job);
  void append(qint64 job, const QString& answer_text);
  void finish(qint64 job);
  void release();  // lets go of the voice (and its GPU memory); call before the thread ends

 Q_SIGNALS:
  void ready(qint64 job, int sample_rate);
  void audio(qint64 job, const QByteArray& samples);  // float32 mono
  void done(qint64 job);
  void failed(qint64 job, const QString& message);

 private:
  bool cancelled(qint64 job) const { return job <= cancelled_through_.load(); }
  void ensure_speaker();  // throws vole::Error
  void end_stream();

  DeviceProvider device_;
  QString voice_, kani_folder_, loaded_key_;
  double rate_ = 1.0;
  std::string language_ = "en";
  std::unique_ptr<speech::Speaker> speaker_;
  std::atomic<qint64> cancelled_through_{0};
  std::mutex stream_mutex_;  // guards stream_ against cancel_through from other threads
  std::unique_ptr<speech::SpeechStream> stream_;
  qint64 job_ = 0;
};

}  // namespace vole::desktop
