#include "chat_controller.h"

#include <QClipboard>
#include <QFileInfo>
#include <QGuiApplication>
#include <QRegularExpression>
#include <algorithm>
#include <cstdint>

#include "event_log.h"
#include "image/preprocess.h"
#include "memory/export.h"
#include "memory/recordings.h"
#include "qt_strings.h"
#include "report_errors.h"
#include "util/file.h"
#include "util/json.h"
#include "util/user_files.h"

namespace vole::desktop {

ChatController::ChatController(StoreSession* session, EngineController* engine, AppSettings* settings,
                               ConversationListModel* conversations, QObject* parent)
    : QObject(parent),
      session_(session),
      engine_(engine),
      settings_(settings),
      conversations_(conversations),
      attachments_(engine) {
  connect(&attachments_, &ImageAttachments::countChanged, this, &ChatController::canSendChanged);
  connect(engine_, &EngineController::streamed, this,
          [this](qint64 conversation, qint64 message, const QString& reasoning, const QString& content) {
            if (streaming_ && streaming_->message == message) {
              streaming_->reasoning += reasoning;
              streaming_->content += content;
            }
            if (conversation == conversation_) messages_.append_delta(message, reasoning, content);
          });
  connect(engine_, &EngineController::saved, this,
          [](qint64 conversation, qint64 message, qint64 chars, qint64 reasoning_chars) {
            log_event("answer-saved", {{"conversation", conversation},
                                       {"message", message},
                                       {"chars", chars},
                                       {"reasoning_chars", reasoning_chars}});
          });
  connect(engine_, &EngineController::finished, this, &ChatController::on_finished);
  connect(engine_, &EngineController::saveProblem, this, [this](const QString& message) {
    save_problem_ = message;
    Q_EMIT saveProblemChanged();
  });
  // An answer kept in memory while the disk was full is now in the database, whole.
  connect(engine_, &EngineController::answerSaved, this, [this](qint64 conversation, qint64 message) {
    save_problem_.clear();
    Q_EMIT saveProblemChanged();
    if (store() && conversation == conversation_) act([&] { messages_.refresh_message(*store(), message); });
    log_event("answer-saved-late", {{"conversation", conversation}, {"message", message}});
  });
  connect(engine_, &EngineController::stateChanged, this, [this] {
    Q_EMIT canSendChanged();
    Q_EMIT overridesChanged();  // thinking's default comes from the model
  });
  connect(session_, &StoreSession::changed, this, [this] {
    conversation_ = 0;
    streaming_.reset();
    messages_.clear();
    read_overrides();
    Q_EMIT conversationChanged();
    Q_EMIT generatingChanged();
    Q_EMIT canSendChanged();
  });
  connect(&sampling_override_, &SamplingValues::changed, this, [this] {
    if (sampling_override_on_ && !loading_overrides_) write_overrides();
  });
  connect(settings_, &AppSettings::systemPromptChanged, this, &ChatController::overridesChanged);
  connect(this, &ChatController::overridesChanged, this, [this] { attachments_.set_max_image_tokens(imageDetail()); });
  read_overrides();
}

QString ChatController::title() const {
  if (!conversation_) return tr("New chat");
  QString t = conversations_->titleOf(conversation_);
  return t.isEmpty() ? tr("New chat") : t;
}

QString ChatController::sendBlocker() const {
  if (!store()) return tr("The conversation database is not open.");
  if (store()->read_only()) return tr("This session is read-only: conversations can be read but not changed.");
  if (engine_->state() == EngineState::Loading) return tr("The model is loading…");
  if (engine_->state() != EngineState::Ready) return tr("Choose a model to start chatting.");
  if (streaming_) return tr("Vole is still answering.");
  if (attachments_.count() > 0 && !attachments_.blocker().isEmpty()) return attachments_.blocker();
  return {};
}

bool ChatController::thinking() const { return thinking_.value_or(engine_->info().thinking_default); }

std::pair<int, int> ChatController::image_token_range() const {
  const ModelInfo& info = engine_->info();
  if (info.image_tokens_max > 0) return {info.image_tokens_min, info.image_tokens_max};
  auto [lo, hi] = image::image_token_range(image::PreprocessorConfig{});  // no tower loaded: Qwen-VL's
  return {static_cast<int>(lo), static_cast<int>(hi)};
}

int ChatController::imageDetail() const {
  auto [lo, hi] = image_token_range();
  return std::clamp(image_tokens_.value_or(static_cast<int>(runtime::VisionOptions{}.max_image_tokens)), lo, hi);
}

void ChatController::setImageDetail(int tokens) {
  auto [lo, hi] = image_token_range();
  tokens = std::clamp(tokens, lo, hi);
  if (image_tokens_ == tokens) return;
  image_tokens_ = tokens;
  write_overrides();
}

bool ChatController::act(const std::function<void()>& action) {
  if (!store()) return false;
  return run_reporting_errors(action, [this](const QString& message) { Q_EMIT errorOccurred(message); });
}

void ChatController::reload_messages() {
  if (store() && conversation_) {
    act([&] { messages_.load(*store(), conversation_); });
    if (streaming_ && streaming_->conversation == conversation_)
      messages_.set_streaming_text(streaming_->message, streaming_->reasoning, streaming_->content);
  } else {
    messages_.clear();
  }
}

// ---- conversations ----

void ChatController::newConversation() {
  conversation_ = 0;
  messages_.clear();
  read_overrides();
  Q_EMIT conversationChanged();
  Q_EMIT generatingChanged();
  log_event("conversation-opened", {{"conversation", 0}});
}

void ChatController::open(qint64 id, qint64 focus_message) {
  if (!store()) return;
  if (focus_message > 0) act([&] { store()->select_branch(focus_message); });
  conversation_ = id;
  reload_messages();
  read_overrides();
  Q_EMIT conversationChanged();
  Q_EMIT generatingChanged();
  log_event("conversation-opened", {{"conversation", qlonglong(id)}, {"messages", messages_.count()}});
  if (focus_message > 0) {
    int row = messages_.rowOf(focus_message);
    if (row >= 0) Q_EMIT focusRequested(row);
  }
}

QString ChatController::title_from_message(const QString& text) {
  QString line = text.section('\n', 0, 0).simplified();
  if (line.isEmpty()) line = text.simplified();
  constexpr int kMax = 48;
  if (line.size() <= kMax) return line;
  int cut = line.lastIndexOf(' ', kMax);
  return line.left(cut > kMax / 2 ? cut : kMax) + QStringLiteral("…");
}

// ---- overrides, stored in the conversation: system_prompt, and sampling_json =
// {"sampling": {...}, "thinking": bool, "image_tokens": int} (each key only when overridden) ----

void ChatController::read_overrides() {
  system_override_.reset();
  sampling_override_on_ = false;
  thinking_.reset();
  image_tokens_.reset();
  std::optional<memory::Conversation> c;
  if (store() && conversation_) act([&] { c = store()->conversation(conversation_); });
  loading_overrides_ = true;  // what is read here is not written back
  sampling_override_.copyFrom(settings_->sampling());
  if (c) {
    if (c->system_prompt) system_override_ = qstr(*c->system_prompt);
    auto j = parse_json_or_discarded(c->sampling_json.value_or("{}"));
    if (j.is_object()) {
      if (auto it = j.find("sampling"); it != j.end() && it->is_object()) {
        sampling_override_on_ = true;
        sampling_override_.from_json(*it);
      }
      if (auto it = j.find("thinking"); it != j.end() && it->is_boolean()) thinking_ = it->get<bool>();
      if (auto it = j.find("image_tokens"); it != j.end() && it->is_number_integer() && it->get<int64_t>() > 0)
        image_tokens_ = static_cast<int>(std::min<int64_t>(it->get<int64_t>(), INT32_MAX));
    }
  }
  loading_overrides_ = false;
  Q_EMIT overridesChanged();
}

void ChatController::write_overrides() {
  Q_EMIT overridesChanged();
  if (!store() || !conversation_) return;  // a new chat: saved with its first message
  nlohmann::json j = nlohmann::json::object();
  if (sampling_override_on_) j["sampling"] = sampling_override_.to_json();
  if (thinking_) j["thinking"] = *thinking_;
  if (image_tokens_) j["image_tokens"] = *image_tokens_;
  act([&] {
    store()->set_sampling_json(conversation_, j.empty() ? std::nullopt : std::optional<std::string>(j.dump()));
    std::optional<std::string> prompt;
    if (system_override_) prompt = system_override_->toStdString();
    store()->set_system_prompt(conversation_, prompt);
  });
}

void ChatController::setThinking(bool on) {
  if (thinking_ == on) return;
  thinking_ = on;
  write_overrides();
}

void ChatController::setSystemPromptOverride(bool enabled, const QString& text) {
  if (enabled)
    system_override_ = text;
  else
    system_override_.reset();
  write_overrides();
}

void ChatController::setSamplingOverrideEnabled(bool enabled) {
  if (enabled == sampling_override_on_) return;
  sampling_override_on_ = enabled;
  if (!enabled) {
    loading_overrides_ = true;
    sampling_override_.copyFrom(settings_->sampling());  // the form shows the defaults again
    loading_overrides_ = false;
  }
  write_overrides();
}

// ---- generation ----

nlohmann::ordered_json ChatController::chat_messages(const QString& system_prompt,
                                                     const std::vector<memory::Message>& path,
                                                     const memory::ImagesByMessage& images) {
  auto messages = nlohmann::ordered_json::array();
  if (!system_prompt.trimmed().isEmpty())
    messages.push_back({{"role", "system"}, {"content", system_prompt.toStdString()}});
  for (const auto& m : path) {
    if (m.role == memory::Role::System) continue;                          // the conversation's prompt is set above
    if (m.role == memory::Role::Assistant && m.content.empty()) continue;  // failed or stopped before a word
    nlohmann::ordered_json msg = {{"role", std::string(memory::role_name(m.role))}, {"content", m.content}};
    if (m.role == memory::Role::Assistant && !m.reasoning.empty()) msg["reasoning_content"] = m.reasoning;
    if (auto it = images.find(m.id); it != images.end())
      msg["content"] = content_with_images(m.content, it->second.size());
    messages.push_back(std::move(msg));
  }
  return messages;
}

void ChatController::start(memory::MessageId answer, const std::vector<memory::Message>& context,
                           std::optional<runtime::PartialReply> partial) {
  GenerationJob job;
  job.store = store();
  job.conversation = conversation_;
  job.message = answer;
  job.model_name = engine_->modelName();
  memory::ImagesByMessage images;
  act([&] { images = stored_images(*store(), context); });
  job.request.messages = chat_messages(systemPrompt(), context, images);
  for (const auto& m : context)
    if (auto it = images.find(m.id); it != images.end())
      for (const auto& im : it->second) job.image_files.push_back(im.file);
  if (engine_->supportsThinking()) job.request.template_options.enable_thinking = thinking();
  job.max_image_tokens = imageDetail();
  (sampling_override_on_ ? sampling_override_ : *settings_->sampling()).apply_to(job.request.generation);
  streaming_ = Streaming{conversation_, answer, {}, {}};
  if (partial) {
    streaming_->reasoning = QString::fromStdString(partial->reasoning);
    streaming_->content = QString::fromStdString(partial->content);
  }
  job.request.continue_from = std::move(partial);
  if (prepare_job_) prepare_job_(job);
  save_problem_.clear();
  Q_EMIT saveProblemChanged();
  Q_EMIT generatingChanged();
  Q_EMIT canSendChanged();
  engine_->submit(job);
  log_event("answer-started", {{"conversation", qlonglong(conversation_)}, {"message", qlonglong(answer)}});
}

bool ChatController::send(const QString& text) {
  QString body = text.trimmed();
  if ((body.isEmpty() && attachments_.count() == 0) || !canSend()) return false;
  memory::Message user, answer;
  bool created = false;
  bool ok = act([&] {
    if (!conversation_) {
      memory::NewConversation spec;
      spec.title = (body.isEmpty() ? tr("Image") : title_from_message(body)).toStdString();
      spec.model_id = engine_->modelName().toStdString();
      conversation_ = store()->create_conversation(spec).id;
      created = true;
    }
    user = store()->append_message(conversation_, {.role = memory::Role::User, .content = body.toStdString()});
    attachments_.save_to(*store(), user.id);
    answer = store()->begin_assistant(conversation_);
  });
  if (created) write_overrides();  // what was chosen for the new chat
  if (!ok) return false;
  log_event("message-sent",
            {{"conversation", qlonglong(conversation_)}, {"message", qlonglong(user.id)}, {"text", body}});
  keep_pending_recording(user.id);
  reload_messages();
  conversations_->refresh();
  if (created) Q_EMIT conversationChanged();
  std::vector<memory::Message> context;
  act([&] { context = store()->path_to(user.id); });
  start(answer.id, context);
  return true;
}

void ChatController::keepRecordingWithNextMessage(const QString& wav_path, double seconds) {
  pending_recording_ = wav_path;
  pending_recording_seconds_ = seconds;
}

void ChatController::keep_pending_recording(memory::MessageId message) {
  if (pending_recording_.isEmpty()) return;
  const std::filesystem::path wav = pending_recording_.toStdString();
  const auto ms = static_cast<int64_t>(pending_recording_seconds_ * 1000.0 + 0.5);
  pending_recording_.clear();
  memory::MessageRecording kept;
  // A recording that cannot be kept is reported; the message is sent all the same.
  if (!act([&] { kept = memory::attach_recording(*store(), message, MappedFile(wav).bytes(), ms); })) return;
  std::error_code ec;
  if (kept.file != wav) std::filesystem::remove(wav, ec);  // its bytes are in the store's folder now
  log_event("recording-kept",
            {{"message", qlonglong(message)}, {"file", qstr(kept.file.string())}, {"from", qstr(wav.string())}});
}

void ChatController::stop() {
  if (streaming_) engine_->stop(streaming_->message);
}

bool ChatController::regenerate(qint64 assistant_message) {
  if (!canSend()) return false;
  memory::Message answer;
  std::vector<memory::Message> context;
  bool ok = act([&] {
    answer = store()->regenerate(assistant_message);
    if (answer.parent_id) context = store()->path_to(*answer.parent_id);
  });
  if (!ok) return false;
  reload_messages();
  start(answer.id, context);
  return true;
}

bool ChatController::editAndResend(qint64 user_message, const QString& text) {
  QString body = text.trimmed();
  if (body.isEmpty() || !canSend()) return false;
  memory::Message user, answer;
  std::vector<memory::Message> context;
  bool ok = act([&] {
    user = store()->edit_user_message(user_message, body.toStdString());
    answer = store()->begin_assistant(user.conversation_id, user.id);
    context = store()->path_to(user.id);
  });
  if (!ok) return false;
  log_event("message-edited",
            {{"conversation", qlonglong(conversation_)}, {"message", qlonglong(user.id)}, {"text", body}});
  reload_messages();
  start(answer.id, context);
  return true;
}

bool ChatController::continueAnswer(qint64 assistant_message) {
  if (!canSend()) return false;
  memory::Message answer;
  std::vector<memory::Message> context;
  bool ok = act([&] {
    answer = store()->resume(assistant_message);
    context = store()->path_to(answer.id);
    context.pop_back();  // the partial answer itself travels as continue_from
  });
  if (!ok) return false;
  reload_messages();
  start(answer.id, context, runtime::PartialReply{answer.reasoning, answer.content});
  return true;
}

void ChatController::showSibling(qint64 message, int step) {
  if (streaming_ && streaming_->conversation == conversation_) return;  // the streaming branch stays in view
  act([&] {
    auto siblings = store()->siblings(message);
    for (size_t i = 0; i < siblings.size(); ++i) {
      if (siblings[i].id != message) continue;
      long target = static_cast<long>(i) + step;
      if (target < 0 || target >= static_cast<long>(siblings.size())) return;
      store()->select_branch(siblings[target].id);
      return;
    }
  });
  reload_messages();
}

void ChatController::on_finished(const GenerationResult& result) {
  if (streaming_ && streaming_->message == result.message) streaming_.reset();
  if (store() && result.conversation == conversation_)
    act([&] { messages_.refresh_message(*store(), result.message); });
  conversations_->refresh();
  QString status = qstr(memory::status_name(result.status));
  log_event("answer-complete", {{"conversation", qlonglong(result.conversation)},
                                {"message", qlonglong(result.message)},
                                {"status", status},
                                {"tokens", static_cast<qlonglong>(result.stats.generated_tokens.value_or(0))},
                                {"stop", result.stop_reason},
                                {"error", result.error}});
  if (!result.saved) Q_EMIT errorOccurred(tr("The answer could not be saved: %1").arg(result.error));
  Q_EMIT generatingChanged();
  Q_EMIT canSendChanged();
  Q_EMIT answerFinished(result.conversation, result.message, status);
}

// ---- clipboard, export ----

void ChatController::copyToClipboard(const QString& text) const {
  if (auto* clipboard = QGuiApplication::clipboard()) clipboard->setText(text);
}

QString ChatController::suggestedExportName(qint64 id, const QString& format) const {
  QString name = conversations_->titleOf(id);
  name.replace(QRegularExpression(R"([\\/:*?"<>|\x00-\x1f])"), " ");
  name = name.simplified();
  if (name.isEmpty()) name = "conversation";
  return name + (format == "json" ? ".json" : ".md");
}

QString ChatController::exportConversation(qint64 id, const QUrl& file, const QString& format) const {
  if (!session_->store()) return tr("The conversation database is not open.");
  QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
  try {
    std::string text = format == "json" ? memory::export_json(*session_->store(), id)
                                        : memory::export_markdown(*session_->store(), id);
    write_output_file(path.toStdString(), text);
    log_event("exported", {{"conversation", qlonglong(id)}, {"format", format}, {"path", path}});
    return {};
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
}

}  // namespace vole::desktop
