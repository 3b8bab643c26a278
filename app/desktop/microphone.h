#pragma once
// Microphone capture with Qt Multimedia: one input device (QMediaDevices), its blocks
// mixed down to mono and resampled to 16 kHz by audio::Resampler (libsoxr), with the
// input level of each block. A capture that ends on its own (the device could not be
// opened, stopped delivering audio, or was unplugged) says why with failed(); what was
// captured before stays delivered.
#include <QAudioFormat>
#include <QByteArray>
#include <QMediaDevices>
#include <QObject>
#include <QTimer>
#include <QVariantList>
#include <memory>
#include <optional>
#include <vector>

#include "audio/resample.h"

class QAudioSource;
class QIODevice;

namespace vole::desktop {

class Microphone : public QObject {
  Q_OBJECT

 public:
  explicit Microphone(QObject* parent = nullptr);
  ~Microphone() override;

  // The input devices as [{id, name, isDefault}] (ids are QAudioDevice::id()).
  static QVariantList devices();
  // Starts capturing from the device with this id ("" or an id no longer present: the
  // system default). Returns "" or, if nothing could start, why (one line for the user).
  QString start(const QByteArray& device_id);
  // Ends the capture: the samples still in the resampler come with a last audio().
  void stop();
  bool active() const { return source_ != nullptr; }
  QString deviceName() const { return device_name_; }

  // Input level of a block, 0 (-60 dBFS or quieter) to 1 (full scale), from its RMS.
  static double level_of(const std::vector<float>& mono);

 Q_SIGNALS:
  void audio(const std::vector<float>& samples_16k);
  void level(double value);
  void failed(const QString& message);  // the capture has already stopped

 private:
  void read_available();
  void on_state_changed();
  void on_inputs_changed();
  void fail(const QString& message);

  QMediaDevices media_devices_;
  QTimer presence_;  // checks the device is still listed (not every backend signals its removal)
  std::unique_ptr<QAudioSource> source_;
  QIODevice* io_ = nullptr;  // owned by source_
  QAudioFormat format_;
  std::optional<audio::Resampler> resampler_;
  QByteArray device_id_;
  QString device_name_;
  QByteArray pending_;  // bytes of an incomplete frame
};

}  // namespace vole::desktop
