#pragma once
// Voice input for the composer (App.voice): the microphone (Microphone) captured at
// 16 kHz, the voice-activity detector (audio::VoiceActivityDetector) ending hands-free
// listening at a pause, and the transcription on the engine worker thread
// (EngineWorker::transcribe with the installed speech model), never on the UI thread.
//
//   push-to-talk: start(false) while the button is held, stop() when it is released;
//   hands-free:   start(true); listening ends by itself after a pause in speech.
//   a voice conversation's turn: startTurn(pause); like hands-free, but the pause length
//                 is the caller's, silence before any speech keeps listening, and the
//                 words come back as turnTranscribed (not into the composer).
//
// While listening, partial transcripts of the audio so far arrive (partialText); stop()
// transcribes the whole recording and emits transcriptReady(). Errors (no speech model,
// no microphone, refused, unplugged) set `error` and keep the text heard so far.
// Recordings are kept only when the user asks (keepRecordings): a float WAV in
// <data dir>/recordings/.
#include <QElapsedTimer>
#include <QObject>
#include <QSettings>
#include <QTimer>
#include <QVariantList>
#include <memory>
#include <vector>

#include "audio/vad.h"
#include "microphone.h"
#include "speech_jobs.h"

namespace vole::desktop {

class AppSettings;
class EngineController;
class InstalledModelsModel;
class ModelManager;

class VoiceInput : public QObject {
  Q_OBJECT
  // "idle", "listening", "transcribing"
  Q_PROPERTY(QString state READ state NOTIFY stateChanged)
  Q_PROPERTY(bool handsFree READ handsFree NOTIFY stateChanged)
  Q_PROPERTY(double level READ level NOTIFY levelChanged)      // 0..1, the last block's
  Q_PROPERTY(double elapsed READ elapsed NOTIFY levelChanged)  // seconds of this recording
  Q_PROPERTY(QString partialText READ partialText NOTIFY partialTextChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)
  Q_PROPERTY(bool hasSpeechModel READ hasSpeechModel NOTIFY speechModelChanged)
  Q_PROPERTY(QString speechModelId READ speechModelId CONSTANT)  // the catalog's default speech model
  Q_PROPERTY(QString speechModelName READ speechModelName CONSTANT)
  Q_PROPERTY(QString speechModelSize READ speechModelSize CONSTANT)
  Q_PROPERTY(QVariantList devices READ devices NOTIFY devicesChanged)
  // Settings (kept in the app's settings file under voice/).
  Q_PROPERTY(QString microphone READ microphone WRITE setMicrophone NOTIFY settingsChanged)  // device id, "" = default
  Q_PROPERTY(bool autoSend READ autoSend WRITE setAutoSend NOTIFY settingsChanged)  // hands-free: send at the end
  Q_PROPERTY(bool keepRecordings READ keepRecordings WRITE setKeepRecordings NOTIFY settingsChanged)
  Q_PROPERTY(QString lastRecording READ lastRecording NOTIFY transcriptReady)  // path of the last kept WAV
  // The Settings page's test meter: the level of the chosen microphone, nothing recorded.
  Q_PROPERTY(bool testing READ testing NOTIFY testingChanged)

 public:
  VoiceInput(EngineController* engine, InstalledModelsModel* models, ModelManager* manager, AppSettings* settings,
             QObject* parent = nullptr);
  ~VoiceInput() override;

  QString state() const;
  bool handsFree() const { return hands_free_; }
  double level() const { return level_; }
  double elapsed() const;
  QString partialText() const { return partial_; }
  QString error() const { return error_; }
  bool hasSpeechModel() const;
  QString speechModelId() const;
  QString speechModelName() const;
  QString speechModelSize() const;
  QVariantList devices() const { return devices_; }
  QString microphone() const;
  bool autoSend() const;
  bool keepRecordings() const;
  QString lastRecording() const { return last_recording_; }
  bool testing() const { return testing_; }
  void setMicrophone(const QString& id);
  void setAutoSend(bool on);
  void setKeepRecordings(bool on);

  // Starts listening. Returns "" or why not: "no-speech-model" (the UI offers the
  // download) or a message for the user.
  Q_INVOKABLE QString start(bool hands_free);
  QString startTurn(double pause_seconds);
  Q_INVOKABLE void stop();    // ends listening and transcribes what was heard
  Q_INVOKABLE void cancel();  // ends listening, drops the audio
  // A push-to-talk start turns hands-free (the button was tapped, not held).
  Q_INVOKABLE void keepListening();
  Q_INVOKABLE QString downloadSpeechModel();
  Q_INVOKABLE void refreshDevices();
  Q_INVOKABLE QString startTest();
  Q_INVOKABLE void stopTest();

  // Test hook: the audio of the last finished recording (16 kHz mono).
  const std::vector<float>& recording() const { return samples_; }

 Q_SIGNALS:
  void stateChanged();
  void levelChanged();
  void partialTextChanged();
  void errorChanged();
  void speechModelChanged();
  void devicesChanged();
  void settingsChanged();
  void testingChanged();
  // The whole recording's text (also after an error: the text heard so far); autoSend:
  // hands-free with the setting on, so the composer sends it.
  void transcriptReady(const QString& text, bool autoSend);
  // The end of a startTurn() recording: its words, or why there are none.
  void turnTranscribed(const QString& text);
  void turnFailed(const QString& message);

 private:
  enum class State { Idle, Listening, Transcribing };
  void set_state(State s);
  void set_error(const QString& e);
  void on_audio(const std::vector<float>& samples);
  void on_failed(const QString& message);
  void request_partial();
  void submit(bool partial);
  void on_transcribed(const TranscriptionResult& result);
  void keep_recording();
  QString start(bool hands_free, const audio::VadOptions& vad);
  // The recording's text goes to the composer (transcriptReady) or, for a turn, to the conversation.
  void end_recording(bool auto_send);

  EngineController* engine_;
  InstalledModelsModel* models_;
  ModelManager* manager_;
  AppSettings* app_settings_;
  std::unique_ptr<QSettings> settings_;
  Microphone mic_;
  std::unique_ptr<audio::VoiceActivityDetector> vad_;
  QTimer partial_timer_;
  QElapsedTimer clock_;
  State state_ = State::Idle;
  bool hands_free_ = false;
  bool turn_ = false;  // started by startTurn
  bool testing_ = false;
  bool heard_speech_ = false;
  double level_ = 0;
  QString partial_, error_, last_recording_;
  QVariantList devices_;
  std::vector<float> samples_;
  size_t partial_at_ = 0;  // samples_ size of the last partial request
  qint64 next_id_ = 0;
  qint64 partial_in_flight_ = 0;  // id of a partial job not answered yet
  qint64 final_id_ = 0;           // id of the final job of this recording
};

}  // namespace vole::desktop
