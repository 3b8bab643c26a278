#include "voice_input.h"

#include <QDateTime>
#include <filesystem>

#include "app_settings.h"
#include "audio/wav_writer.h"
#include "engine_controller.h"
#include "hub/catalog.h"
#include "installed_models_model.h"
#include "model_manager.h"
#include "qt_strings.h"
#include "util/paths.h"

namespace vole::desktop {

namespace {
constexpr double kMaxRecordingSeconds = 300;     // a forgotten hands-free session ends by itself
constexpr double kHandsFreeSilenceSeconds = 10;  // hands-free with no speech at all: give up
constexpr double kPartialEverySeconds = 0.4;     // new audio before another partial transcript
constexpr int kPartialTimerMs = 500;

const hub::CatalogEntry* default_speech_model() {
  return hub::builtin_catalog().default_for(hub::ModelKind::SpeechToText);
}
}  // namespace

VoiceInput::VoiceInput(EngineController* engine, InstalledModelsModel* models, ModelManager* manager,
                       AppSettings* settings, QObject* parent)
    : QObject(parent),
      engine_(engine),
      models_(models),
      manager_(manager),
      app_settings_(settings),
      settings_(std::make_unique<QSettings>(settings->settingsFile(), QSettings::IniFormat)) {
  register_speech_types();
  connect(&mic_, &Microphone::audio, this, &VoiceInput::on_audio);
  connect(&mic_, &Microphone::failed, this, &VoiceInput::on_failed);
  connect(&mic_, &Microphone::level, this, [this](double v) {
    level_ = v;
    Q_EMIT levelChanged();
  });
  connect(&engine_->worker(), &EngineWorker::transcribed, this, &VoiceInput::on_transcribed, Qt::QueuedConnection);
  connect(models_, &QAbstractItemModel::modelReset, this, &VoiceInput::speechModelChanged);
  partial_timer_.setInterval(kPartialTimerMs);
  connect(&partial_timer_, &QTimer::timeout, this, &VoiceInput::request_partial);
}

VoiceInput::~VoiceInput() = default;

QString VoiceInput::state() const {
  switch (state_) {
    case State::Idle:
      return QStringLiteral("idle");
    case State::Listening:
      return QStringLiteral("listening");
    case State::Transcribing:
      return QStringLiteral("transcribing");
  }
  return {};
}

double VoiceInput::elapsed() const {
  if (state_ == State::Listening && clock_.isValid()) return clock_.elapsed() / 1000.0;
  return static_cast<double>(samples_.size()) / audio::kSpeechSampleRate;
}

bool VoiceInput::hasSpeechModel() const { return !models_->pathOfKind(hub::ModelKind::SpeechToText).isEmpty(); }
QString VoiceInput::speechModelId() const {
  return default_speech_model() ? qstr(default_speech_model()->id) : QString();
}
QString VoiceInput::speechModelName() const {
  return default_speech_model() ? qstr(default_speech_model()->display_name) : QString();
}
QString VoiceInput::speechModelSize() const {
  return default_speech_model() ? human_size(static_cast<qint64>(default_speech_model()->size_full_bytes)) : QString();
}

QString VoiceInput::microphone() const { return settings_->value("voice/microphone").toString(); }
bool VoiceInput::autoSend() const { return settings_->value("voice/autoSend", false).toBool(); }
bool VoiceInput::keepRecordings() const { return settings_->value("voice/keepRecordings", false).toBool(); }

void VoiceInput::setMicrophone(const QString& id) {
  if (id == microphone()) return;
  settings_->setValue("voice/microphone", id);
  Q_EMIT settingsChanged();
  if (testing_) {  // the meter follows the choice
    stopTest();
    startTest();
  }
}
void VoiceInput::setAutoSend(bool on) {
  if (on == autoSend()) return;
  settings_->setValue("voice/autoSend", on);
  Q_EMIT settingsChanged();
}
void VoiceInput::setKeepRecordings(bool on) {
  if (on == keepRecordings()) return;
  settings_->setValue("voice/keepRecordings", on);
  Q_EMIT settingsChanged();
}

void VoiceInput::set_state(State s) {
  if (s == state_) return;
  state_ = s;
  if (s != State::Listening) partial_timer_.stop();
  Q_EMIT stateChanged();
}

void VoiceInput::set_error(const QString& e) {
  if (e == error_) return;
  error_ = e;
  Q_EMIT errorChanged();
}

QString VoiceInput::startTurn(double pause_seconds) {
  audio::VadOptions options;
  options.min_silence_s = pause_seconds;
  QString problem = start(true, options);
  turn_ = problem.isEmpty();
  return problem;
}

QString VoiceInput::start(bool hands_free) { return start(hands_free, audio::VadOptions{}); }

QString VoiceInput::start(bool hands_free, const audio::VadOptions& vad) {
  if (state_ != State::Idle) return tr("Vole is already listening.");
  turn_ = false;
  stopTest();
  if (!hasSpeechModel()) return QStringLiteral("no-speech-model");
  set_error({});
  samples_.clear();
  last_recording_.clear();  // a new dictation: the previous one's file is not this text's
  partial_.clear();
  Q_EMIT partialTextChanged();
  vad_ = std::make_unique<audio::VoiceActivityDetector>(vad);
  heard_speech_ = false;
  partial_at_ = 0;
  final_id_ = 0;
  QString problem = mic_.start(microphone().toUtf8());
  if (!problem.isEmpty()) {
    set_error(problem);
    return problem;
  }
  hands_free_ = hands_free;
  clock_.start();
  set_state(State::Listening);
  partial_timer_.start();
  return {};
}

void VoiceInput::stop() {
  if (state_ != State::Listening) return;
  mic_.stop();  // its last samples arrive (on_audio) before it returns
  level_ = 0;
  Q_EMIT levelChanged();
  set_state(State::Transcribing);
  submit(false);
}

void VoiceInput::cancel() {
  if (state_ == State::Idle) return;
  mic_.stop();
  final_id_ = 0;  // a transcription in flight is ignored when it comes back
  turn_ = false;
  samples_.clear();
  level_ = 0;
  Q_EMIT levelChanged();
  set_state(State::Idle);
}

void VoiceInput::keepListening() {
  if (state_ != State::Listening || hands_free_) return;
  hands_free_ = true;
  Q_EMIT stateChanged();
}

QString VoiceInput::downloadSpeechModel() {
  if (!default_speech_model()) return tr("Vole's catalog names no speech model.");
  return manager_->downloadCatalog(qstr(default_speech_model()->id), false);
}

void VoiceInput::refreshDevices() {
  devices_ = Microphone::devices();
  Q_EMIT devicesChanged();
}

QString VoiceInput::startTest() {
  if (state_ != State::Idle) return tr("The microphone is in use for dictation.");
  if (testing_) return {};
  QString problem = mic_.start(microphone().toUtf8());
  set_error(problem);
  if (!problem.isEmpty()) return problem;
  testing_ = true;
  Q_EMIT testingChanged();
  return {};
}

void VoiceInput::stopTest() {
  if (!testing_) return;
  testing_ = false;  // first: the tail audio() of stop() is not a recording
  mic_.stop();
  level_ = 0;
  Q_EMIT levelChanged();
  Q_EMIT testingChanged();
}

void VoiceInput::on_audio(const std::vector<float>& samples) {
  if (testing_ || state_ != State::Listening) return;
  samples_.insert(samples_.end(), samples.begin(), samples.end());
  bool pause_after_speech = false;
  for (const auto& event : vad_->feed(samples)) {
    if (event.kind == audio::VadEvent::Kind::SpeechStart) heard_speech_ = true;
    if (event.kind == audio::VadEvent::Kind::SpeechEnd) pause_after_speech = true;
  }
  const double seconds = static_cast<double>(samples_.size()) / audio::kSpeechSampleRate;
  // Ended from the event loop, not inside the microphone's signal.
  if ((hands_free_ && pause_after_speech) || seconds >= kMaxRecordingSeconds) {
    QMetaObject::invokeMethod(this, &VoiceInput::stop, Qt::QueuedConnection);
  } else if (turn_ && !heard_speech_ && seconds >= kHandsFreeSilenceSeconds) {
    // A conversation waits for the user: the silence so far is dropped, listening goes on.
    samples_.clear();
    partial_at_ = 0;
    clock_.restart();
  } else if (hands_free_ && !heard_speech_ && seconds >= kHandsFreeSilenceSeconds) {
    set_error(tr("No speech heard: listening stopped."));
    QMetaObject::invokeMethod(this, &VoiceInput::cancel, Qt::QueuedConnection);
  }
}

void VoiceInput::on_failed(const QString& message) {
  if (testing_) {
    testing_ = false;
    level_ = 0;
    Q_EMIT testingChanged();
    Q_EMIT levelChanged();
    set_error(message);
    return;
  }
  if (state_ != State::Listening) return;
  // The microphone is gone: what was heard is still transcribed, so no words are lost.
  set_error(message);
  level_ = 0;
  Q_EMIT levelChanged();
  set_state(State::Transcribing);
  submit(false);
}

void VoiceInput::request_partial() {
  if (state_ != State::Listening) return;
  Q_EMIT levelChanged();  // the elapsed time moves on even while the device sends nothing
  if (partial_in_flight_ || !heard_speech_) return;
  if (samples_.size() < partial_at_ + static_cast<size_t>(kPartialEverySeconds * audio::kSpeechSampleRate)) return;
  partial_at_ = samples_.size();
  submit(true);
}

void VoiceInput::submit(bool partial) {
  TranscriptionJob job;
  job.id = ++next_id_;
  job.model_dir = models_->pathOfKind(hub::ModelKind::SpeechToText);
  job.device = app_settings_->device();
  job.samples = samples_;
  job.partial = partial;
  (partial ? partial_in_flight_ : final_id_) = job.id;
  EngineWorker* worker = &engine_->worker();
  QMetaObject::invokeMethod(
      worker, [worker, job] { worker->transcribe(job); }, Qt::QueuedConnection);
}

void VoiceInput::on_transcribed(const TranscriptionResult& result) {
  if (result.partial) {
    if (result.id == partial_in_flight_) partial_in_flight_ = 0;
    if (state_ != State::Listening) return;  // the final transcript follows
    if (!result.error.isEmpty()) {
      // The speech model does not work (damaged, unsupported): say so, keep the text.
      mic_.stop();
      set_error(tr("Speech to text failed: %1").arg(result.error));
      set_state(State::Idle);
      end_recording(false);
      return;
    }
    partial_ = result.text;
    Q_EMIT partialTextChanged();
    return;
  }
  if (result.id != final_id_ || state_ != State::Transcribing) return;  // cancelled meanwhile
  final_id_ = 0;
  if (!result.error.isEmpty()) {
    set_error(tr("Speech to text failed: %1").arg(result.error));
  } else {
    partial_ = result.text;
    Q_EMIT partialTextChanged();
  }
  keep_recording();
  set_state(State::Idle);
  end_recording(hands_free_ && autoSend() && result.error.isEmpty() && error_.isEmpty() && !partial_.isEmpty());
}

void VoiceInput::end_recording(bool auto_send) {
  if (!turn_) {
    Q_EMIT transcriptReady(partial_, auto_send);
    return;
  }
  turn_ = false;
  if (error_.isEmpty())
    Q_EMIT turnTranscribed(partial_);
  else
    Q_EMIT turnFailed(error_);
}

void VoiceInput::keep_recording() {
  if (!keepRecordings() || samples_.empty()) return;
  try {
    const auto dir = vole::data_dir() / "recordings";
    std::filesystem::create_directories(dir);
    const QString name = QDateTime::currentDateTime().toString("'voice-'yyyyMMdd-hhmmss-zzz'.wav'");
    const auto path = dir / name.toStdString();
    audio::write_wav(path, samples_, audio::kSpeechSampleRate, audio::WavSampleFormat::Float32);
    last_recording_ = qstr(path.string());
  } catch (const std::exception& e) {
    set_error(tr("The recording could not be kept: %1").arg(QString::fromUtf8(e.what())));
  }
}

}  // namespace vole::desktop
