#pragma once
// The open conversation and everything the chat view does with it: send, stop,
// regenerate, edit-and-resend, continue an interrupted answer, branch navigation,
// per-conversation overrides (system prompt, sampling, thinking), export.
//
// Every action writes the store first (user message, empty streaming answer), then
// hands the engine worker a GenerationJob naming that answer; the worker streams into
// it. So the store always knows about an answer before a token exists, and a crash at
// any point leaves it recoverable (interrupted, with Continue).
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>
#include <optional>
#include <utility>

#include "app_settings.h"
#include "conversation_list_model.h"
#include "engine_controller.h"
#include "image_attachments.h"
#include "message_list_model.h"
#include "sampling_values.h"
#include "store_session.h"

namespace vole::desktop {

class ChatController : public QObject {
  Q_OBJECT
  Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationChanged)  // 0: a new chat, not saved yet
  Q_PROPERTY(QString title READ title NOTIFY conversationChanged)
  Q_PROPERTY(vole::desktop::MessageListModel* messages READ messages CONSTANT)
  // An answer is streaming in this conversation (Stop applies to it).
  Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
  Q_PROPERTY(qint64 streamingMessage READ streamingMessage NOTIFY generatingChanged)
  Q_PROPERTY(bool canSend READ canSend NOTIFY canSendChanged)
  Q_PROPERTY(QString sendBlocker READ sendBlocker NOTIFY canSendChanged)  // why not, for the composer
  // Per-conversation overrides (for a new chat: applied when it is first saved).
  Q_PROPERTY(bool hasSystemPromptOverride READ hasSystemPromptOverride NOTIFY overridesChanged)
  Q_PROPERTY(QString systemPrompt READ systemPrompt NOTIFY overridesChanged)  // the one in effect
  Q_PROPERTY(bool hasSamplingOverride READ hasSamplingOverride NOTIFY overridesChanged)
  Q_PROPERTY(vole::desktop::SamplingValues* samplingOverride READ samplingOverride CONSTANT)
  Q_PROPERTY(bool thinking READ thinking WRITE setThinking NOTIFY overridesChanged)
  // "Image detail": the most LLM tokens one picture may cost in this chat (default 1024),
  // within the loaded model's own range (its min/max pixels; Qwen-VL's defaults without one).
  Q_PROPERTY(int imageDetail READ imageDetail WRITE setImageDetail NOTIFY overridesChanged)
  Q_PROPERTY(int imageDetailMin READ imageDetailMin NOTIFY overridesChanged)
  Q_PROPERTY(int imageDetailMax READ imageDetailMax NOTIFY overridesChanged)
  // Set when the streaming answer could not be saved for a moment (kept in memory, retried).
  Q_PROPERTY(QString saveProblem READ saveProblem NOTIFY saveProblemChanged)
  // The composer's pictures, stored with the next message sent.
  Q_PROPERTY(vole::desktop::ImageAttachments* attachments READ attachments CONSTANT)

 public:
  ChatController(StoreSession* session, EngineController* engine, AppSettings* settings,
                 ConversationListModel* conversations, QObject* parent = nullptr);

  qint64 conversationId() const { return conversation_; }
  QString title() const;
  MessageListModel* messages() { return &messages_; }
  bool generating() const { return streaming_ && streaming_->conversation == conversation_; }
  qint64 streamingMessage() const { return streaming_ ? streaming_->message : 0; }
  bool canSend() const { return sendBlocker().isEmpty(); }
  QString sendBlocker() const;
  bool hasSystemPromptOverride() const { return system_override_.has_value(); }
  QString systemPrompt() const { return system_override_ ? *system_override_ : settings_->systemPrompt(); }
  bool hasSamplingOverride() const { return sampling_override_on_; }
  SamplingValues* samplingOverride() { return &sampling_override_; }
  // This chat's choice, else the model's default (ModelInfo::thinking_default).
  bool thinking() const;
  void setThinking(bool on);
  int imageDetail() const;
  void setImageDetail(int tokens);
  int imageDetailMin() const { return image_token_range().first; }
  int imageDetailMax() const { return image_token_range().second; }
  QString saveProblem() const { return save_problem_; }
  ImageAttachments* attachments() { return &attachments_; }

