#include "audio_playback.h"

#include <QAudioFormat>
#include <QAudioSink>
#include <QCoreApplication>
#include <QMediaDevices>
#include <algorithm>
#include <cmath>

namespace vole::desktop {

namespace {
// How often queued audio is moved into the sink: well inside the sink's own buffer
// (PulseAudio's default is about 100 ms), so it never runs dry while audio is queued.
constexpr int kFeedIntervalMs = 20;
// Audio waiting in the sink that does not advance for this long: the device is gone (Qt
// 6.4's PulseAudio sink only prints "Entity killed" when its sink is unloaded).
constexpr qint64 kStallMs = 2000;

qint16 to_pcm16(float x) {
  x = std::clamp(x, -1.0f, 1.0f);
  return static_cast<qint16>(std::lround(x * 32767.0f));
}

bool device_present(const QByteArray& id) {
  const auto outputs = QMediaDevices::audioOutputs();
  return std::any_of(outputs.begin(), outputs.end(), [&](const QAudioDevice& d) { return d.id() == id; });
}
}  // namespace

AudioPlayback::AudioPlayback(QObject* parent) : QObject(parent) {
  timer_.setInterval(kFeedIntervalMs);
  connect(&timer_, &QTimer::timeout, this, &AudioPlayback::feed);
}

AudioPlayback::~AudioPlayback() {
  release();
  // Stopped sinks are deleted with this object; Qt's sink destructor runs a nested event
  // loop, which must find nothing queued for this one.
  QCoreApplication::removePostedEvents(this);
}

QString AudioPlayback::no_output_reason() {
  if (QMediaDevices::defaultAudioOutput().isNull() && QMediaDevices::audioOutputs().isEmpty())
    return tr(
        "No audio output device was found, so Vole cannot read aloud. Connect speakers or headphones "
        "(or start the sound server) and try again.");
  return {};
}

bool AudioPlayback::start(int sample_rate, const QAudioDevice& chosen) {
  release();
  queue_.clear();
  queue_pos_ = 0;
  input_done_ = false;
  drain_clock_.invalidate();
  ran_dry_ = false;
  frames_written_ = 0;
  played_us_ = -1;
  stall_clock_.start();
  sample_rate_ = sample_rate;
  QAudioDevice device = chosen.isNull() ? QMediaDevices::defaultAudioOutput() : chosen;
  if (device.isNull()) {
    QString reason = no_output_reason();
    fail(reason.isEmpty() ? tr("There is no default audio output; choose one in Settings.") : reason);
    return false;
  }
  QAudioFormat format;
  format.setSampleRate(sample_rate);
  format.setChannelCount(1);
  format.setSampleFormat(QAudioFormat::Int16);
  if (!device.isFormatSupported(format)) {
    fail(tr("The audio output \"%1\" cannot play mono audio at %2 Hz.").arg(device.description()).arg(sample_rate));
    return false;
  }
  device_name_ = device.description();
  sink_ = new QAudioSink(device, format, this);
  sink_->setVolume(volume_);
  io_ = sink_->start();
  if (!io_ || sink_->error() != QAudio::NoError) {
    fail(tr("The audio output \"%1\" could not be opened.").arg(device_name_));
    return false;
  }
  const QByteArray id = device.id();
  connect(sink_, &QAudioSink::stateChanged, this, [this](QAudio::State state) {
    if (!sink_) return;
    if (state == QAudio::StoppedState && sink_->error() != QAudio::NoError)
      fail(tr("The audio output \"%1\" stopped working.").arg(device_name_));
    else if (state == QAudio::IdleState && drain_clock_.isValid())
      ran_dry_ = true;  // idle after the last write: it has all been played
  });
  // An unplugged device disappears from the list; Qt's sink alone may just fall silent.
  auto* devices = new QMediaDevices(sink_);
  connect(devices, &QMediaDevices::audioOutputsChanged, this, [this, id] {
    if (sink_ && !device_present(id)) fail(tr("The audio output \"%1\" was disconnected.").arg(device_name_));
  });
  timer_.start();
  return true;
}

void AudioPlayback::push(std::span<const float> samples) {
  if (!sink_ || samples.empty()) return;
  if (tap_) tap_(samples);
  const qsizetype old = queue_.size();
  queue_.resize(old + static_cast<qsizetype>(samples.size() * sizeof(qint16)));
  auto* out = reinterpret_cast<qint16*>(queue_.data() + old);
  for (float s : samples) *out++ = to_pcm16(s);
  feed();
}

void AudioPlayback::finish_input() {
  input_done_ = true;
  feed();
}

void AudioPlayback::stop() { release(); }

void AudioPlayback::set_volume(double volume) {
  volume_ = std::clamp(volume, 0.0, 1.0);
  if (sink_) sink_->setVolume(volume_);
}

void AudioPlayback::feed() {
  if (!sink_ || !io_) return;
  if (const qint64 played = sink_->processedUSecs(); played != played_us_) {
    played_us_ = played;
    stall_clock_.restart();
  } else if (sink_->bytesFree() < sink_->bufferSize() && stall_clock_.elapsed() > kStallMs) {
    fail(tr("The audio output \"%1\" stopped playing (was it disconnected?).").arg(device_name_));
    return;
  }
  const qsizetype pending = queue_.size() - queue_pos_;
  qsizetype room = std::min<qsizetype>(sink_->bytesFree(), pending);
  room -= room % static_cast<qsizetype>(sizeof(qint16));
  if (room > 0) {
    const qint64 written = io_->write(queue_.constData() + queue_pos_, room);
    if (written < 0) {
      fail(tr("The audio output \"%1\" stopped taking audio.").arg(device_name_));
      return;
    }
    queue_pos_ += written;
    frames_written_ += written / static_cast<qint64>(sizeof(qint16));
    if (queue_pos_ >= queue_.size() / 2) {  // drop what was written, now and then
      queue_.remove(0, queue_pos_);
      queue_pos_ = 0;
    }
  }
  if (input_done_ && queue_pos_ == queue_.size()) {
    // Everything is in the sink: done once it has played its buffer out. Backends differ in
    // which of these they report, so the buffer's own length (plus a margin) bounds the wait.
    if (!drain_clock_.isValid()) drain_clock_.start();
    const qint64 buffer_ms = sink_->bufferSize() * 1000LL / (qint64(sizeof(qint16)) * sample_rate_);
    const bool drained =
        ran_dry_ || sink_->bytesFree() >= sink_->bufferSize() || drain_clock_.elapsed() > buffer_ms + 500;
    if (drained) {
      release();
      Q_EMIT finished();
    }
  }
}

void AudioPlayback::fail(const QString& message) {
  release();
  Q_EMIT failed(message);
}

void AudioPlayback::release() {
  timer_.stop();
  if (!sink_) return;
  QAudioSink* sink = sink_;
  sink_ = nullptr;  // the stateChanged emitted by stop() must not report a failure
  io_ = nullptr;
  sink->disconnect(this);
  sink->stop();
  sink->deleteLater();
  queue_.clear();
  queue_pos_ = 0;
}

}  // namespace vole::desktop
