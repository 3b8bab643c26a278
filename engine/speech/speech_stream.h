#pragma once
// Speaking an answer while it is still being generated: answer text goes in as it
// streams, each piece (sentence, list item, heading, code block) is prepared for speech
// and spoken as soon as it is complete, so audio starts after the first sentence.
// Only answer text may be appended — the caller keeps reasoning apart (runtime's
// reasoning split); `<think>` blocks that slip through are dropped by text preparation.
// append()/finish() speak synchronously on the calling thread; cancel() may be called
// from any thread and stops within one audio chunk.
#include <atomic>
#include <string_view>

#include "speech/speaker.h"
#include "speech/text_prep.h"

namespace vole::speech {

class SpeechStream {
 public:
  SpeechStream(Speaker& speaker, AudioSink sink, SpeechTextOptions options = {});
  void append(std::string_view answer_text);
  void finish();
  void cancel() { cancel_.store(true); }
  bool cancelled() const { return cancel_.load(); }
  int pieces_spoken() const { return spoken_; }

 private:
  void say(const std::string& piece);
  Speaker& speaker_;
  AudioSink sink_;
  SpeechTextOptions options_;
  SentenceSplitter splitter_;
  std::atomic<bool> cancel_{false};
  int spoken_ = 0;
};

}  // namespace vole::speech
