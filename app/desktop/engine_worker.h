#pragma once
// The engine worker: lives on its own QThread and owns everything GPU — one
// runtime::Device shared by the loaded models, the models by role (the chat model
// today; speech-to-text, text-to-speech and embedding models join it on the same
// device), and one runtime::Chat per recently used conversation (an LRU: each Chat
// holds a KV cache and recurrent states on the GPU). The UI talks to it only
// through queued slots and signals; the stop and cancel flags are atomics the UI thread
// sets directly, so Stop takes effect at the next decode step.
//
// Streaming: deltas are saved through a memory::StreamWriter (batched commits, so a
// kill -9 loses at most the last batch) and sent to the UI in batches of at most one
// per `ui_batch` (a fast model cannot flood the event loop).
#include <QObject>
#include <QVariantList>
#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>

#include "engine_jobs.h"
#include "memory/stream_writer.h"
#include "runtime/chat.h"
#include "runtime/engine.h"
#include "runtime/speech_to_text.h"
#include "server/model_access.h"
#include "speech_jobs.h"

namespace vole::desktop {

// What a loaded model is for; each role holds at most one model.
enum class ModelRole { Chat, SpeechToText, TextToSpeech, Embedding };

class EngineWorker : public QObject {
  Q_OBJECT

 public:
  explicit EngineWorker(int max_chats = 3, std::chrono::milliseconds ui_batch = std::chrono::milliseconds(30),
                        QObject* parent = nullptr);
  ~EngineWorker() override;

  // ---- thread-safe, called from the UI thread ----
  // Stops the answer being written into `message` after the current decode step (or
  // before it starts, if it is still queued). The answer ends as cancelled.
  void request_stop(memory::MessageId message);
  // Abandons the running answer (app closing): it is left interrupted in the store, to
  // be continued at the next start, exactly as after a crash.
  void abandon();
  void cancel_load() { cancel_load_.store(true); }
  // Text deltas delivered so far by the running generation: one per token that completed
  // visible text (diagnostics, and the stop-latency test).
  int64_t tokens_generated() const { return tokens_.load(); }
  // The chat model as others may share it (the local API server): each generation here
  // holds it, and loading, unloading or switching devices goes through it.
  std::shared_ptr<server::ModelAccess> chat_model_access() const { return chat_access_; }

  // ---- on the worker's thread (invoke it there) ----
  // The device the models share (created with the last device choice if there is none yet),
  // for models that run on another thread: the knowledge indexer's embedding model and the
  // neural voice (synthesised on the speech thread).
  std::shared_ptr<runtime::Device> shared_device() { return device_ ? device_ : device_for(device_choice_); }

 public Q_SLOTS:
  void listDevices();
  void load(const vole::desktop::LoadRequest& request);
  void unload();
  void generate(const vole::desktop::GenerationJob& job);
  void forgetConversation(qint64 conversation);  // frees its Chat (GPU memory)
  // Speech to text (engine_worker_speech.cpp): loads job.model_dir as the SpeechToText
  // model if it is not loaded yet, transcribes, answers with transcribed(). Runs between
  // chat jobs on this thread, with its own model and state, so neither disturbs the other.
  void transcribe(const vole::desktop::TranscriptionJob& job);
  void shutdown();  // releases the engine; call (blocking) before the thread ends

 Q_SIGNALS:
  void devicesListed(const QVariantList& devices, const QString& error);
  void loadProgress(double fraction, const QString& stage);
  void loaded(const vole::desktop::ModelInfo& info);
  void loadFailed(const QString& error, bool cancelled);
  void unloaded();
  void started(qint64 conversation, qint64 message);
  void streamed(qint64 conversation, qint64 message, const QString& reasoning, const QString& content);
  // A batch of the streaming answer is committed to the database: it now holds `chars`
  // characters of answer text and `reasoning_chars` of reasoning (Unicode code points).
  void saved(qint64 conversation, qint64 message, qint64 chars, qint64 reasoning_chars);
  void finished(const vole::desktop::GenerationResult& result);
  // A batch of the streaming answer could not be saved (disk full, database locked): it
  // is kept in memory and retried; the message says why.
  void saveProblem(const QString& message);
  // An answer whose final save had failed (finished() said saved=false) is now saved
  // whole, with its final status.
  void answerSaved(qint64 conversation, qint64 message);
  void transcribed(const vole::desktop::TranscriptionResult& result);
  // Preparing the prompt's images for the answer `message` (fraction 1: done).
  void imageProgress(qint64 message, double fraction, const QString& stage);
  // Whole-document mode: where the reading of the document for `message` is ("" done).
  void readingProgress(qint64 message, const QString& stage);

 private:
  runtime::Chat& chat_for(memory::ConversationId conversation);
  // Whole-document mode (engine_worker_reading.cpp): every part, then the combining steps,
  // as turns of `chat`; only the last (the answer) streams to `on_delta`.
  runtime::ChatReply read_document(runtime::Chat& chat, const GenerationJob& job,
                                   const std::function<void(const runtime::ChatDelta&)>& on_delta);
  runtime::Engine* model(ModelRole role) const;
  // The shared device, created on first use or when the user picks another one (which
  // releases every model on the old one first).
  std::shared_ptr<runtime::Device> device_for(const std::string& device_choice);
  void run(const GenerationJob& job, GenerationResult& result);
  void load_remote(const LoadRequest& request);
  // Tries again to save the answers whose final save failed; true when none is left.
  bool retry_unsaved();
  void schedule_retry();

  int max_chats_;
  std::chrono::milliseconds ui_batch_;
  std::shared_ptr<runtime::Device> device_;
  std::string device_choice_;
  std::map<ModelRole, std::unique_ptr<runtime::Engine>> models_;
  std::shared_ptr<server::ModelAccess> chat_access_ = std::make_shared<server::ModelAccess>();
  std::optional<RemoteTarget> remote_;  // the chat model is on another server
  ModelInfo info_;
  std::list<std::pair<memory::ConversationId, std::unique_ptr<runtime::Chat>>> chats_;  // most recent first
  std::unique_ptr<runtime::SpeechToText> stt_;  // on models_[SpeechToText]; released before it
  QString stt_dir_;

  std::atomic<bool> cancel_{false};  // handed to the runtime
  std::atomic<bool> abandon_{false};
  std::atomic<bool> cancel_load_{false};
  std::atomic<memory::MessageId> running_{0};   // the message being generated
  std::atomic<memory::MessageId> stop_for_{0};  // the message the user stopped
  std::atomic<int64_t> tokens_{0};
  // Finished answers the store could not take yet (disk full): the whole text stays here,
  // retried every second, before each new answer and at shutdown; never marked
  // interrupted while it is kept.
  struct UnsavedAnswer {
    memory::StreamWriter writer;
    memory::MessageStatus status;
    memory::MessageStats stats;
    std::optional<std::string> error;
  };
  std::list<UnsavedAnswer> unsaved_;
  bool retry_scheduled_ = false;
};

}  // namespace vole::desktop
