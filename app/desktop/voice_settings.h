#pragma once
// The read-aloud preferences, kept in the app's settings file under [speech] and saved as
// soon as they change: read answers aloud as they stream, the voice (see speech_synth.h
// for the values), speed, volume, the output device (a QAudioDevice id; "" = the
// system's default) and the text-to-speech model folder of the neural voice; for the
// voice conversation, the pause that ends the user's turn and how readily speaking over
// an answer interrupts it.
#include <QObject>
#include <QSettings>
#include <memory>

namespace vole::desktop {

class VoiceSettings : public QObject {
  Q_OBJECT
  Q_PROPERTY(bool readAnswers READ readAnswers WRITE setReadAnswers NOTIFY changed)
  Q_PROPERTY(QString voice READ voice WRITE setVoice NOTIFY changed)
  Q_PROPERTY(double speed READ speed WRITE setSpeed NOTIFY changed)     // 0.5 .. 2.0
  Q_PROPERTY(double volume READ volume WRITE setVolume NOTIFY changed)  // 0 .. 1
  Q_PROPERTY(QString outputDevice READ outputDevice WRITE setOutputDevice NOTIFY changed)
  Q_PROPERTY(QString modelFolder READ modelFolder WRITE setModelFolder NOTIFY changed)
  Q_PROPERTY(double turnPause READ turnPause WRITE setTurnPause NOTIFY changed)  // seconds, 0.3 .. 3
  // 0 = off (Esc only), 1 less sensitive .. 3 more (BargeInDetector::for_sensitivity)
  Q_PROPERTY(int interruptSensitivity READ interruptSensitivity WRITE setInterruptSensitivity NOTIFY changed)

 public:
  // `file`: the app's settings file (AppSettings::settingsFile()).
  explicit VoiceSettings(const QString& file, QObject* parent = nullptr);

  bool readAnswers() const { return read_answers_; }
  QString voice() const { return voice_; }
  double speed() const { return speed_; }
  double volume() const { return volume_; }
  QString outputDevice() const { return output_device_; }
  QString modelFolder() const { return model_folder_; }
  double turnPause() const { return turn_pause_; }
  int interruptSensitivity() const { return interrupt_sensitivity_; }
  void setReadAnswers(bool v);
  void setVoice(const QString& v);
  void setSpeed(double v);
  void setVolume(double v);
  void setOutputDevice(const QString& v);
  void setModelFolder(const QString& v);
  void setTurnPause(double seconds);
  void setInterruptSensitivity(int level);

 Q_SIGNALS:
  void changed();

 private:
  template <typename T>
  void set(T& field, const T& value, const char* key);
  std::unique_ptr<QSettings> settings_;
  bool read_answers_ = false;
  QString voice_;
  double speed_ = 1.0;
  double volume_ = 1.0;
  QString output_device_;
  QString model_folder_;
  double turn_pause_ = 0.8;
  int interrupt_sensitivity_ = 2;
};

}  // namespace vole::desktop
