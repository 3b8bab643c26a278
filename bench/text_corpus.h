#pragma once
// Deterministic text for the tokenizer parity test and benchmark, built offline: files
// that a Debian machine with Vole's build dependencies has (licenses, copyright files,
// C headers, gettext translations) plus synthesized text for what those lack (scripts,
// emoji sequences, combining marks, whitespace runs, numbers, contractions, special
// tokens, invalid UTF-8). Same machine, same corpus; nothing downloaded or committed.
#include <cstdint>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace vole::bench {

struct CorpusRecord {
  std::string kind;  // which generator or source produced it
  std::string text;  // may contain invalid UTF-8 on purpose (kind "edge")
};

struct Corpus {
  std::vector<CorpusRecord> records;
  size_t bytes() const;
  size_t bytes_of(const std::string& kind) const;
};

// Real text, up to `max_bytes` (less if the machine has less).
std::string english_prose(size_t max_bytes);  // /usr/share/common-licenses, /usr/share/doc/*/copyright
std::string source_code(size_t max_bytes);    // headers under /usr/include
std::string translations(size_t max_bytes);   // msgstr texts of /usr/share/locale/*/LC_MESSAGES/*.mo

// Synthesized Chinese/Japanese/Korean prose: sentences of CJK words taken from the
// tokenizer's own vocabulary (so the merges see realistic character sequences).
std::string cjk_text(const text::Tokenizer& tokenizer, size_t bytes, uint64_t seed);

// The parity corpus: at least `min_bytes` in records of a few hundred bytes to a few
// KiB, covering every kind listed above.
Corpus parity_corpus(const text::Tokenizer& tokenizer, size_t min_bytes);

}  // namespace vole::bench
