#include "barge_in_detector.h"

#include <algorithm>

namespace vole::desktop {

namespace {
constexpr size_t kFrame = audio::kSpeechSampleRate / 100;  // 10 ms, the detector's frame
}

BargeInDetector::Options BargeInDetector::for_sensitivity(int sensitivity) {
  switch (std::clamp(sensitivity, 1, 3)) {
    case 1:
      return {0.25, 0.5};  // -30 dBFS, a quarter second
    case 3:
      return {0.13, 0.3};  // -42 dBFS
    default:
      return {0.18, 0.4};
  }
}

BargeInDetector::BargeInDetector(QObject* parent) : QObject(parent) {
  connect(&mic_, &Microphone::audio, this, &BargeInDetector::feed);
  connect(&mic_, &Microphone::failed, this, [this](const QString& message) {
    vad_.reset();
    Q_EMIT failed(message);
  });
}

void BargeInDetector::prepare(const Options& options) {
  options_ = options;
  audio::VadOptions vo;
  vo.aggressiveness = 3;  // the strictest mode lets the least non-speech through
  vad_.emplace(vo);
  frame_.clear();
  levels_.clear();
  decided_ = 0;
  window_.clear();
  speech_in_window_ = 0;
  fired_ = false;
}

QString BargeInDetector::arm(const QByteArray& device_id, const Options& options) {
  prepare(options);
  QString problem = mic_.start(device_id);
  if (!problem.isEmpty()) vad_.reset();
  return problem;
}

void BargeInDetector::disarm() {
  vad_.reset();  // first: the tail audio() of stop() is not looked at
  mic_.stop();
}

void BargeInDetector::feed(const std::vector<float>& samples) {
  if (!vad_ || fired_) return;
  vad_->feed(samples);
  // The frames' levels, framed as the detector frames them (from the first sample).
  for (float s : samples) {
    frame_.push_back(s);
    if (frame_.size() == kFrame) {
      levels_.push_back(Microphone::level_of(frame_));
      frame_.clear();
    }
  }
  const auto needed = static_cast<size_t>(options_.min_speech_s * 100 + 0.5);
  const auto window = needed + 15;  // + 150 ms
  const std::vector<bool>& voiced = vad_->frame_decisions();
  for (; decided_ < voiced.size() && decided_ < levels_.size(); ++decided_) {
    const bool speech = voiced[decided_] && levels_[decided_] >= options_.min_level;
    window_.push_back(speech);
    speech_in_window_ += speech;
    if (window_.size() > window) {
      speech_in_window_ -= window_.front();
      window_.pop_front();
    }
    if (speech_in_window_ >= needed) {
      fired_ = true;
      Q_EMIT speechDetected();
      return;
    }
  }
}

}  // namespace vole::desktop
