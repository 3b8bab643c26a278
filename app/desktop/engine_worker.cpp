#include "engine_worker.h"

#include <QTimer>
#include <QUrl>
#include <QVariantMap>
#include <algorithm>
#include <cstdio>

#include "gpu/context.h"
#include "installed_models_model.h"
#include "memory/stream_writer.h"
#include "prompt_images.h"
#include "qt_strings.h"
#include "util/error.h"

namespace vole::desktop {

namespace {
using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool template_supports_thinking(const runtime::Engine& engine) {
  const auto* tmpl = engine.chat_template();
  return tmpl && tmpl->source().find("enable_thinking") != std::string::npos;
}

// Whether the template thinks when enable_thinking is not given: its prompt then equals
// the one rendered with enable_thinking=true (Qwen3: both leave thinking to the model;
// Qwen3.5-0.8B: undefined renders like false, an empty closed think block).
bool template_thinks_by_default(const runtime::Engine& engine) {
  const auto* tmpl = engine.chat_template();
  if (!tmpl) return false;
  auto messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "Hi"}}});
  text::ChatOptions unset, on;
  on.enable_thinking = true;
  // A probe at load: a template that needs more than this is not probed (and fails with
  // its own error when a message is sent, where Stop can end it).
  for (auto* o : {&unset, &on}) {
    o->limits.max_steps = 2'000'000;
    o->limits.max_time = std::chrono::seconds(2);
  }
  try {
    return tmpl->render(messages, unset) == tmpl->render(messages, on);
  } catch (const std::exception&) {
    return false;
  }
}

QString architecture_name(const model::ModelConfig& config) {
  std::string_view n = config.family->name();
  return QString::fromUtf8(n.data(), static_cast<qsizetype>(n.size()));
}

// Characters (code points) of whole UTF-8 text, as SQLite's length() counts them.
qint64 code_points(std::string_view utf8) {
  return std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}
}  // namespace

void register_engine_types() {
  qRegisterMetaType<LoadRequest>();
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<GenerationJob>();
  qRegisterMetaType<GenerationResult>();
}

EngineWorker::EngineWorker(int max_chats, std::chrono::milliseconds ui_batch, QObject* parent)
    : QObject(parent), max_chats_(std::max(1, max_chats)), ui_batch_(ui_batch) {}

EngineWorker::~EngineWorker() { shutdown(); }

void EngineWorker::request_stop(memory::MessageId message) {
  // Either the worker sees stop_for_ when it starts this message, or we see it running.
  stop_for_.store(message);
  if (running_.load() == message) cancel_.store(true);
}

void EngineWorker::abandon() {
  abandon_.store(true);
  cancel_.store(true);
  cancel_load_.store(true);
}

void EngineWorker::listDevices() {
  QVariantList list;
  QString error;
  try {
    for (const auto& d : gpu::list_devices()) {
      list.append(QVariantMap{{"index", d.index},
                              {"name", qstr(d.name)},
                              {"type", d.type_name()},
                              {"isCpu", d.type == VK_PHYSICAL_DEVICE_TYPE_CPU},
                              {"memory", static_cast<qulonglong>(d.device_local_bytes())},
                              {"driver", qstr(d.driver_name)}});
    }
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
  }
  Q_EMIT devicesListed(list, error);
}

void EngineWorker::load(const LoadRequest& request) {
  unload();
  cancel_load_.store(false);
  if (!request.remote.model.isEmpty()) return load_remote(request);
  runtime::EngineOptions options;
  options.device = request.device.toStdString();
  options.context_length = request.context_length;
  options.cancel = &cancel_load_;
  auto last = Clock::now() - std::chrono::seconds(1);
  options.progress = [&](double fraction, const std::string& stage) {
    auto now = Clock::now();
    if (fraction < 1.0 && now - last < std::chrono::milliseconds(50)) return;  // keep the UI queue short
    last = now;
    Q_EMIT loadProgress(fraction, qstr(stage));
  };
  try {
    auto engine =
        std::make_unique<runtime::Engine>(device_for(options.device), request.model_dir.toStdString(), options);
    const auto& dev = engine->gpu().info();
    ModelInfo info;
    info.dir = request.model_dir;
    info.name = model_display_name(qstr(engine->model_dir().string()));
    info.architecture = architecture_name(engine->config());
    info.device_name = qstr(dev.name);
    info.device_type = dev.type_name();
    info.device_is_cpu = dev.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    info.device_memory = dev.device_local_bytes();
    info.weight_bytes = engine->load_report().weight_bytes;
    info.load_ms = engine->load_report().total_ms;
    info.context_length = static_cast<int>(engine->context_length());
    info.supports_thinking = template_supports_thinking(*engine);
    info.thinking_default = info.supports_thinking && template_thinks_by_default(*engine);
    auto defaults = engine->default_generate_options();
    info.default_sampling = defaults.sampling;
    info.default_max_tokens = defaults.max_tokens;
    describe_vision(*engine, info);
    if (!engine->chat_template())
      fail(ErrorCode::Unsupported, "the model in " + request.model_dir.toStdString() +
                                       " has no chat template (tokenizer_config.json or chat_template.jinja), "
                                       "so it cannot chat");
    models_[ModelRole::Chat] = std::move(engine);
    chat_access_->set(model(ModelRole::Chat));
    info_ = info;
    Q_EMIT loaded(info);
  } catch (const Error& e) {
    Q_EMIT loadFailed(QString::fromUtf8(e.what()), e.code() == ErrorCode::Cancelled);
  } catch (const std::exception& e) {
    Q_EMIT loadFailed(QString::fromUtf8(e.what()), false);
  }
}

