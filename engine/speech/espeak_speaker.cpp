#include "speech/espeak_speaker.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <mutex>

#include "util/error.h"

namespace vole::speech {

namespace {

std::mutex& espeak_mutex() {
  static std::mutex m;
  return m;
}

// What the synthesis callback needs; espeak hands it back as the event's user_data.
struct SynthContext {
  const AudioSink* sink = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  std::vector<float> buffer;
  bool cancelled = false;
  std::exception_ptr error;  // a sink's exception, rethrown once espeak has returned
};

int on_samples(short* wav, int count, espeak_EVENT* events) {
  auto* ctx = events ? static_cast<SynthContext*>(events->user_data) : nullptr;
  if (!ctx) return 0;
  if (ctx->cancel && ctx->cancel->load(std::memory_order_relaxed)) {
    ctx->cancelled = true;
    return 1;  // abort synthesis
  }
  if (wav && count > 0) {
    ctx->buffer.resize(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) ctx->buffer[static_cast<size_t>(i)] = static_cast<float>(wav[i]) / 32768.0f;
    try {
      (*ctx->sink)(ctx->buffer);
    } catch (...) {  // never unwind through espeak's C frames
      ctx->error = std::current_exception();
      return 1;
    }
  }
  return 0;
}

// Initialises espeak-ng once per process (under the mutex); returns its sample rate.
int initialise_locked() {
  static int rate = 0;
  if (rate > 0) return rate;
  int r = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, nullptr, 0);
  if (r <= 0)
    fail(ErrorCode::NotFound, "espeak-ng could not start (its voice data is missing: install espeak-ng-data)");
  espeak_SetSynthCallback(on_samples);
  rate = r;
  return rate;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

std::vector<EspeakVoice> list_voices_locked() {
  initialise_locked();
  std::vector<EspeakVoice> out;
  const espeak_VOICE** voices = espeak_ListVoices(nullptr);
  for (int i = 0; voices && voices[i]; ++i) {
    const espeak_VOICE* v = voices[i];
    EspeakVoice e;
    e.name = v->name ? v->name : "";
    e.identifier = v->identifier ? v->identifier : "";
    // languages: a priority byte, then a NUL-terminated code, repeated; ends with a 0 byte
    if (v->languages && v->languages[0]) e.language = v->languages + 1;
    out.push_back(std::move(e));
  }
  return out;
}

// The identifier of the voice `wanted` names (by name, identifier, the identifier's last
// part, or language), or empty.
std::string resolve_locked(const std::string& wanted) {
  const std::string w = lower(wanted);
  auto voices = list_voices_locked();
  for (const auto& v : voices)
    if (lower(v.name) == w || lower(v.identifier) == w) return v.identifier;
  for (const auto& v : voices) {
    std::string id = lower(v.identifier);
    if (id.substr(id.find_last_of('/') + 1) == w || lower(v.language) == w) return v.identifier;
  }
  return {};
}

}  // namespace

std::vector<EspeakVoice> EspeakSpeaker::list_voices() {
  std::lock_guard lock(espeak_mutex());
  return list_voices_locked();
}

std::string espeak_voice_for_language(const std::string& language) {
  std::lock_guard lock(espeak_mutex());
  std::string tag = lower(language);
  if (std::string v = resolve_locked(tag); !v.empty()) return v;
  return resolve_locked(tag.substr(0, tag.find('-')));
}

EspeakSpeaker::EspeakSpeaker(EspeakOptions options) {
  std::lock_guard lock(espeak_mutex());
  sample_rate_ = initialise_locked();
  std::string wanted = options.voice.empty() ? "en" : options.voice;
  voice_ = resolve_locked(wanted);
  if (voice_.empty()) {
    std::string tag = lower(wanted);
    voice_ = resolve_locked(tag.substr(0, tag.find('-')));
  }
  if (voice_.empty())
    fail(ErrorCode::InvalidArgument, "espeak-ng has no voice \"" + wanted + "\" (see `vole speak --list-voices`)");
  if (!(options.rate > 0) || !std::isfinite(options.rate))
    fail(ErrorCode::InvalidArgument, "speech rate must be a positive number");
  wpm_ = std::clamp(static_cast<int>(std::lround(175.0 * options.rate)), 80, 450);
}

bool EspeakSpeaker::speak(std::string_view text, const AudioSink& sink, const std::atomic<bool>* cancel) {
  if (cancel && cancel->load()) return false;
  std::string copy(text);                                                   // espeak wants a NUL-terminated buffer
  if (copy.find_first_not_of(" \t\r\n") == std::string::npos) return true;  // nothing to say
  std::lock_guard lock(espeak_mutex());
  if (espeak_SetVoiceByName(voice_.c_str()) != EE_OK) fail(ErrorCode::Internal, "espeak-ng refused voice " + voice_);
  espeak_SetParameter(espeakRATE, wpm_, 0);
  SynthContext ctx;
  ctx.sink = &sink;
  ctx.cancel = cancel;
  espeak_ERROR r = espeak_Synth(copy.c_str(), copy.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, &ctx);
  if (ctx.error) std::rethrow_exception(ctx.error);
  if (r != EE_OK && !ctx.cancelled)
    fail(ErrorCode::Internal, "espeak-ng synthesis failed (error " + std::to_string(r) + ")");
  return !ctx.cancelled;
}

}  // namespace vole::speech
