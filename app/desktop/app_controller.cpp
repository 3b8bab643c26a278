#include "app_controller.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPalette>
#include <cstdlib>

#include "catalog_model.h"
#include "event_log.h"
#include "knowledge/knowledge_base.h"
#include "memory/store.h"
#include "runtime/device.h"
#include "util/error.h"
#include "util/paths.h"

namespace vole::desktop {

namespace {
// The data folder setting works by pointing VOLE_DATA_DIR at it before anything reads
// vole::data_dir(); an explicit VOLE_DATA_DIR (tests, power users) wins.
bool apply_data_folder(const QString& folder) {
  const char* env = std::getenv("VOLE_DATA_DIR");
  if (env && *env) return true;
  if (!folder.isEmpty()) setenv("VOLE_DATA_DIR", folder.toUtf8().constData(), 1);
  return false;
}
}  // namespace

AppController::AppController(AppOptions options, QObject* parent)
    : QObject(parent),
      options_(std::move(options)),
      settings_(options_.settings_file),
      conversations_(),
      search_(),
      models_() {
  data_dir_from_env_ = apply_data_folder(settings_.dataFolder());
  secrets_ = std::make_unique<SecretStore>(QFileInfo(settings_.settingsFile()).dir().filePath("vole-secrets.json"));
  settings_.use_secret_store(secrets_.get());
  store_ = std::make_unique<StoreSession>(memory::default_database_path());
  engine_ = std::make_unique<EngineController>(&settings_);
  chat_ = std::make_unique<ChatController>(store_.get(), engine_.get(), &settings_, &conversations_);
  model_manager_ = std::make_unique<ModelManager>(&settings_, &models_, vole::data_dir() / "models");
  knowledge_ = make_knowledge_controller();
  knowledge_chat_ =
      std::make_unique<KnowledgeChat>(store_.get(), chat_.get(), engine_.get(), knowledge_.get(), &settings_);
  chat_->set_job_preparer([k = knowledge_chat_.get()](GenerationJob& job) { k->prepare(job); });
  memory_ = std::make_unique<ConversationMemory>(store_.get(), knowledge_.get(), settings_.settingsFile());
  knowledge_chat_->set_memory(memory_.get());
  search_.set_meaning_search([m = memory_.get()](const QString& query) { return m->search(query); });
  connect(chat_.get(), &ChatController::answerFinished, memory_.get(), &ConversationMemory::poke);
  connect(knowledge_.get(), &KnowledgeController::indexed, memory_.get(), &ConversationMemory::poke);
  voice_ = std::make_unique<VoiceInput>(engine_.get(), &models_, model_manager_.get(), &settings_);
  local_api_ = std::make_unique<LocalApiServer>(engine_.get(), engine_->worker().chat_model_access(), secrets_.get(),
                                                settings_.settingsFile());
  remote_models_ = std::make_unique<RemoteModels>(secrets_.get(), settings_.settingsFile());
  register_pages(pages_);
  speech_ = std::make_unique<SpeechOutput>(settings_.settingsFile(), engine_.get(), &models_);
  conversation_mic_ = std::make_unique<ConversationMicrophone>(voice_.get(), speech_->settings());
  conversation_ = std::make_unique<VoiceConversation>(
      speech_.get(), conversation_mic_.get(), [c = chat_.get()](const QString& text) { return c->send(text); },
      [c = chat_.get()] { c->stop(); });
  connect(chat_.get(), &ChatController::answerFinished, conversation_.get(), &VoiceConversation::answer_ended);
  connect(conversation_.get(), &VoiceConversation::stateChanged, this, [this] {
    if (!conversation_->error().isEmpty() && conversation_->current() == VoiceConversation::State::Off)
      notify(conversation_->error());
  });
  connect(speech_.get(), &SpeechOutput::errorChanged, this, [this] {
    if (!speech_->error().isEmpty()) notify(speech_->error());
  });

  connect(model_manager_.get(), &ModelManager::notice, this, &AppController::notify);
  connect(model_manager_.get(), &ModelManager::modelDeleted, this, [this](const QString& path) {
    // Deleted from disk: the engine lets go of it too (its weights were on the GPU).
    if (engine_->modelDir() == path) engine_->unload();
    if (settings_.currentModel() == path) settings_.setCurrentModel({});
  });

  connect(store_.get(), &StoreSession::changed, this, &AppController::on_store_changed);
  connect(chat_.get(), &ChatController::conversationChanged, this,
          [this] { settings_.setLastConversation(chat_->conversationId()); });
  connect(&settings_, &AppSettings::themeChanged, this, &AppController::darkThemeChanged);
  connect(&settings_, &AppSettings::modelFoldersChanged, this,
          [this] { models_.set_sources(vole::data_dir() / "models", settings_.modelFolders()); });
  connect(engine_.get(), &EngineController::stateChanged, this, [this] {
    const auto& e = *engine_;
    if (e.state() == EngineState::Ready)
      log_event("model-loaded", {{"model", e.modelName()},
                                 {"device", e.deviceName()},
                                 {"device_type", e.deviceType()},
                                 {"seconds", QString::number(e.loadSeconds(), 'f', 2)}});
    else if (e.state() == EngineState::Error)
      log_event("model-failed", {{"model", e.modelName()}, {"error", e.error()}});
  });
}

AppController::~AppController() { shutdown(); }

std::unique_ptr<KnowledgeController> AppController::make_knowledge_controller() {
  KnowledgeController::Options o;
  o.database = knowledge::KnowledgeBase::default_path();
  o.settings_file = settings_.settingsFile();
  // The embedding model goes on the chat model's device: asked of the engine thread, which
  // owns it (the indexer's thread waits for the answer; the engine thread never waits on it).
  EngineWorker* worker = &engine_->worker();
  o.devices = [worker] {
    std::shared_ptr<runtime::Device> device;
    std::string failure = "the engine has stopped";
    QMetaObject::invokeMethod(
        worker,
        [&] {
          try {
            device = worker->shared_device();
          } catch (const std::exception& e) {  // never into the engine thread's event loop
            failure = e.what();
          }
        },
        Qt::BlockingQueuedConnection);
    if (!device) throw Error(ErrorCode::Gpu, failure);
    return device;
  };
  auto k = std::make_unique<KnowledgeController>(std::move(o));
  auto update_models = [this, k = k.get()] {
    QStringList folders;
    for (const auto& m : models_.models())
      if (m.present) folders.push_back(m.path);
    k->set_model_folders(folders);
  };
  connect(&models_, &QAbstractItemModel::modelReset, k.get(), update_models);
  return k;
}

void AppController::start() {
  const qint64 last = settings_.lastConversation();  // opening the store resets the chat (and this setting)
  models_.set_sources(vole::data_dir() / "models", settings_.modelFolders());
  model_manager_->start();
  knowledge_->start();
  engine_->refreshDevices();
  local_api_->start();           // when the settings say so; requests get 503 until a model is loaded
  store_->open();                // on failure the UI shows the problem and the choices
  conversations_.purge_trash();  // deletions whose undo window closed with the app
  QString model = settings_.currentModel();
  auto chat_ready = [&](int row) {
    return row >= 0 && models_.models()[row].present && models_.models()[row].kind == hub::ModelKind::Chat;
  };
  bool usable = RemoteModels::isRemoteId(model) ? remote_models_->target(model).has_value()
                                                : chat_ready(models_.indexOfPath(model));
  if (!usable) {
    model.clear();  // the first chat model instead (a speech model cannot chat)
    for (int row = 0; row < models_.count() && model.isEmpty(); ++row)
      if (chat_ready(row)) model = models_.pathAt(row);
  }
  if (!model.isEmpty()) selectModel(model);
  if (last > 0 && conversations_.indexOf(last) >= 0) chat_->open(last);
  log_event("started", {{"data_dir", dataDir()},
                        {"models", models_.count()},
                        {"store", store_->mode()},
                        {"problem", store_->problem()},
                        {"interrupted", store_->interruptedAtOpen()}});
}

void AppController::shutdown() {
  // First: the neural voice and the indexer may be waiting on the engine thread.
  if (conversation_) conversation_->end();
  if (speech_) speech_->shutdown();
  if (knowledge_) knowledge_->shutdown();
  if (voice_) voice_->cancel();  // the microphone closes before the engine goes
  if (model_manager_) model_manager_->shutdown();
  if (local_api_) local_api_->stop();
  if (engine_) engine_->shutdown();
}

void AppController::on_store_changed() {
  conversations_.set_store(store_->store());
  search_.set_store(store_->store());
}

void AppController::showPage(const QString& id) {
  if (id == current_page_ || !pages_.has(id)) return;
  current_page_ = id;
  Q_EMIT currentPageChanged();
  log_event("page", {{"page", id}});
}

bool AppController::darkTheme() const {
  QString theme = options_.theme_override.isEmpty() ? settings_.theme() : options_.theme_override;
  if (theme == "dark") return true;
  if (theme == "light") return false;
  // "system": the platform palette (Qt 6.4 has no color-scheme hint yet).
  return QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
}

QString AppController::dataDir() const { return QString::fromStdString(vole::data_dir().string()); }
QString AppController::modelsDir() const { return QString::fromStdString((vole::data_dir() / "models").string()); }
QString AppController::version() const { return QStringLiteral(VOLE_VERSION); }
bool AppController::eventLogEnabled() const { return event_log_enabled(); }

QString AppController::openModelFolder(const QUrl& folder) {
  QString path = folder.isLocalFile() ? folder.toLocalFile() : folder.toString();
  while (path.size() > 1 && path.endsWith('/')) path.chop(1);
  QString problem = InstalledModelsModel::checkFolder(path);
  if (!problem.isEmpty()) return problem;
  if (models_.indexOfPath(path) < 0) settings_.addModelFolder(path);  // refreshes the list
  selectModel(path);
  return {};
}

void AppController::selectModel(const QString& path) {
  if (path.isEmpty()) return;
  if (RemoteModels::isRemoteId(path)) {  // a model of the Models page's Remote source
    auto target = remote_models_->target(path);
    if (!target) return;
    settings_.setCurrentModel(path);
    if (engine_->modelDir() != path || engine_->state() != EngineState::Ready) engine_->loadRemote(path, *target);
    return;
  }
  int row = models_.indexOfPath(path);
  if (row >= 0 && models_.models()[row].kind != hub::ModelKind::Chat) {
    notify(tr("%1 is a %2 model, not a chat model.")
               .arg(models_.models()[row].name, model_kind_text(models_.models()[row].kind).toLower()));
    return;
  }
  settings_.setCurrentModel(path);
  if (engine_->modelDir() == path &&
      (engine_->state() == EngineState::Ready || engine_->state() == EngineState::Loading))
    return;
  engine_->load(path);
}

void AppController::forgetModelFolder(const QString& path) {
  settings_.removeModelFolder(path);
  if (settings_.currentModel() == path) settings_.setCurrentModel({});
}

void AppController::openDataFolder() const { QDesktopServices::openUrl(QUrl::fromLocalFile(dataDir())); }

QString AppController::formatBytes(qulonglong bytes) const { return human_size(static_cast<qint64>(bytes)); }

void AppController::requestFocus(const QString& target) {
  log_event("focus", {{"target", target}});
  Q_EMIT focusRequested(target);
}

void AppController::notify(const QString& message) {
  log_event("notice", {{"message", message}});
  Q_EMIT notice(message);
}

qint64 AppController::eventsLogged() const { return events_logged(); }

void AppController::logEvent(const QString& event, const QVariantMap& fields) const {
  QList<QPair<QString, QVariant>> list;
  for (auto it = fields.begin(); it != fields.end(); ++it) list.append({it.key(), it.value()});
  log_event(event, list);
}

}  // namespace vole::desktop
