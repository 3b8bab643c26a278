#pragma once
// The root object QML sees as `App`: owns the settings, the store session, the engine
// controller and every model, wires them together and runs start-up (open the
// database, list devices, load the last model).
#include <QObject>
#include <QUrl>
#include <memory>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "conversation_memory.h"
#include "conversation_microphone.h"
#include "engine_controller.h"
#include "installed_models_model.h"
#include "knowledge_chat.h"
#include "knowledge_controller.h"
#include "local_api_server.h"
#include "model_manager.h"
#include "page_registry.h"
#include "remote_models.h"
#include "search_results_model.h"
#include "secret_store.h"
#include "speech_output.h"
#include "store_session.h"
#include "voice_conversation.h"
#include "voice_input.h"

namespace vole::desktop {

struct AppOptions {
  QString settings_file;   // "" = the user's settings (QSettings); tests pass an INI file
  QString theme_override;  // "light" / "dark" for this session only (--theme)
};

class AppController : public QObject {
  Q_OBJECT
  Q_PROPERTY(vole::desktop::AppSettings* settings READ settings CONSTANT)
  Q_PROPERTY(vole::desktop::StoreSession* store READ store CONSTANT)
  Q_PROPERTY(vole::desktop::EngineController* engine READ engine CONSTANT)
  Q_PROPERTY(vole::desktop::ChatController* chat READ chat CONSTANT)
  Q_PROPERTY(vole::desktop::ConversationListModel* conversations READ conversations CONSTANT)
  Q_PROPERTY(vole::desktop::SearchResultsModel* search READ search CONSTANT)
  Q_PROPERTY(vole::desktop::InstalledModelsModel* models READ models CONSTANT)
  Q_PROPERTY(vole::desktop::ModelManager* modelManager READ modelManager CONSTANT)
  Q_PROPERTY(vole::desktop::LocalApiServer* localApi READ localApi CONSTANT)
  Q_PROPERTY(vole::desktop::RemoteModels* remoteModels READ remoteModels CONSTANT)
  // Where secrets (keys, the hub token) are kept: "the desktop keyring" or "a private file (...)".
  Q_PROPERTY(QString secretStorage READ secretStorage CONSTANT)
  Q_PROPERTY(vole::desktop::PageRegistry* pages READ pages CONSTANT)
  Q_PROPERTY(vole::desktop::SpeechOutput* speech READ speech CONSTANT)  // reading answers aloud
  Q_PROPERTY(vole::desktop::KnowledgeController* knowledge READ knowledge CONSTANT)
  Q_PROPERTY(vole::desktop::KnowledgeChat* knowledgeChat READ knowledgeChat CONSTANT)
  Q_PROPERTY(vole::desktop::ConversationMemory* memory READ memory CONSTANT)
  Q_PROPERTY(vole::desktop::VoiceInput* voice READ voice CONSTANT)
  // The hands-free voice conversation: listen → answer → speak → listen.
  Q_PROPERTY(vole::desktop::VoiceConversation* conversation READ conversation CONSTANT)
  Q_PROPERTY(QString currentPage READ currentPage WRITE showPage NOTIFY currentPageChanged)
  Q_PROPERTY(bool darkTheme READ darkTheme NOTIFY darkThemeChanged)
  Q_PROPERTY(QString dataDir READ dataDir CONSTANT)
  Q_PROPERTY(QString modelsDir READ modelsDir CONSTANT)
  Q_PROPERTY(QString version READ version CONSTANT)
  Q_PROPERTY(bool eventLogEnabled READ eventLogEnabled CONSTANT)  // --log: the window tests' probes report
  // Set from VOLE_DATA_DIR: the data folder setting is overridden for this run.
  Q_PROPERTY(bool dataDirFromEnvironment READ dataDirFromEnvironment CONSTANT)

 public:
  explicit AppController(AppOptions options = {}, QObject* parent = nullptr);
  ~AppController() override;

