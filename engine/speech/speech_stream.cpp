#include "speech/speech_stream.h"

namespace vole::speech {

SpeechStream::SpeechStream(Speaker& speaker, AudioSink sink, SpeechTextOptions options)
    : speaker_(speaker), sink_(std::move(sink)), options_(options), splitter_(std::move(options)) {}

void SpeechStream::say(const std::string& piece) {
  if (cancel_.load()) return;
  std::string text = prepare_for_speech(piece, options_);
  if (text.empty()) return;
  if (speaker_.speak(text, sink_, &cancel_)) ++spoken_;
}

void SpeechStream::append(std::string_view answer_text) {
  splitter_.append(answer_text);
  for (const auto& piece : splitter_.take()) say(piece);
}

void SpeechStream::finish() {
  for (const auto& piece : splitter_.finish()) say(piece);
}

}  // namespace vole::speech
