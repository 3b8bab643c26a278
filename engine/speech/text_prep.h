#pragma once
// Turning a chat answer (Markdown, still streaming) into text a voice can read.
//
// `SentenceSplitter` cuts the raw answer into pieces that can be spoken as soon as they
// are complete: sentences (., !, ?, … and CJK 。！？ followed by a space — not after an
// abbreviation, an initial or before a lowercase word), paragraph breaks, the ends of
// headings, list items and table rows, and a whole fenced code block as one piece (held
// until its closing fence arrives). Overlong runs without a boundary are cut at a space.
//
// `prepare_for_speech` turns one piece into plain text: reasoning (`<think>…</think>`)
// is dropped, a fenced code block becomes one short phrase ("There is a Python code
// block here."), inline code is read only when short, Markdown marks (#, *, _, ~~, >,
// list bullets, table pipes, rules, HTML tags) vanish, links and images keep their text,
// bare URLs become their domain, emoji are dropped, and for English common abbreviations
// (e.g., i.e., etc., vs.), symbols (&, ->, $5, 10-20) and digit grouping (1,234) are
// spelled the way a listener expects. espeak-ng reads the numbers themselves.
#include <string>
#include <string_view>
#include <vector>

namespace vole::speech {

struct SpeechTextOptions {
  std::string language = "en";  // BCP-47-ish; English-only rewrites apply for "en*"
  size_t max_piece = 400;       // cut longer runs without a boundary at a space
};

std::string prepare_for_speech(std::string_view markdown, const SpeechTextOptions& options = {});

class SentenceSplitter {
 public:
  explicit SentenceSplitter(SpeechTextOptions options = {}) : options_(std::move(options)) {}
  void append(std::string_view text) { pending_.append(text); }
  // The pieces completed so far, removed from the buffer.
  std::vector<std::string> take();
  // The rest, split likewise (the answer has ended); the buffer is emptied.
  std::vector<std::string> finish();

 private:
  SpeechTextOptions options_;
  std::string pending_;
};

// The pieces of a complete text.
std::vector<std::string> split_sentences(std::string_view text, const SpeechTextOptions& options = {});

}  // namespace vole::speech
