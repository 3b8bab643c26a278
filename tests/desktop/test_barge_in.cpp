// Barge-in detection (app/desktop/barge_in_detector.*) on real speech: espeak-ng's voice at
// 16 kHz fed as the microphone would deliver it (20 ms blocks). The user's voice stops an
// answer within the sustained-speech time; Vole's own voice heard 40 dB quieter (through
// the speakers) and a short click do not.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <cmath>
#include <vector>

#include "audio/resample.h"
#include "barge_in_detector.h"
#include "desktop_test.h"
#include "speech/espeak_speaker.h"

namespace vole::desktop::test {
namespace {

constexpr int kRate = 16000;

// 0.3 s of silence, then espeak-ng saying `text`, then 0.5 s of silence, at 16 kHz.
std::vector<float> spoken(const std::string& text) {
  speech::EspeakSpeaker speaker;
  std::vector<float> native;
  speaker.speak(text, [&](std::span<const float> s) { native.insert(native.end(), s.begin(), s.end()); });
  audio::Resampler resampler(speaker.sample_rate(), kRate);
  std::vector<float> out(kRate * 3 / 10, 0.0f);
  resampler.process(native, out);
  resampler.finish(out);
  out.resize(out.size() + kRate / 2, 0.0f);
  return out;
}

// Index of the first sample louder than -30 dBFS in a 10 ms frame: where speech begins.
size_t onset(const std::vector<float>& audio) {
  for (size_t at = 0; at + 160 <= audio.size(); at += 160) {
    double sum = 0;
    for (size_t i = at; i < at + 160; ++i) sum += double(audio[i]) * audio[i];
    if (10 * std::log10(sum / 160 + 1e-12) > -30) return at;
  }
  return audio.size();
}

// Feeds `audio` in 20 ms blocks; returns the sample count fed when speechDetected came
// (or -1), and how often it came.
std::pair<long, int> detect(const std::vector<float>& audio, const BargeInDetector::Options& options) {
  BargeInDetector detector;
  long fed = 0, at = -1;
  int fired = 0;
  QObject::connect(&detector, &BargeInDetector::speechDetected, [&] {
    if (fired++ == 0) at = fed;
  });
  detector.prepare(options);
  for (size_t i = 0; i < audio.size(); i += 320) {
    std::vector<float> block(audio.begin() + long(i), audio.begin() + long(std::min(audio.size(), i + 320)));
    fed += long(block.size());
    detector.feed(block);
  }
  return {at, fired};
}

TEST(BargeIn, TheUsersVoiceInterruptsWithinTheSustainedSpeechTime) {
  const auto voice = spoken("No wait I meant something else entirely");
  const size_t begins = onset(voice);
  ASSERT_LT(begins, voice.size());
  for (int sensitivity = 1; sensitivity <= 3; ++sensitivity) {
    const auto options = BargeInDetector::for_sensitivity(sensitivity);
    auto [at, fired] = detect(voice, options);
    ASSERT_GE(at, 0) << "sensitivity " << sensitivity << ": speech was not detected";
    EXPECT_EQ(fired, 1) << "one interruption per arming";
    const double after = double(at - long(begins)) / kRate;
    // Not before the speech has lasted min_speech_s (less one 20 ms block), and within
    // that plus 150 ms (the detector's frames, the block size, espeak's soft onset).
    EXPECT_GE(after, options.min_speech_s - 0.02) << "sensitivity " << sensitivity;
    EXPECT_LE(after, options.min_speech_s + 0.15) << "sensitivity " << sensitivity;
  }
}

TEST(BargeIn, VolesOwnVoiceHeardQuietlyDoesNotInterrupt) {
  auto echo = spoken("Voles are small rodents. They live in fields and dig burrows.");
  for (float& s : echo) s *= 0.01f;  // -40 dB: the speakers' sound reaching the microphone
  for (int sensitivity = 1; sensitivity <= 3; ++sensitivity)
    EXPECT_EQ(detect(echo, BargeInDetector::for_sensitivity(sensitivity)).second, 0) << "sensitivity " << sensitivity;
}

TEST(BargeIn, AShortClickDoesNotInterrupt) {
  std::vector<float> click(kRate, 0.0f);
  for (size_t i = 0; i < kRate / 20; ++i)  // 50 ms of a loud 300 Hz buzz
    click[kRate / 2 + i] = 0.6f * float(std::sin(2 * M_PI * 300 * double(i) / kRate));
  for (int sensitivity = 1; sensitivity <= 3; ++sensitivity)
    EXPECT_EQ(detect(click, BargeInDetector::for_sensitivity(sensitivity)).second, 0) << "sensitivity " << sensitivity;
}

}  // namespace
}  // namespace vole::desktop::test
