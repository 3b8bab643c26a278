#include "server/openai_audio.h"

#include <algorithm>
#include <cmath>

#include "audio/resample.h"
#include "audio/wav_writer.h"
#include "server/api_error.h"

namespace vole::server {

using Json = nlohmann::ordered_json;

namespace {

[[noreturn]] void bad(const std::string& name, const std::string& what, const std::string& code = {}) {
  throw invalid_request("'" + name + "' " + what, name, code);
}

// OpenAI's voice names: a client written for OpenAI gets Vole's default voice.
bool is_openai_voice(const std::string& v) {
  static const char* names[] = {"alloy", "ash",  "ballad",  "coral", "echo",  "fable", "onyx",
                                "nova",  "sage", "shimmer", "verse", "marin", "cedar"};
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return v == n; });
}

}  // namespace

SpeechRequest parse_speech_request(const Json& body) {
  SpeechRequest r;
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) bad(name, "must be a string");
    return it->get<std::string>();
  };
  r.model = text("model").value_or("");
  if (r.model.empty()) bad("model", "is required");
  r.input = text("input").value_or("");
  if (r.input.empty()) bad("input", "is required and must not be empty");
  if (r.input.size() > kMaxSpeechInput) bad("input", "may be at most " + std::to_string(kMaxSpeechInput) + " bytes");
  r.voice = text("voice").value_or("");
  if (r.voice.size() > 64) bad("voice", "is too long");
  if (is_openai_voice(r.voice)) r.voice.clear();
  if (auto it = body.find("speed"); it != body.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0.25 || it->get<double>() > 4)
      bad("speed", "must be a number between 0.25 and 4");
    r.speed = it->get<double>();
  }
  std::string format = text("response_format").value_or("wav");
  if (format == "pcm")
    r.pcm = true;
  else if (format != "wav")
    bad("response_format", "'" + format.substr(0, 16) + "' is not supported (wav, pcm)", "unsupported_parameter");
  if (auto it = body.find("stream_format"); it != body.end() && !it->is_null() && *it != "audio")
    bad("stream_format", "must be 'audio'", "unsupported_parameter");
  return r;
}

AudioBody speech_body(const SpeechRequest& request, std::span<const float> samples, int rate) {
  if (!request.pcm) {
    auto wav = audio::encode_wav(samples, rate);
    return {std::string(wav.begin(), wav.end()), "audio/wav"};
  }
  std::vector<float> resampled = audio::resample(samples, rate, kPcmSampleRate);
  std::string bytes(resampled.size() * 2, '\0');
  for (size_t i = 0; i < resampled.size(); ++i) {
    auto v = static_cast<int16_t>(std::lround(std::clamp(resampled[i], -1.0f, 1.0f) * 32767.0f));
    bytes[2 * i] = static_cast<char>(v & 0xff);
    bytes[2 * i + 1] = static_cast<char>((v >> 8) & 0xff);
  }
  return {std::move(bytes), "audio/pcm"};
}

TranscriptFormat parse_transcript_format(const std::string& value) {
  if (value.empty() || value == "json") return TranscriptFormat::Json;
  if (value == "text") return TranscriptFormat::Text;
  if (value == "verbose_json") return TranscriptFormat::VerboseJson;
  bad("response_format", "'" + value.substr(0, 16) + "' is not supported (json, text, verbose_json)",
      "unsupported_parameter");
}

void check_transcription_language(const std::string& language) {
  // Moonshine's published models hear English only.
  if (language.empty() || language == "en" || language.rfind("en-", 0) == 0 || language == "english") return;
  bad("language", "'" + language.substr(0, 16) + "' is not available: this speech model transcribes English",
      "unsupported_language");
}

AudioBody transcript_body(TranscriptFormat format, const std::vector<runtime::TranscriptSegment>& segments,
                          double duration_s) {
  std::string text = runtime::joined_text(segments);
  auto dump = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  switch (format) {
    case TranscriptFormat::Text:
      return {text + "\n", "text/plain; charset=utf-8"};
    case TranscriptFormat::Json:
      return {dump(Json{{"text", text}}), "application/json"};
    case TranscriptFormat::VerboseJson: {
      Json list = Json::array();
      for (size_t i = 0; i < segments.size(); ++i)
        list.push_back({{"id", i},
                        {"start", segments[i].start_s},
                        {"end", segments[i].end_s},
                        {"text", segments[i].text},
                        {"tokens", segments[i].tokens}});
      return {dump(Json{{"task", "transcribe"},
                        {"language", "english"},
                        {"duration", duration_s},
                        {"text", text},
                        {"segments", list}}),
              "application/json"};
    }
  }
  return {};
}

}  // namespace vole::server