void EngineWorker::load_remote(const LoadRequest& request) {
  remote_ = request.remote;
  ModelInfo info;
  info.dir = request.model_dir;
  info.name = request.remote.model;
  info.architecture = "remote";
  info.device_name = QUrl(request.remote.base_url).host();
  info.device_type = "remote";
  info.remote = true;
  info.default_sampling = runtime::SamplingOptions{};
  info_ = info;
  Q_EMIT loaded(info);
}

void EngineWorker::unload() {
  if (remote_) {
    remote_.reset();
    if (!models_.count(ModelRole::Chat)) Q_EMIT unloaded();
  }
  if (!models_.count(ModelRole::Chat)) return;
  chat_access_->set(nullptr);  // other users (the API server) finish and let go first
  chats_.clear();              // sequences before the engine they run on
  models_.erase(ModelRole::Chat);
  Q_EMIT unloaded();
}

runtime::Engine* EngineWorker::model(ModelRole role) const {
  auto it = models_.find(role);
  return it == models_.end() ? nullptr : it->second.get();
}

std::shared_ptr<runtime::Device> EngineWorker::device_for(const std::string& choice) {
  if (device_ && choice != device_choice_) {
    chat_access_->set(nullptr);
    chats_.clear();
    stt_.reset();
    models_.clear();
    device_.reset();
  }
  if (!device_) {
    device_ = std::make_shared<runtime::Device>(runtime::DeviceOptions{choice, 0});
    device_choice_ = choice;
  }
  return device_;
}

void EngineWorker::forgetConversation(qint64 conversation) {
  chats_.remove_if([&](const auto& entry) { return entry.first == conversation; });
}

void EngineWorker::shutdown() {
  if (!retry_unsaved()) {
    // Quitting with answers the disk still cannot take: say so plainly. Their saved
    // part stays in the database, marked interrupted at the next start.
    for (auto& u : unsaved_)
      std::fprintf(stderr, "vole-desktop: an answer of %zu characters could not be saved before quitting: %s\n",
                   u.writer.content().size(), u.writer.last_error() ? u.writer.last_error()->what() : "unknown error");
  }
  unsaved_.clear();
  chat_access_->set(nullptr);
  chats_.clear();
  stt_.reset();
  models_.clear();
  device_.reset();
}

runtime::Chat& EngineWorker::chat_for(memory::ConversationId conversation) {
  for (auto it = chats_.begin(); it != chats_.end(); ++it) {
    if (it->first != conversation) continue;
    chats_.splice(chats_.begin(), chats_, it);
    return *chats_.front().second;
  }
  while (static_cast<int>(chats_.size()) >= max_chats_) chats_.pop_back();  // frees the least recent GPU state
  chats_.emplace_front(conversation, std::make_unique<runtime::Chat>(*model(ModelRole::Chat)));
  return *chats_.front().second;
}

bool EngineWorker::retry_unsaved() {
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    try {
      it->writer.finish(it->status, it->stats, it->error);
    } catch (const std::exception&) {
      ++it;
      continue;
    }
    Q_EMIT saved(it->writer.conversation_id(), it->writer.message_id(), code_points(it->writer.saved_content()),
                 code_points(it->writer.saved_reasoning()));
    Q_EMIT answerSaved(it->writer.conversation_id(), it->writer.message_id());
    it = unsaved_.erase(it);
  }
  return unsaved_.empty();
}

void EngineWorker::schedule_retry() {
  if (retry_scheduled_ || unsaved_.empty()) return;
  retry_scheduled_ = true;
  QTimer::singleShot(1000, this, [this] {
    retry_scheduled_ = false;
    if (!retry_unsaved()) schedule_retry();
  });
}

void EngineWorker::generate(const GenerationJob& job) {
  retry_unsaved();  // earlier answers first: they finished before this one
  GenerationResult result;
  result.conversation = job.conversation;
  result.message = job.message;
  tokens_.store(0);
  running_.store(job.message);
  cancel_.store(stop_for_.load() == job.message || abandon_.load());
  Q_EMIT started(job.conversation, job.message);
  run(job, result);
  running_.store(0);
  memory::MessageId stopped = job.message;
  stop_for_.compare_exchange_strong(stopped, 0);  // a later Continue of this message starts clean
  if (!abandon_.load()) Q_EMIT finished(result);
}

