#include "microphone.h"

#include <QAudioDevice>
#include <QAudioSource>
#include <QVariantMap>
#include <algorithm>
#include <cmath>

#include "audio/audio.h"

namespace vole::desktop {

namespace {

// 16 kHz mono is what the speech model takes; a device that offers it directly needs no
// resampling. Otherwise the device's own rate, mono if it can (mixed down here if not).
QAudioFormat choose_format(const QAudioDevice& device) {
  QAudioFormat f;
  f.setSampleRate(audio::kSpeechSampleRate);
  f.setChannelCount(1);
  f.setSampleFormat(QAudioFormat::Int16);
  if (device.isFormatSupported(f)) return f;
  f = device.preferredFormat();
  QAudioFormat mono = f;
  mono.setChannelCount(1);
  return device.isFormatSupported(mono) ? mono : f;
}

}  // namespace

Microphone::Microphone(QObject* parent) : QObject(parent) {
  connect(&media_devices_, &QMediaDevices::audioInputsChanged, this, &Microphone::on_inputs_changed);
  presence_.setInterval(500);
  connect(&presence_, &QTimer::timeout, this, &Microphone::on_inputs_changed);
}

Microphone::~Microphone() {
  if (source_) source_->stop();
}

QVariantList Microphone::devices() {
  QVariantList list;
  const QAudioDevice fallback = QMediaDevices::defaultAudioInput();
  for (const QAudioDevice& d : QMediaDevices::audioInputs())
    list.append(QVariantMap{
        {"id", QString::fromUtf8(d.id())}, {"name", d.description()}, {"isDefault", d.id() == fallback.id()}});
  return list;
}

double Microphone::level_of(const std::vector<float>& mono) {
  if (mono.empty()) return 0.0;
  double sum = 0;
  for (float s : mono) sum += static_cast<double>(s) * s;
  double db = 10.0 * std::log10(sum / static_cast<double>(mono.size()) + 1e-12);
  return std::clamp((db + 60.0) / 60.0, 0.0, 1.0);
}

QString Microphone::start(const QByteArray& device_id) {
  stop();
  const QList<QAudioDevice> inputs = QMediaDevices::audioInputs();
  if (inputs.isEmpty()) return tr("No microphone found. Connect one, or check that the system sees it.");
  QAudioDevice device;
  for (const QAudioDevice& d : inputs)
    if (!device_id.isEmpty() && d.id() == device_id) device = d;
  if (device.isNull()) device = QMediaDevices::defaultAudioInput();
  if (device.isNull()) device = inputs.first();

  format_ = choose_format(device);
  if (!format_.isValid() || format_.sampleRate() <= 0 || format_.channelCount() <= 0)
    return tr("The microphone %1 offers no usable audio format.").arg(device.description());
  source_ = std::make_unique<QAudioSource>(device, format_);
  source_->setBufferSize(format_.bytesForDuration(200'000));  // 200 ms: small enough for a live meter
  connect(source_.get(), &QAudioSource::stateChanged, this, &Microphone::on_state_changed);
  io_ = source_->start();
  if (!io_ || source_->error() != QAudio::NoError) {
    source_.reset();
    io_ = nullptr;
    return tr("Vole could not open the microphone %1: access was refused, or another program holds it.")
        .arg(device.description());
  }
  resampler_.emplace(format_.sampleRate(), audio::kSpeechSampleRate);
  device_id_ = device.id();
  device_name_ = device.description();
  pending_.clear();
  connect(io_, &QIODevice::readyRead, this, &Microphone::read_available);
  presence_.start();
  return {};
}

void Microphone::stop() {
  if (!source_) return;
  presence_.stop();
  read_available();
  auto source = std::move(source_);  // active() is false from here, also for slots the stop() runs
  io_ = nullptr;
  source->disconnect(this);
  source->stop();
  std::vector<float> tail;
  if (resampler_) resampler_->finish(tail);
  resampler_.reset();
  if (!tail.empty()) Q_EMIT audio(tail);
}

void Microphone::read_available() {
  if (!io_) return;
  pending_.append(io_->readAll());
  const int frame_bytes = format_.bytesPerFrame();
  const qsizetype frames = frame_bytes > 0 ? pending_.size() / frame_bytes : 0;
  if (frames == 0) return;
  const int channels = format_.channelCount();
  const int sample_bytes = format_.bytesPerSample();
  std::vector<float> mono(static_cast<size_t>(frames));
  const char* p = pending_.constData();
  for (qsizetype i = 0; i < frames; ++i) {
    float sum = 0;
    for (int c = 0; c < channels; ++c) sum += format_.normalizedSampleValue(p + (i * channels + c) * sample_bytes);
    mono[static_cast<size_t>(i)] = sum / static_cast<float>(channels);
  }
  pending_.remove(0, frames * frame_bytes);
  Q_EMIT level(level_of(mono));
  std::vector<float> out;
  resampler_->process(mono, out);
  if (!out.empty()) Q_EMIT audio(out);
}

void Microphone::on_state_changed() {
  if (!source_ || source_->state() != QAudio::StoppedState) return;
  switch (source_->error()) {
    case QAudio::NoError:
    case QAudio::UnderrunError:
      return;
    case QAudio::OpenError:
      fail(tr("Vole could not open the microphone %1: access was refused, or another program holds it.")
               .arg(device_name_));
      return;
    case QAudio::IOError:
      fail(tr("The microphone %1 stopped delivering audio (was it unplugged?).").arg(device_name_));
      return;
    case QAudio::FatalError:
      fail(tr("The audio system failed while recording from %1.").arg(device_name_));
      return;
  }
}

void Microphone::on_inputs_changed() {
  if (!source_) return;
  const QList<QAudioDevice> inputs = QMediaDevices::audioInputs();
  bool present = std::any_of(inputs.begin(), inputs.end(), [&](const QAudioDevice& d) { return d.id() == device_id_; });
  if (!present) fail(tr("The microphone %1 was disconnected.").arg(device_name_));
}

void Microphone::fail(const QString& message) {
  stop();
  Q_EMIT failed(message);
}

}  // namespace vole::desktop
