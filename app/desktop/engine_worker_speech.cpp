// EngineWorker's speech-to-text job: the SpeechToText model is a second model on the
// worker's device (ModelRole::SpeechToText), loaded on first use and kept, with its own
// decoder sequence; a chat's KV cache and sequences are never touched.
#include <chrono>

#include "engine_worker.h"
#include "qt_strings.h"
#include "runtime/transcriber.h"
#include "util/error.h"

namespace vole::desktop {

void register_speech_types() {
  qRegisterMetaType<TranscriptionJob>();
  qRegisterMetaType<TranscriptionResult>();
}

void EngineWorker::transcribe(const TranscriptionJob& job) {
  TranscriptionResult result;
  result.id = job.id;
  result.partial = job.partial;
  result.audio_seconds = static_cast<double>(job.samples.size()) / audio::kSpeechSampleRate;
  try {
    if (!stt_ || stt_dir_ != job.model_dir) {
      stt_.reset();
      models_.erase(ModelRole::SpeechToText);
      runtime::EngineOptions options;
      options.weights = model::Format::F16;  // as `vole transcribe`: small model, f16 keeps its accuracy
      // The chat model's device if one is loaded: one device for every model.
      auto device = device_for(device_ ? device_choice_ : job.device.toStdString());
      auto engine = std::make_unique<runtime::Engine>(device, job.model_dir.toStdString(), options);
      stt_ = std::make_unique<runtime::SpeechToText>(*engine);
      models_[ModelRole::SpeechToText] = std::move(engine);
      stt_dir_ = job.model_dir;
    }
    audio::Audio input{job.samples, audio::kSpeechSampleRate};
    auto begin = std::chrono::steady_clock::now();
    result.text = qstr(runtime::joined_text(runtime::transcribe(*stt_, input)));
    result.compute_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  } catch (const std::exception& e) {
    stt_.reset();
    models_.erase(ModelRole::SpeechToText);
    stt_dir_.clear();
    result.error = QString::fromUtf8(e.what());
  }
  Q_EMIT transcribed(result);
}

}  // namespace vole::desktop