  AppSettings* settings() { return &settings_; }
  StoreSession* store() { return store_.get(); }
  EngineController* engine() { return engine_.get(); }
  ChatController* chat() { return chat_.get(); }
  ConversationListModel* conversations() { return &conversations_; }
  SearchResultsModel* search() { return &search_; }
  InstalledModelsModel* models() { return &models_; }
  ModelManager* modelManager() { return model_manager_.get(); }
  LocalApiServer* localApi() { return local_api_.get(); }
  RemoteModels* remoteModels() { return remote_models_.get(); }
  QString secretStorage() const { return secrets_->backendName(); }
  PageRegistry* pages() { return &pages_; }
  SpeechOutput* speech() { return speech_.get(); }
  KnowledgeController* knowledge() { return knowledge_.get(); }
  KnowledgeChat* knowledgeChat() { return knowledge_chat_.get(); }
  ConversationMemory* memory() { return memory_.get(); }
  VoiceInput* voice() { return voice_.get(); }
  VoiceConversation* conversation() { return conversation_.get(); }
  QString currentPage() const { return current_page_; }
  Q_INVOKABLE void showPage(const QString& id);
  bool darkTheme() const;
  QString dataDir() const;
  QString modelsDir() const;
  QString version() const;
  bool eventLogEnabled() const;
  bool dataDirFromEnvironment() const { return data_dir_from_env_; }

  // Opens the database, lists devices, loads the last used (or only) model, lists
  // downloads left unfinished (offered for resuming; nothing is fetched).
  void start();
  // Ends the engine thread (an answer still streaming is left interrupted) and stops the
  // downloads (their partial files stay for the next start).
  void shutdown();

  // Remembers a model folder chosen in the folder dialog and loads it; returns "" or why
  // the folder cannot be used.
  Q_INVOKABLE QString openModelFolder(const QUrl& folder);
  Q_INVOKABLE void selectModel(const QString& path);
  Q_INVOKABLE void forgetModelFolder(const QString& path);
  Q_INVOKABLE void openDataFolder() const;
  Q_INVOKABLE QString formatBytes(qulonglong bytes) const;
  // Asks the view to focus something ("search", "composer"); views listen to focusRequested.
  Q_INVOKABLE void requestFocus(const QString& target);
  // A short notice for the snackbar (export finished, a folder that is not a model...).
  Q_INVOKABLE void notify(const QString& message);
  // For the QML side to report what it shows (written to the event log).
  Q_INVOKABLE void logEvent(const QString& event, const QVariantMap& fields = {}) const;
  Q_INVOKABLE qint64 eventsLogged() const;  // see events_logged()

 Q_SIGNALS:
  void currentPageChanged();
  void darkThemeChanged();
  void focusRequested(const QString& target);
  void notice(const QString& message);

 private:
  void on_store_changed();
  std::unique_ptr<KnowledgeController> make_knowledge_controller();
  AppOptions options_;
  bool data_dir_from_env_ = false;
  AppSettings settings_;
  std::unique_ptr<StoreSession> store_;
  std::unique_ptr<EngineController> engine_;
  ConversationListModel conversations_;
  SearchResultsModel search_;
  InstalledModelsModel models_;
  std::unique_ptr<ModelManager> model_manager_;
  std::unique_ptr<SecretStore> secrets_;
  std::unique_ptr<LocalApiServer> local_api_;
  std::unique_ptr<RemoteModels> remote_models_;
  PageRegistry pages_;
  std::unique_ptr<ChatController> chat_;
  std::unique_ptr<SpeechOutput> speech_;
  std::unique_ptr<KnowledgeController> knowledge_;
  std::unique_ptr<KnowledgeChat> knowledge_chat_;
  std::unique_ptr<ConversationMemory> memory_;
  std::unique_ptr<VoiceInput> voice_;                         // after the engine: released before it
  std::unique_ptr<ConversationMicrophone> conversation_mic_;  // after the voice and speech: released before
  std::unique_ptr<VoiceConversation> conversation_;
  QString current_page_ = "chat";
};

}  // namespace vole::desktop
