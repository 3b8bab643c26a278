#include "voice_settings.h"

#include <algorithm>

namespace vole::desktop {

VoiceSettings::VoiceSettings(const QString& file, QObject* parent)
    : QObject(parent), settings_(std::make_unique<QSettings>(file, QSettings::IniFormat)) {
  QSettings& s = *settings_;
  read_answers_ = s.value("speech/readAnswers", false).toBool();
  voice_ = s.value("speech/voice").toString();
  speed_ = std::clamp(s.value("speech/speed", 1.0).toDouble(), 0.5, 2.0);
  volume_ = std::clamp(s.value("speech/volume", 1.0).toDouble(), 0.0, 1.0);
  output_device_ = s.value("speech/outputDevice").toString();
  model_folder_ = s.value("speech/modelFolder").toString();
  turn_pause_ = std::clamp(s.value("speech/turnPause", 0.8).toDouble(), 0.3, 3.0);
  interrupt_sensitivity_ = std::clamp(s.value("speech/interruptSensitivity", 2).toInt(), 0, 3);
}

template <typename T>
void VoiceSettings::set(T& field, const T& value, const char* key) {
  if (field == value) return;
  field = value;
  settings_->setValue(QString("speech/") + key, value);
  settings_->sync();
  Q_EMIT changed();
}

void VoiceSettings::setReadAnswers(bool v) { set(read_answers_, v, "readAnswers"); }
void VoiceSettings::setVoice(const QString& v) { set(voice_, v, "voice"); }
void VoiceSettings::setSpeed(double v) { set(speed_, std::clamp(v, 0.5, 2.0), "speed"); }
void VoiceSettings::setVolume(double v) { set(volume_, std::clamp(v, 0.0, 1.0), "volume"); }
void VoiceSettings::setOutputDevice(const QString& v) { set(output_device_, v, "outputDevice"); }
void VoiceSettings::setModelFolder(const QString& v) { set(model_folder_, v, "modelFolder"); }
void VoiceSettings::setTurnPause(double seconds) { set(turn_pause_, std::clamp(seconds, 0.3, 3.0), "turnPause"); }
void VoiceSettings::setInterruptSensitivity(int level) {
  set(interrupt_sensitivity_, std::clamp(level, 0, 3), "interruptSensitivity");
}

}  // namespace vole::desktop
