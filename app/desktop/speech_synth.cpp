#include "speech_synth.h"

#include <cstring>
#include <span>

#include "runtime/engine.h"
#include "speech/espeak_speaker.h"
#include "speech/kani_speaker.h"
#include "speech/speech_stream.h"
#include "util/error.h"

namespace vole::desktop {

namespace {
// The language espeak-ng gives for a voice identifier; text preparation spells English
// abbreviations and symbols only for English voices.
std::string language_of(const std::string& identifier) {
  for (const auto& v : speech::EspeakSpeaker::list_voices())
    if (v.identifier == identifier) return v.language;
  return "en";
}
}  // namespace

SpeechSynth::SpeechSynth(DeviceProvider device, QObject* parent) : QObject(parent), device_(std::move(device)) {}

SpeechSynth::~SpeechSynth() { release(); }

void SpeechSynth::cancel_through(qint64 job) {
  qint64 seen = cancelled_through_.load();
  while (seen < job && !cancelled_through_.compare_exchange_weak(seen, job)) {
  }
  std::lock_guard lock(stream_mutex_);
  if (stream_ && job_ <= job) stream_->cancel();
}

void SpeechSynth::configure(const QString& voice, double rate, const QString& kani_folder) {
  voice_ = voice;
  rate_ = rate;
  kani_folder_ = kani_folder;
}

void SpeechSynth::ensure_speaker() {
  const QString key = voice_ + '|' + QString::number(rate_) + '|' + (voice_ == kKaniVoice ? kani_folder_ : QString());
  if (speaker_ && key == loaded_key_) return;
  speaker_.reset();  // the old voice's memory goes before the new one loads
  loaded_key_.clear();
  if (voice_ == kKaniVoice) {
    if (kani_folder_.isEmpty())
      fail(ErrorCode::InvalidArgument, "no text-to-speech model folder is chosen for the neural voice");
    if (!device_) fail(ErrorCode::Unsupported, "the neural voice needs the GPU device, which is not available here");
    const std::string folder = kani_folder_.toStdString();
    std::shared_ptr<runtime::Device> device = device_();
    if (!device) fail(ErrorCode::Unsupported, "the GPU device is not available (Vole is closing)");
    auto lm = std::make_unique<runtime::Engine>(std::move(device), folder);
    speaker_ = std::make_unique<speech::KaniSpeaker>(std::move(lm), folder);
    language_ = "en";
  } else {
    speech::EspeakOptions options;
    if (voice_.startsWith(kEspeakVoicePrefix))
      options.voice = voice_.mid(int(strlen(kEspeakVoicePrefix))).toStdString();
    options.rate = rate_;
    auto espeak = std::make_unique<speech::EspeakSpeaker>(options);
    language_ = options.voice.empty() ? "en" : language_of(espeak->voice());
    speaker_ = std::move(espeak);
  }
  loaded_key_ = key;
}

void SpeechSynth::begin(qint64 job) {
  end_stream();
  if (cancelled(job)) return;
  try {
    ensure_speaker();
  } catch (const std::exception& e) {
    Q_EMIT failed(job, tr("The voice could not be loaded: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  speech::SpeechTextOptions text;
  text.language = language_;
  auto sink = [this, job](std::span<const float> samples) {
    if (cancelled(job)) return;
    Q_EMIT audio(
        job, QByteArray(reinterpret_cast<const char*>(samples.data()), static_cast<qsizetype>(samples.size_bytes())));
  };
  auto stream = std::make_unique<speech::SpeechStream>(*speaker_, std::move(sink), text);
  {
    std::lock_guard lock(stream_mutex_);
    stream_ = std::move(stream);
    job_ = job;
  }
  if (cancelled(job)) stream_->cancel();  // cancelled while the voice loaded
  Q_EMIT ready(job, speaker_->sample_rate());
}

void SpeechSynth::append(qint64 job, const QString& answer_text) {
  if (!stream_ || job_ != job || cancelled(job)) return;
  try {
    stream_->append(answer_text.toStdString());
  } catch (const std::exception& e) {
    end_stream();
    Q_EMIT failed(job, tr("Reading aloud failed: %1").arg(QString::fromUtf8(e.what())));
  }
}

void SpeechSynth::finish(qint64 job) {
  if (!stream_ || job_ != job) return;
  try {
    if (!cancelled(job)) stream_->finish();
  } catch (const std::exception& e) {
    end_stream();
    Q_EMIT failed(job, tr("Reading aloud failed: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  end_stream();
  if (!cancelled(job)) Q_EMIT done(job);
}

void SpeechSynth::end_stream() {
  std::lock_guard lock(stream_mutex_);
  stream_.reset();
}

void SpeechSynth::release() {
  end_stream();
  speaker_.reset();
  loaded_key_.clear();
}

}  // namespace vole::desktop