void EngineWorker::run(const GenerationJob& job, GenerationResult& result) {
  std::optional<memory::StreamWriter> writer;
  try {
    writer.emplace(*job.store, job.message);
  } catch (const std::exception& e) {
    result.status = memory::MessageStatus::Error;
    result.error = QString::fromUtf8(e.what());
    result.saved = false;
    return;
  }

  auto finish = [&](memory::MessageStatus status, std::optional<std::string> error) {
    result.status = status;
    if (error) result.error = qstr(*error);
    try {
      writer->finish(status, result.stats, error);
    } catch (const std::exception& e) {
      // Kept whole in memory and retried: a finished answer is never lost nor marked
      // interrupted because the disk was full when it ended.
      result.saved = false;
      result.error = QString::fromUtf8(e.what());
      Q_EMIT saveProblem(result.error);
      unsaved_.push_back(UnsavedAnswer{std::move(*writer), status, result.stats, error});
      writer.reset();
      schedule_retry();
    }
  };

  if (!model(ModelRole::Chat) && !remote_) {
    finish(memory::MessageStatus::Error, "no model is loaded");
    return;
  }
  if (cancel_.load() && !abandon_.load()) {  // stopped before it started
    finish(memory::MessageStatus::Cancelled, std::nullopt);
    return;
  }

  const auto start = Clock::now();
  std::optional<Clock::time_point> reasoning_end;
  bool had_reasoning = false;
  std::string ui_reasoning, ui_content;
  auto last_ui = start;
  bool reported_save_problem = false;
  int64_t batches_reported = writer->batches_committed();
  auto send_ui = [&] {
    if (ui_reasoning.empty() && ui_content.empty()) return;
    Q_EMIT streamed(job.conversation, job.message, qstr(ui_reasoning), qstr(ui_content));
    ui_reasoning.clear();
    ui_content.clear();
    last_ui = Clock::now();
  };

  auto on_delta = [&](const runtime::ChatDelta& d) {
    tokens_.fetch_add(1);
    if (!d.reasoning.empty()) {
      had_reasoning = true;
      writer->append_reasoning(d.reasoning);
      ui_reasoning += d.reasoning;
    }
    if (!d.content.empty()) {
      if (had_reasoning && !reasoning_end) reasoning_end = Clock::now();
      writer->append_content(d.content);
      ui_content += d.content;
    }
    if (writer->batches_committed() != batches_reported) {
      batches_reported = writer->batches_committed();
      Q_EMIT saved(job.conversation, job.message, code_points(writer->saved_content()),
                   code_points(writer->saved_reasoning()));
    }
    if (writer->last_error() && !reported_save_problem) {
      reported_save_problem = true;
      Q_EMIT saveProblem(QString::fromUtf8(writer->last_error()->what()));
    }
    if (Clock::now() - last_ui >= ui_batch_) send_ui();
  };

  try {
    runtime::ChatReply reply;
    if (remote_) {
      if (job.reading) fail(ErrorCode::Unsupported, "whole-document mode needs a model on this computer");
      reply = remote_reply(*remote_, job.request, on_delta, &cancel_);
    } else {
      // Takes turns with the local API server's requests on the same model.
      auto lease = chat_access_->acquire();
      runtime::Chat& chat = chat_for(job.conversation);
      const runtime::ChatRequest* request = &job.request;
      runtime::ChatRequest with_images;
      if (!job.image_files.empty()) {
        with_images = job.request;
        add_prompt_images(
            with_images, job.image_files, model(ModelRole::Chat)->vision(), job.max_image_tokens, cancel_,
            [&](double f, const std::string& stage) { Q_EMIT imageProgress(job.message, f, qstr(stage)); });
        request = &with_images;
      }
      reply = job.reading ? read_document(chat, job, on_delta) : chat.reply(*request, on_delta, &cancel_);
      if (!job.image_files.empty()) Q_EMIT imageProgress(job.message, 1.0, QString());
    }
    send_ui();
    const auto& s = reply.stats;
    result.stop_reason = runtime::stop_reason_name(s.stop);
    result.stats.prompt_tokens = s.prompt_tokens;
    result.stats.generated_tokens = s.generated_tokens;
    if (double tps = s.decode_tokens_per_second(); tps > 0) result.stats.tokens_per_second = tps;
    result.stats.time_to_first_token_ms = s.ttft_ms;
    if (!job.model_name.isEmpty()) result.stats.model = job.model_name.toStdString();
    if (had_reasoning) result.stats.reasoning_ms = ms_between(start, reasoning_end.value_or(Clock::now()));
    if (abandon_.load()) return;  // the writer's destructor saves what it has, marked interrupted
    finish(
        s.stop == runtime::StopReason::Cancelled ? memory::MessageStatus::Cancelled : memory::MessageStatus::Complete,
        std::nullopt);
  } catch (const std::exception& e) {
    send_ui();
    // The sequence may hold half-evaluated state: start this conversation's Chat afresh.
    forgetConversation(job.conversation);
    if (abandon_.load()) return;
    // Stop pressed while the template rendered: stopped, not failed.
    auto* err = dynamic_cast<const Error*>(&e);
    if (err && err->code() == ErrorCode::Cancelled && cancel_.load()) {
      finish(memory::MessageStatus::Cancelled, std::nullopt);
      return;
    }
    finish(memory::MessageStatus::Error, std::string(e.what()));
  }
}

}  // namespace vole::desktop
