#pragma once
// The UI thread's handle on the engine worker: starts the worker thread, loads models
// with progress, lists Vulkan devices, submits generation jobs and forwards what the
// worker reports. Everything here returns at once; results arrive as signals.
#include <QObject>
#include <QThread>
#include <QVariantList>

#include "app_settings.h"
#include "engine_jobs.h"
#include "engine_state.h"
#include "engine_worker.h"

namespace vole::desktop {

class EngineController : public QObject {
  Q_OBJECT
  Q_PROPERTY(vole::desktop::EngineState::Value state READ state NOTIFY stateChanged)
  Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
  Q_PROPERTY(QString stage READ stage NOTIFY progressChanged)
  Q_PROPERTY(QString error READ error NOTIFY stateChanged)
  Q_PROPERTY(QString modelDir READ modelDir NOTIFY stateChanged)  // loaded or loading
  Q_PROPERTY(QString modelName READ modelName NOTIFY stateChanged)
  Q_PROPERTY(QString architecture READ architecture NOTIFY stateChanged)
  Q_PROPERTY(QString deviceName READ deviceName NOTIFY stateChanged)
  Q_PROPERTY(QString deviceType READ deviceType NOTIFY stateChanged)
  Q_PROPERTY(bool deviceIsCpu READ deviceIsCpu NOTIFY stateChanged)
  Q_PROPERTY(qulonglong deviceMemory READ deviceMemory NOTIFY stateChanged)
  Q_PROPERTY(qulonglong weightBytes READ weightBytes NOTIFY stateChanged)
  Q_PROPERTY(double loadSeconds READ loadSeconds NOTIFY stateChanged)
  Q_PROPERTY(int contextLength READ contextLength NOTIFY stateChanged)
  Q_PROPERTY(bool supportsThinking READ supportsThinking NOTIFY stateChanged)
  Q_PROPERTY(bool remote READ remote NOTIFY stateChanged)  // the model is on another server
  // Settings changed since the model was loaded (device, context length): reload to apply.
  Q_PROPERTY(bool needsReload READ needsReload NOTIFY needsReloadChanged)
  Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)  // a generation job is queued or running
  // [{index, name, type, isCpu, memory, driver}] from gpu::list_devices().
  Q_PROPERTY(QVariantList devices READ devices NOTIFY devicesChanged)
  Q_PROPERTY(QString devicesError READ devicesError NOTIFY devicesChanged)

 public:
  explicit EngineController(AppSettings* settings, QObject* parent = nullptr);
  ~EngineController() override;

  EngineState::Value state() const { return state_; }
  double progress() const { return progress_; }
  QString stage() const { return stage_; }
  QString error() const { return error_; }
  QString modelDir() const { return model_dir_; }
  QString modelName() const { return info_.name; }
  QString architecture() const { return info_.architecture; }
  QString deviceName() const { return info_.device_name; }
  QString deviceType() const { return info_.device_type; }
  bool deviceIsCpu() const { return info_.device_is_cpu; }
  qulonglong deviceMemory() const { return info_.device_memory; }
  qulonglong weightBytes() const { return info_.weight_bytes; }
  double loadSeconds() const { return info_.load_ms / 1000.0; }
  int contextLength() const { return info_.context_length; }
  bool supportsThinking() const { return info_.supports_thinking; }
  bool needsReload() const;
  bool busy() const { return jobs_in_flight_ > 0; }
  QVariantList devices() const { return devices_; }
  QString devicesError() const { return devices_error_; }
  const ModelInfo& info() const { return info_; }
  bool remote() const { return info_.remote; }
  // Chats with a model on another server (no GPU; the local model is unloaded). `id`
  // stands for it where a model folder would (the current model, the picker's check).
  void loadRemote(const QString& id, const RemoteTarget& target);

  Q_INVOKABLE void load(const QString& model_dir);
  Q_INVOKABLE void reload();
  Q_INVOKABLE void cancelLoad();
  Q_INVOKABLE void unload();
  Q_INVOKABLE void refreshDevices();
  // Copies the loaded model's recommended sampling (generation_config.json) into `values`.
  Q_INVOKABLE void applyModelDefaults(vole::desktop::SamplingValues* values) const;

  void submit(const GenerationJob& job);
  void stop(memory::MessageId message) { worker_->request_stop(message); }
  void forget_conversation(memory::ConversationId id);
  EngineWorker& worker() { return *worker_; }
  // Ends the worker thread: a running answer is abandoned (left interrupted, continued
  // at the next start), the GPU is released. Blocks until the thread has finished.
  void shutdown();

 Q_SIGNALS:
  void stateChanged();
  void progressChanged();
  void needsReloadChanged();
  void busyChanged();
  void devicesChanged();
  void loaded();
  void started(qint64 conversation, qint64 message);
  void streamed(qint64 conversation, qint64 message, const QString& reasoning, const QString& content);
  void saved(qint64 conversation, qint64 message, qint64 chars, qint64 reasoning_chars);  // see EngineWorker
  void finished(const vole::desktop::GenerationResult& result);
  void saveProblem(const QString& message);
  void answerSaved(qint64 conversation, qint64 message);                      // see EngineWorker
  void imageProgress(qint64 message, double fraction, const QString& stage);  // see EngineWorker
  void readingProgress(qint64 message, const QString& stage);                 // see EngineWorker

 private:
  void set_state(EngineState::Value state);
  void start_load(const LoadRequest& request);
  AppSettings* settings_;
  QThread thread_;
  EngineWorker* worker_;  // lives on thread_
  EngineState::Value state_ = EngineState::None;
  double progress_ = 0;
  QString stage_, error_, model_dir_;
  LoadRequest loaded_request_;
  ModelInfo info_;
  int jobs_in_flight_ = 0;
  int loads_in_flight_ = 0;
  QVariantList devices_;
  QString devices_error_;
  bool shut_down_ = false;
};

}  // namespace vole::desktop
