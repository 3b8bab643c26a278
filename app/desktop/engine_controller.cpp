#include "engine_controller.h"

#include "installed_models_model.h"

namespace vole::desktop {

EngineController::EngineController(AppSettings* settings, QObject* parent)
    : QObject(parent), settings_(settings), worker_(new EngineWorker()) {
  register_engine_types();
  thread_.setObjectName("vole-engine");
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);

  connect(worker_, &EngineWorker::devicesListed, this, [this](const QVariantList& list, const QString& error) {
    devices_ = list;
    devices_error_ = error;
    Q_EMIT devicesChanged();
  });
  connect(worker_, &EngineWorker::loadProgress, this, [this](double fraction, const QString& stage) {
    if (state_ != EngineState::Loading) return;
    progress_ = fraction;
    stage_ = stage;
    Q_EMIT progressChanged();
  });
  connect(worker_, &EngineWorker::loaded, this, [this](const ModelInfo& info) {
    if (--loads_in_flight_ > 0) return;  // a newer load is queued; its result counts
    info_ = info;
    error_.clear();
    progress_ = 1.0;
    set_state(EngineState::Ready);
    Q_EMIT needsReloadChanged();
    Q_EMIT loaded();
  });
  connect(worker_, &EngineWorker::loadFailed, this, [this](const QString& error, bool cancelled) {
    if (--loads_in_flight_ > 0) return;
    info_ = {};
    info_.name = model_display_name(model_dir_);  // for "Could not load <name>"
    error_ = cancelled ? QString() : error;
    set_state(cancelled ? EngineState::None : EngineState::Error);
  });
  connect(worker_, &EngineWorker::started, this, &EngineController::started);
  connect(worker_, &EngineWorker::streamed, this, &EngineController::streamed);
  connect(worker_, &EngineWorker::saved, this, &EngineController::saved);
  connect(worker_, &EngineWorker::saveProblem, this, &EngineController::saveProblem);
  connect(worker_, &EngineWorker::answerSaved, this, &EngineController::answerSaved);
  connect(worker_, &EngineWorker::imageProgress, this, &EngineController::imageProgress);
  connect(worker_, &EngineWorker::readingProgress, this, &EngineController::readingProgress);
  connect(worker_, &EngineWorker::finished, this, [this](const GenerationResult& result) {
    if (--jobs_in_flight_ == 0) Q_EMIT busyChanged();
    Q_EMIT finished(result);
  });
  connect(settings_, &AppSettings::deviceChanged, this, &EngineController::needsReloadChanged);
  connect(settings_, &AppSettings::contextLengthChanged, this, &EngineController::needsReloadChanged);
  thread_.start();
}

EngineController::~EngineController() { shutdown(); }

void EngineController::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  worker_->abandon();
  QMetaObject::invokeMethod(worker_, &EngineWorker::shutdown, Qt::BlockingQueuedConnection);
  thread_.quit();
  thread_.wait();
}

void EngineController::set_state(EngineState::Value state) {
  state_ = state;
  Q_EMIT stateChanged();
}

bool EngineController::needsReload() const {
  if (state_ != EngineState::Ready || info_.remote) return false;
  return loaded_request_.device != settings_->device() || loaded_request_.context_length != settings_->contextLength();
}

void EngineController::load(const QString& model_dir) {
  start_load(LoadRequest{model_dir, settings_->device(), settings_->contextLength(), {}});
}

void EngineController::loadRemote(const QString& id, const RemoteTarget& target) {
  start_load(LoadRequest{id, settings_->device(), settings_->contextLength(), target});
}

void EngineController::start_load(const LoadRequest& request) {
  const QString& model_dir = request.model_dir;
  loaded_request_ = request;
  model_dir_ = model_dir;
  info_ = {};
  info_.name = request.remote.model.isEmpty() ? model_display_name(model_dir) : request.remote.model;
  progress_ = 0;
  stage_ = "starting";
  error_.clear();
  ++loads_in_flight_;
  worker_->cancel_load();  // a load still running gives way to this one
  set_state(EngineState::Loading);
  Q_EMIT progressChanged();
  QMetaObject::invokeMethod(
      worker_, [w = worker_, request] { w->load(request); }, Qt::QueuedConnection);
}

void EngineController::reload() {
  if (model_dir_.isEmpty()) return;
  LoadRequest request = loaded_request_;  // the same model with today's device and context length
  request.device = settings_->device();
  request.context_length = settings_->contextLength();
  start_load(request);
}

void EngineController::cancelLoad() { worker_->cancel_load(); }

void EngineController::unload() {
  info_ = {};
  model_dir_.clear();
  set_state(EngineState::None);
  QMetaObject::invokeMethod(worker_, &EngineWorker::unload, Qt::QueuedConnection);
}

void EngineController::refreshDevices() {
  QMetaObject::invokeMethod(worker_, &EngineWorker::listDevices, Qt::QueuedConnection);
}

void EngineController::applyModelDefaults(SamplingValues* values) const {
  if (!values) return;
  if (state_ == EngineState::Ready) {
    values->set(info_.default_sampling, info_.default_max_tokens);
  } else {
    values->set(runtime::SamplingOptions{}, 2048);
  }
}

void EngineController::submit(const GenerationJob& job) {
  if (jobs_in_flight_++ == 0) Q_EMIT busyChanged();
  QMetaObject::invokeMethod(
      worker_, [w = worker_, job] { w->generate(job); }, Qt::QueuedConnection);
}

void EngineController::forget_conversation(memory::ConversationId id) {
  QMetaObject::invokeMethod(
      worker_, [w = worker_, id] { w->forgetConversation(id); }, Qt::QueuedConnection);
}

}  // namespace vole::desktop
