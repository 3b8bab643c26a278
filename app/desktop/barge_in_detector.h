#pragma once
// Barge-in for the voice conversation: while an answer is spoken, the microphone keeps
// listening with a stricter voice detector, and sustained speech emits speechDetected so
// the answer and its playback stop at once.
//
// A 10 ms frame counts as the user's speech when WebRTC's detector (strictest mode) calls
// it voiced and it is louder than a floor: Vole's own voice comes back through the
// speakers quieter than the user's (most of all with headphones, which the UI
// recommends). Speech interrupts once such frames add up to `min_speech_s` (130-250 ms by
// the sensitivity setting) within that time plus 150 ms (syllables have quiet gaps); a
// click or a cough is shorter. Qt offers no echo canceller; where the system runs one
// (PulseAudio's module-echo-cancel), choosing its source as the microphone uses it.
#include <QByteArray>
#include <QObject>
#include <deque>
#include <optional>
#include <vector>

#include "audio/vad.h"
#include "microphone.h"

namespace vole::desktop {

class BargeInDetector : public QObject {
  Q_OBJECT

 public:
  struct Options {
    double min_speech_s = 0.18;  // sustained speech that interrupts
    double min_level = 0.4;      // Microphone::level_of scale (0.4 = -36 dBFS) per 10 ms frame
  };
  // The interrupt sensitivity setting: 1 (less sensitive) .. 3 (more); 0 = off.
  static Options for_sensitivity(int sensitivity);

  explicit BargeInDetector(QObject* parent = nullptr);

  // Starts listening on the microphone with this id ("" default). "" or why it cannot.
  QString arm(const QByteArray& device_id, const Options& options);
  void disarm();
  bool armed() const { return mic_.active(); }

  // A fresh detection without the microphone (arm() begins with it); `feed` then takes
  // 16 kHz audio as the microphone delivers it. Tests drive the detector this way.
  void prepare(const Options& options);
  void feed(const std::vector<float>& samples);

 Q_SIGNALS:
  void speechDetected();  // once per arm()
  void failed(const QString& message);

 private:
  Microphone mic_;
  Options options_;
  std::optional<audio::VoiceActivityDetector> vad_;
  std::vector<float> frame_;    // samples of the 10 ms frame not complete yet
  std::vector<double> levels_;  // each complete frame's level, until the detector decides it
  size_t decided_ = 0;          // frames whose decision has been counted
  std::deque<bool> window_;     // the last frames: counted as speech or not
  size_t speech_in_window_ = 0;
  bool fired_ = false;
};

}  // namespace vole::desktop
