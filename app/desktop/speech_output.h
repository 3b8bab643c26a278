#pragma once
// Reading answers aloud: the controller QML sees as `App.speech`.
//
// *Read aloud* on an answer speaks its text (never its reasoning); with the *Read answers
// aloud* setting on, each new answer is spoken while it streams, starting after its first
// sentence. Synthesis runs on the speech thread (`SpeechSynth`), playback through
// `AudioPlayback` (Qt Multimedia, never blocking the UI). One answer is read at a time:
// a new one, Stop, or a failure ends the current one. Problems (no output device, an
// unplugged one, a voice that cannot load) become `error`, shown by the UI, never a crash.
//
// Events for the window tests (--log): speech-started, speech-audio (the first audio
// reached the sink), speech-finished (status=complete|stopped|failed, frames=N: frames
// written to the sink).
#include <QObject>
#include <QThread>
#include <QUrl>
#include <QVariantList>

#include "audio_playback.h"
#include "speech_synth.h"
#include "voice_settings.h"

namespace vole::desktop {

class EngineController;
class InstalledModelsModel;

class SpeechOutput : public QObject {
  Q_OBJECT
  Q_PROPERTY(vole::desktop::VoiceSettings* settings READ settings CONSTANT)
  Q_PROPERTY(bool speaking READ speaking NOTIFY speakingChanged)
  Q_PROPERTY(qint64 speakingMessage READ speakingMessage NOTIFY speakingChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)
  // [{label, value, language}] the espeak-ng voices, and the neural voice when a Kani-TTS
  // model folder is chosen or installed.
  Q_PROPERTY(QVariantList voices READ voices NOTIFY voicesChanged)
  // [{label, value}] the audio outputs; value "" = the system's default.
  Q_PROPERTY(QVariantList outputs READ outputs NOTIFY outputsChanged)
  // Installed model folders that hold a Kani-TTS voice (LFM2 model + NanoCodec .nemo).
  Q_PROPERTY(QStringList voiceModels READ voiceModels NOTIFY voicesChanged)

 public:
  // `settings_file`: the app's settings file; `engine` (optional) for streaming answers
  // and the shared GPU device; `models` (optional) to find installed neural voices.
  SpeechOutput(const QString& settings_file, EngineController* engine = nullptr, InstalledModelsModel* models = nullptr,
               QObject* parent = nullptr);
  ~SpeechOutput() override;

  VoiceSettings* settings() { return &settings_; }
  bool speaking() const { return message_ != 0; }
  qint64 speakingMessage() const { return message_; }
  QString error() const { return error_; }
  QVariantList voices() const;
  QVariantList outputs() const;
  QStringList voiceModels() const;
  AudioPlayback& playback() { return playback_; }

  // Reads a whole answer (its Markdown text); a second call for the same message stops it.
  Q_INVOKABLE void readAloud(qint64 message, const QString& answer_text);
  // Plays the dictation a user message was made from (the WAV kept with it, "Keep
  // recordings") on the chosen output; a second call for the same message stops it.
  Q_INVOKABLE void playRecording(qint64 message, const QUrl& file);
  Q_INVOKABLE void stop();
  Q_INVOKABLE void clearError();

  // The streaming path (connected to the engine when one is given).
  void answer_started(qint64 message);
  void answer_streamed(qint64 message, const QString& answer_delta);
  void answer_finished(qint64 message);

  // While a voice conversation runs, every answer is spoken (whatever readAnswers says).
  void set_conversation_active(bool on) { conversation_active_ = on; }

  // Ends the speech thread; called at quit.
  void shutdown();

 Q_SIGNALS:
  void speakingChanged();
  void errorChanged();
  void voicesChanged();
  void outputsChanged();

 private:
  bool begin(qint64 message);  // claim, then the speech thread starts a synthesis job
  // Makes `message` the one playing, ending any other; false: no output (error set).
  bool claim(qint64 message, const QString& voice);
  void end(const char* status);
  void set_error(const QString& message);
  void apply_voice();
  QAudioDevice chosen_output() const;

  VoiceSettings settings_;
  InstalledModelsModel* models_ = nullptr;
  QThread thread_;
  SpeechSynth* synth_ = nullptr;  // lives on thread_
  AudioPlayback playback_;
  qint64 job_ = 0;      // the current synthesis job (jobs only grow)
  qint64 message_ = 0;  // the answer being read; 0 = silent
  bool streaming_ = false;
  bool first_audio_ = false;
  bool conversation_active_ = false;
  QString error_;
};

}  // namespace vole::desktop
