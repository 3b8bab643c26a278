#pragma once
// POST /v1/audio/speech and /v1/audio/transcriptions: the requests read and checked,
// and the answers in OpenAI's formats. Speech comes back as a WAV file (16-bit, the
// voice's own rate) or as raw 16-bit little-endian PCM at 24 kHz (what OpenAI's "pcm"
// means); transcripts as json, text or verbose_json (with the segments the
// voice-activity detector cut).
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "runtime/transcriber.h"

namespace vole::server {

struct SpeechRequest {
  std::string model;
  std::string input;
  std::string voice;  // an espeak-ng voice or language; "" (or one of OpenAI's names): the default
  double speed = 1.0;
  bool pcm = false;  // response_format "pcm" (else "wav")
};

inline constexpr size_t kMaxSpeechInput = 4096;  // characters, OpenAI's own bound
inline constexpr int kPcmSampleRate = 24000;

SpeechRequest parse_speech_request(const nlohmann::ordered_json& body);

// The response body and its content type for synthesised samples at `rate`.
struct AudioBody {
  std::string bytes;
  std::string content_type;
};
AudioBody speech_body(const SpeechRequest& request, std::span<const float> samples, int rate);

enum class TranscriptFormat { Json, Text, VerboseJson };

// The form fields of a transcription request (the file is read separately). Refuses
// formats Vole does not write (srt, vtt) and languages the model does not speak.
TranscriptFormat parse_transcript_format(const std::string& value);
void check_transcription_language(const std::string& language);

AudioBody transcript_body(TranscriptFormat format, const std::vector<runtime::TranscriptSegment>& segments,
                          double duration_s);

}  // namespace vole::server
