#pragma once
// The values that cross between the UI thread and the engine worker thread (queued
// signals copy them; each is registered as a Qt metatype by register_engine_types()).
#include <QMetaType>
#include <QString>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "knowledge/knowledge_base.h"
#include "memory/store.h"
#include "memory/types.h"
#include "remote_reply.h"
#include "runtime/chat.h"

namespace vole::desktop {

struct LoadRequest {
  QString model_dir;
  QString device;  // "" = automatic, else a device name (gpu::ContextOptions::device)
  int context_length = 4096;
  RemoteTarget remote;  // model non-empty: a model on another server (no GPU, no folder)
};

struct ModelInfo {
  QString dir;
  QString name;                // folder name ("Qwen3.5-0.8B")
  QString architecture;        // model_type from config.json ("qwen3_5")
  QString device_name;         // the Vulkan device in use
  QString device_type;         // "discrete", "integrated", "virtual", "cpu", "other"
  bool device_is_cpu = false;  // a CPU driver (lavapipe / llvmpipe): works, but slowly
  quint64 device_memory = 0;   // largest device-local heap, bytes
  quint64 weight_bytes = 0;
  double load_ms = 0;
  int context_length = 0;
  bool supports_thinking = false;             // the chat template reads enable_thinking
  bool thinking_default = false;              // what the template does when enable_thinking is not given
  runtime::SamplingOptions default_sampling;  // generation_config.json's recommendation
  int default_max_tokens = 2048;
  bool vision_available = false;   // the model has a vision tower
  bool vision_downloaded = false;  // ... and its tensors are in the folder (as far as the manifest says)
  QString repo;                    // the Hugging Face repo Vole downloaded it from, if any
  int image_tokens_min = 0;        // the model's own range of LLM tokens per image (0: no tower)
  int image_tokens_max = 0;
  bool remote = false;  // served by another computer: text sent to it leaves this one
};

// Whole-document mode (knowledge/document_walk.h): the answer is the task done over the
// whole document, read in parts that fit the context, not over retrieved passages.
struct DocumentReading {
  std::vector<knowledge::ChunkRecord> chunks;  // the document's, in order
  std::string name;                            // its file name, for the prompts
  std::string task;                            // the user's question
};

// One answer to generate into an assistant message the UI thread already created
// (Store::begin_assistant / regenerate / resume).
struct GenerationJob {
  memory::Store* store = nullptr;  // outlives the job (owned by StoreSession)
  memory::ConversationId conversation = 0;
  memory::MessageId message = 0;
  runtime::ChatRequest request;  // the conversation up to the answer, options, partial answer
  QString model_name;            // recorded in the answer's stats
  // The stored pictures of the conversation, in the order of request's image parts; the
  // worker decodes and preprocesses them into request.images (prompt_images.h).
  std::vector<std::filesystem::path> image_files;
  int64_t max_image_tokens = 1024;                 // the chat's cap on one image's LLM tokens ("Image detail")
  std::shared_ptr<const DocumentReading> reading;  // set: whole-document mode
};

struct GenerationResult {
  memory::ConversationId conversation = 0;
  memory::MessageId message = 0;
  memory::MessageStatus status = memory::MessageStatus::Complete;
  memory::MessageStats stats;
  QString error;        // for status Error
  QString stop_reason;  // runtime::stop_reason_name()
  bool saved = true;    // false if the final state could not be written (the store's error is in `error`)
};

void register_engine_types();

}  // namespace vole::desktop

Q_DECLARE_METATYPE(vole::desktop::LoadRequest)
Q_DECLARE_METATYPE(vole::desktop::ModelInfo)
Q_DECLARE_METATYPE(vole::desktop::GenerationJob)
Q_DECLARE_METATYPE(vole::desktop::GenerationResult)