  // "Keep recordings": the WAV kept from the dictation that filled the composer
  // (VoiceInput::lastRecording) goes with the next message sent, moved into the store's
  // recordings folder (memory/recordings.h). A later dictation replaces it.
  Q_INVOKABLE void keepRecordingWithNextMessage(const QString& wav_path, double seconds);
  Q_INVOKABLE void newConversation();
  // Opens a conversation; `focus_message` (a search hit) is brought onto the active path.
  Q_INVOKABLE void open(qint64 id, qint64 focus_message = -1);
  Q_INVOKABLE bool send(const QString& text);
  Q_INVOKABLE void stop();
  Q_INVOKABLE bool regenerate(qint64 assistant_message);
  Q_INVOKABLE bool editAndResend(qint64 user_message, const QString& text);
  Q_INVOKABLE bool continueAnswer(qint64 assistant_message);
  Q_INVOKABLE void showSibling(qint64 message, int step);  // step -1: previous branch, +1: next
  Q_INVOKABLE void setSystemPromptOverride(bool enabled, const QString& text);
  Q_INVOKABLE void setSamplingOverrideEnabled(bool enabled);
  Q_INVOKABLE void copyToClipboard(const QString& text) const;
  // Writes the conversation (active path) as "markdown" or "json"; returns "" or the error.
  Q_INVOKABLE QString exportConversation(qint64 id, const QUrl& file, const QString& format) const;
  Q_INVOKABLE QString suggestedExportName(qint64 id, const QString& format) const;

  // The title a new conversation gets from its first message.
  static QString title_from_message(const QString& text);
  // The model's view of a conversation: system prompt, then each message (empty
  // failed answers skipped; thinking passed as reasoning_content). A message with
  // `images` gets a content list: its image parts, then its text.
  static nlohmann::ordered_json chat_messages(const QString& system_prompt, const std::vector<memory::Message>& path,
                                              const memory::ImagesByMessage& images = {});

  // Called with every job before it goes to the engine (its answer message exists): lets
  // another part of the app add to the prompt (knowledge_chat.h puts retrieved passages in).
  void set_job_preparer(std::function<void(GenerationJob&)> preparer) { prepare_job_ = std::move(preparer); }

 Q_SIGNALS:
  void conversationChanged();
  void generatingChanged();
  void canSendChanged();
  void overridesChanged();
  void saveProblemChanged();
  void focusRequested(int row);  // scroll the view to this row (after open with a focus message)
  void errorOccurred(const QString& message);
  void answerFinished(qint64 conversation, qint64 message, const QString& status);

 private:
  std::function<void(GenerationJob&)> prepare_job_;
  struct Streaming {
    memory::ConversationId conversation = 0;
    memory::MessageId message = 0;
    QString reasoning, content;  // everything streamed so far (the store may be a batch behind)
  };
  memory::Store* store() const { return session_->store(); }
  bool act(const std::function<void()>& action);
  void reload_messages();
  void read_overrides();
  std::pair<int, int> image_token_range() const;
  void write_overrides();
  // Hands the worker the answer `answer` to write, prompted with `context` (root .. the
  // user message it answers).
  void start(memory::MessageId answer, const std::vector<memory::Message>& context,
             std::optional<runtime::PartialReply> partial = std::nullopt);
  void on_finished(const GenerationResult& result);

  StoreSession* session_;
  EngineController* engine_;
  AppSettings* settings_;
  ConversationListModel* conversations_;
  MessageListModel messages_;
  memory::ConversationId conversation_ = 0;
  std::optional<Streaming> streaming_;
  QString save_problem_;
  std::optional<QString> system_override_;
  bool sampling_override_on_ = false;
  SamplingValues sampling_override_;
  std::optional<bool> thinking_;
  std::optional<int> image_tokens_;
  bool loading_overrides_ = false;
  ImageAttachments attachments_;
  QString pending_recording_;  // see keepRecordingWithNextMessage
  double pending_recording_seconds_ = 0;
  void keep_pending_recording(memory::MessageId message);
};

}  // namespace vole::desktop
