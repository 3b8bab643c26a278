#include "speech_output.h"

#include <QCoreApplication>
#include <QDir>
#include <QMediaDevices>
#include <algorithm>

#include "audio/decode.h"
#include "engine_controller.h"
#include "event_log.h"
#include "installed_models_model.h"
#include "qt_strings.h"
#include "speech/espeak_speaker.h"

namespace vole::desktop {

namespace {
// A folder holds a Kani-TTS voice when its model is LFM2 and its NanoCodec archive lies
// beside it (the layout the Kani-TTS repositories ship).
bool holds_kani_voice(const InstalledModel& m) {
  return m.present && m.architecture == "lfm2" &&
         !QDir(m.path).entryList({"*.nemo"}, QDir::Files | QDir::Readable).isEmpty();
}
}  // namespace

SpeechOutput::SpeechOutput(const QString& settings_file, EngineController* engine, InstalledModelsModel* models,
                           QObject* parent)
    : QObject(parent), settings_(settings_file), models_(models) {
  SpeechSynth::DeviceProvider device;
  if (engine) {
    EngineWorker* worker = &engine->worker();
    // The neural voice joins the chat model on the engine worker's device. Asked from the
    // speech thread; blocks it (never the UI) until the worker is between jobs.
    device = [worker] {
      std::shared_ptr<runtime::Device> shared;
      QMetaObject::invokeMethod(
          worker, [&] { shared = worker->shared_device(); }, Qt::BlockingQueuedConnection);
      return shared;
    };
  }
  synth_ = new SpeechSynth(std::move(device));
  synth_->moveToThread(&thread_);
  thread_.setObjectName("vole-speech");
  connect(&thread_, &QThread::finished, synth_, &QObject::deleteLater);
  thread_.start();

  // Every signal of a job that has ended (Stop, a new answer) is ignored: a `ready` that
  // arrives after Stop must not open the output again.
  connect(synth_, &SpeechSynth::ready, this, [this](qint64 job, int sample_rate) {
    if (job != job_ || message_ == 0) return;
    playback_.set_volume(settings_.volume());
    if (!playback_.start(sample_rate, chosen_output())) return;  // failed() ends it
  });
  connect(synth_, &SpeechSynth::audio, this, [this](qint64 job, const QByteArray& bytes) {
    if (job != job_ || !playback_.active()) return;
    playback_.push({reinterpret_cast<const float*>(bytes.constData()), size_t(bytes.size()) / sizeof(float)});
    if (!first_audio_) {
      first_audio_ = true;
      log_event("speech-audio", {{"message", message_}, {"streaming", streaming_}});
    }
  });
  connect(synth_, &SpeechSynth::done, this, [this](qint64 job) {
    if (job == job_ && message_ != 0) playback_.finish_input();
  });
  connect(synth_, &SpeechSynth::failed, this, [this](qint64 job, const QString& message) {
    if (job != job_ || message_ == 0) return;
    set_error(message);
    end("failed");
  });
  connect(&playback_, &AudioPlayback::finished, this, [this] { end("complete"); });
  connect(&playback_, &AudioPlayback::failed, this, [this](const QString& message) {
    set_error(message);
    end("failed");
  });

  connect(&settings_, &VoiceSettings::changed, this, [this, folder = settings_.modelFolder()]() mutable {
    apply_voice();
    if (folder != settings_.modelFolder()) {  // the neural voice may appear or go
      folder = settings_.modelFolder();
      Q_EMIT voicesChanged();
    }
    playback_.set_volume(settings_.volume());
  });
  apply_voice();
  auto* devices = new QMediaDevices(this);
  connect(devices, &QMediaDevices::audioOutputsChanged, this, &SpeechOutput::outputsChanged);
  if (models_) connect(models_, &InstalledModelsModel::countChanged, this, &SpeechOutput::voicesChanged);

  if (engine) {
    connect(engine, &EngineController::started, this, [this](qint64, qint64 message) {
      if (settings_.readAnswers() || conversation_active_) answer_started(message);
    });
    connect(engine, &EngineController::streamed, this,
            [this](qint64, qint64 message, const QString&, const QString& content) {
              answer_streamed(message, content);  // reasoning is never passed on
            });
    connect(engine, &EngineController::finished, this,
            [this](const GenerationResult& result) { answer_finished(result.message); });
  }
}

SpeechOutput::~SpeechOutput() { shutdown(); }

void SpeechOutput::shutdown() {
  if (!thread_.isRunning()) return;
  stop();
  disconnect(synth_, nullptr, this, nullptr);
  QMetaObject::invokeMethod(synth_, &SpeechSynth::release, Qt::QueuedConnection);
  thread_.quit();
  thread_.wait();
  // What the speech thread sent before it ended is not delivered: Qt's audio sink runs a
  // nested event loop while it is destroyed, which must not reach this object half gone.
  QCoreApplication::removePostedEvents(this);
}

void SpeechOutput::apply_voice() {
  // The neural voice speaks with the chosen model folder, else the first installed one.
  QString folder = settings_.modelFolder();
  if (folder.isEmpty() && !voiceModels().isEmpty()) folder = voiceModels().front();
  QMetaObject::invokeMethod(synth_, [s = synth_, voice = settings_.voice(), speed = settings_.speed(), folder] {
    s->configure(voice, speed, folder);
  });
}

QAudioDevice SpeechOutput::chosen_output() const {
  const QString id = settings_.outputDevice();
  if (id.isEmpty()) return {};
  for (const auto& d : QMediaDevices::audioOutputs())
    if (QString::fromUtf8(d.id()) == id) return d;
  return {};  // gone: the default plays it (Settings shows the choice as missing)
}

void SpeechOutput::readAloud(qint64 message, const QString& answer_text) {
  if (message_ == message && !streaming_) {  // the button toggles
    stop();
    return;
  }
  if (!begin(message)) return;
  QMetaObject::invokeMethod(synth_, [s = synth_, job = job_, answer_text] {
    s->append(job, answer_text);
    s->finish(job);
  });
}

void SpeechOutput::answer_started(qint64 message) {
  if (begin(message)) streaming_ = true;
}

void SpeechOutput::answer_streamed(qint64 message, const QString& answer_delta) {
  if (!streaming_ || message != message_ || answer_delta.isEmpty()) return;
  QMetaObject::invokeMethod(synth_, [s = synth_, job = job_, answer_delta] { s->append(job, answer_delta); });
}

void SpeechOutput::answer_finished(qint64 message) {
  if (!streaming_ || message != message_) return;
  streaming_ = false;
  QMetaObject::invokeMethod(synth_, [s = synth_, job = job_] { s->finish(job); });
}

bool SpeechOutput::claim(qint64 message, const QString& voice) {
  if (message_ != 0) end("stopped");
  clearError();
  if (QString reason = AudioPlayback::no_output_reason(); !reason.isEmpty()) {
    set_error(reason);
    log_event("speech-finished", {{"message", message}, {"status", "failed"}, {"frames", 0}});
    return false;
  }
  ++job_;  // a synthesis still running for the previous one is now stale
  message_ = message;
  first_audio_ = false;
  streaming_ = false;
  log_event("speech-started", {{"message", message}, {"voice", voice}});
  Q_EMIT speakingChanged();
  return true;
}

bool SpeechOutput::begin(qint64 message) {
  if (!claim(message, settings_.voice().isEmpty() ? "default" : settings_.voice())) return false;
  QMetaObject::invokeMethod(synth_, [s = synth_, job = job_] { s->begin(job); });
  return true;
}

void SpeechOutput::playRecording(qint64 message, const QUrl& file) {
  if (message_ == message) {  // the button toggles
    stop();
    return;
  }
  audio::Audio clip;
  try {
    clip = audio::read_audio_file(file.toLocalFile().toStdString());
  } catch (const std::exception& e) {
    set_error(tr("The recording cannot be played: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  if (!claim(message, "recording")) return;
  playback_.set_volume(settings_.volume());
  if (!playback_.start(clip.sample_rate, chosen_output())) return;  // failed() has ended it
  playback_.push(clip.samples);
  first_audio_ = true;
  log_event("speech-audio", {{"message", message_}, {"streaming", false}});
  playback_.finish_input();
}

void SpeechOutput::stop() {
  if (message_ != 0) end("stopped");
}

void SpeechOutput::end(const char* status) {
  if (message_ == 0) return;
  synth_->cancel_through(job_);
  const qint64 frames = playback_.frames_written();
  playback_.stop();
  log_event("speech-finished", {{"message", message_}, {"status", status}, {"frames", frames}});
  message_ = 0;
  streaming_ = false;
  Q_EMIT speakingChanged();
}

void SpeechOutput::set_error(const QString& message) {
  if (error_ == message) return;
  error_ = message;
  if (!message.isEmpty()) log_event("notice", {{"message", message}});
  Q_EMIT errorChanged();
}

void SpeechOutput::clearError() { set_error({}); }

QVariantList SpeechOutput::voices() const {
  QVariantList out;
  out.append(QVariantMap{{"label", tr("Default (espeak-ng, English)")}, {"value", ""}, {"language", "en"}});
  if (!settings_.modelFolder().isEmpty() || !voiceModels().isEmpty())
    out.append(
        QVariantMap{{"label", tr("Neural voice (Kani-TTS, English)")}, {"value", kKaniVoice}, {"language", "en"}});
  try {
    auto list = speech::EspeakSpeaker::list_voices();
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.language != b.language ? a.language < b.language : a.name < b.name;
    });
    for (const auto& v : list)
      out.append(QVariantMap{{"label", QStringLiteral("%1 (%2)").arg(qstr(v.name), qstr(v.language))},
                             {"value", QString(kEspeakVoicePrefix) + qstr(v.identifier)},
                             {"language", qstr(v.language)}});
  } catch (const std::exception&) {
    // espeak-ng's data missing: only the default entry, which then reports the problem when used.
  }
  return out;
}

QVariantList SpeechOutput::outputs() const {
  QVariantList out;
  out.append(QVariantMap{{"label", tr("System default")}, {"value", ""}});
  for (const auto& d : QMediaDevices::audioOutputs())
    out.append(QVariantMap{{"label", d.description()}, {"value", QString::fromUtf8(d.id())}});
  return out;
}

QStringList SpeechOutput::voiceModels() const {
  QStringList out;
  if (!models_) return out;
  for (const auto& m : models_->models())
    if (holds_kani_voice(m)) out << m.path;
  return out;
}

}  // namespace vole::desktop
