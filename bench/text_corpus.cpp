#include "text_corpus.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "text/utf8.h"

namespace vole::bench {

namespace fs = std::filesystem;

size_t Corpus::bytes() const {
  size_t n = 0;
  for (const auto& r : records) n += r.text.size();
  return n;
}

size_t Corpus::bytes_of(const std::string& kind) const {
  size_t n = 0;
  for (const auto& r : records) n += r.kind == kind ? r.text.size() : 0;
  return n;
}

namespace {

// SplitMix64: tiny, fast, and the same sequence everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
  size_t between(size_t lo, size_t hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return double(next() >> 11) * 0x1.0p-53 < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  uint64_t s_;
};

std::string u8(char32_t c) {
  std::string s;
  text::append_utf8(c, s);
  return s;
}

std::string u8(std::initializer_list<char32_t> cs) {
  std::string s;
  for (char32_t c : cs) text::append_utf8(c, s);
  return s;
}

// ---- files -------------------------------------------------------------------------

std::string read_prefix(const fs::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string s(max_bytes, '\0');
  in.read(s.data(), std::streamsize(max_bytes));
  s.resize(size_t(in.gcount()));
  return s;
}

// Regular files under `dir` (recursively) in sorted order; symlinks skipped so no file
// is read twice.
std::vector<fs::path> files_under(const fs::path& dir, const std::function<bool(const fs::path&)>& keep) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; it != end;
       it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    if (keep(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Appends up to `per_file` bytes of each text file (no NUL bytes) until `max_bytes`.
void append_files(const std::vector<fs::path>& files, size_t per_file, size_t max_bytes, std::string& out) {
  for (const auto& f : files) {
    if (out.size() >= max_bytes) return;
    std::string s = read_prefix(f, std::min(per_file, max_bytes - out.size()));
    if (s.empty() || s.find('\0') != std::string::npos) continue;
    out += s;
    if (out.back() != '\n') out += '\n';
  }
}

uint32_t read_u32(const std::string& s, size_t at, bool swap) {
  if (at + 4 > s.size()) return 0;
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return swap ? __builtin_bswap32(v) : v;
}

// The translated strings of a GNU .mo catalog (the header entry skipped).
void append_mo_strings(const std::string& mo, size_t max_bytes, std::string& out) {
  uint32_t magic = read_u32(mo, 0, false);
  bool swap = magic == 0xde120495u;
  if (magic != 0x950412deu && !swap) return;
  uint32_t count = read_u32(mo, 8, swap), table = read_u32(mo, 16, swap);
  size_t start = out.size();
  for (uint32_t i = 0; i < count && out.size() - start < max_bytes; ++i) {
    uint32_t len = read_u32(mo, size_t(table) + 8 * i, swap), off = read_u32(mo, size_t(table) + 8 * i + 4, swap);
    if (off + size_t(len) > mo.size() || len == 0) continue;
    std::string s = mo.substr(off, len);
    if (s.find("Project-Id-Version") != std::string::npos) continue;
    std::replace(s.begin(), s.end(), '\0', '\n');  // plural forms
    out += s;
    out += '\n';
  }
}

// ---- words from the vocabulary -----------------------------------------------------

// Tokens (without a leading space) whose characters all belong to `scripts` (marks of
// the Inherited script allowed), at least two characters long.
std::vector<std::string> vocab_words(const text::Tokenizer& tok, std::set<UScriptCode> scripts) {
  std::vector<std::string> words;
  for (int32_t id = 0; id < int32_t(tok.vocab_size()); ++id) {
    std::string_view b = tok.token_bytes(id);
    if (!b.empty() && b[0] == ' ') b.remove_prefix(1);
    if (b.size() < 2 || !text::is_valid_utf8(b)) continue;
    bool ok = true, any = false;
    size_t chars = 0;
    for (size_t i = 0; i < b.size() && ok;) {
      text::Utf8Char c = text::decode_utf8_char(b.substr(i));
      UErrorCode st = U_ZERO_ERROR;
      UScriptCode sc = uscript_getScript(UChar32(c.code_point), &st);
      if (scripts.count(sc)) any = true;
      else if (sc != USCRIPT_INHERITED) ok = false;
      i += c.length;
      ++chars;
    }
    if (ok && any && chars >= 2) words.emplace_back(b);
  }
  return words;
}

struct Script {
  std::string name;
  std::set<UScriptCode> codes;
  std::string space;  // between words ("" for scripts written without spaces)
  std::vector<std::string> comma, stop;
};

std::string sentences(Rng& rng, const std::vector<std::string>& words, const Script& s, size_t bytes) {
  std::string out;
  if (words.empty()) return out;
  while (out.size() < bytes) {
    size_t n = rng.between(3, 16);
    for (size_t i = 0; i < n; ++i) {
      if (i) out += (rng.chance(0.12) ? rng.pick(s.comma) : "") + s.space;
      out += rng.pick(words);
      if (rng.chance(0.04)) out += s.space + std::to_string(rng.below(3000));
    }
    out += rng.pick(s.stop);
    out += rng.chance(0.2) ? "\n" : s.space.empty() ? "" : " ";
  }
  return out;
}

// ---- synthesized kinds ---------------------------------------------------------------

const std::vector<std::string> kEnglishWords = {
    "the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "are", "with", "as", "his", "they",
    "be", "at", "one", "have", "this", "from", "or", "had", "by", "word", "but", "what", "some", "we", "can", "out",
    "other", "were", "all", "there", "when", "up", "use", "your", "how", "said", "an", "each", "she", "which", "do",
    "their", "time", "if", "will", "way", "about", "many", "then", "them", "write", "would", "like", "so", "these",
    "her", "long", "make", "thing", "see", "him", "two", "has", "look", "more", "day", "could", "go", "come", "did",
    "tokenizer", "Vulkan", "engine", "privacy", "assistant", "Qwen", "model", "GPU", "kernel", "cafe", "naive"};

std::string english_words(Rng& rng, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ' ';
    std::string w = rng.pick(kEnglishWords);
    if (rng.chance(0.1)) w[0] = char(std::toupper(static_cast<unsigned char>(w[0])));
    if (rng.chance(0.03)) std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    out += w;
  }
  return out;
}

std::string combining_record(Rng& rng) {
  std::string out;
  while (out.size() < 600) {
    switch (rng.below(8)) {
      case 0: {  // Latin letters with 1-3 combining diacritics (NFC composes some)
        for (size_t i = rng.between(2, 8); i > 0; --i) {
          out += char(rng.chance(0.2) ? 'A' + rng.below(26) : 'a' + rng.below(26));
          for (size_t m = rng.below(4); m > 0; --m) out += u8(char32_t(0x300 + rng.below(0x70)));
        }
        break;
      }
      case 1: {  // decomposed Hangul syllables (NFC composes them)
        for (size_t i = rng.between(1, 5); i > 0; --i) {
          out += u8(char32_t(0x1100 + rng.below(19)));
          out += u8(char32_t(0x1161 + rng.below(21)));
          if (rng.chance(0.5)) out += u8(char32_t(0x11A8 + rng.below(27)));
        }
        break;
      }
      case 2: {  // a mark with no base: after a space, a digit, punctuation, a newline
        const std::vector<std::string> before{" ", "7", ".", "\n", "(", ""};
        out += rng.pick(before) + u8(char32_t(0x300 + rng.below(0x70))) + (rng.chance(0.5) ? "x" : " ");
        break;
      }
      case 3: {  // Devanagari consonant + nukta / virama / vowel signs
        for (size_t i = rng.between(2, 6); i > 0; --i) {
          out += u8(char32_t(0x915 + rng.below(0x25)));
          if (rng.chance(0.2)) out += u8(U'\u093C');
          if (rng.chance(0.5)) out += u8(char32_t(0x93E + rng.below(0x10)));
        }
        break;
      }
      case 4: {  // Hebrew with niqqud, Arabic with harakat
        for (size_t i = rng.between(2, 6); i > 0; --i) {
          out += u8(char32_t(0x5D0 + rng.below(27)));
          out += u8(char32_t(0x5B0 + rng.below(13)));
        }
        out += ' ';
        for (size_t i = rng.between(2, 6); i > 0; --i) {
          out += u8(char32_t(0x628 + rng.below(19)));
          if (rng.chance(0.6)) out += u8(char32_t(0x64B + rng.below(8)));
        }
        break;
      }
      case 5: {  // Vietnamese, precomposed and decomposed
        const std::vector<std::string> words{"Vi\xE1\xBB\x87t", "Vie\xCC\xA3\xCC\x82t", "ti\xE1\xBA\xBFng",
                                             "tie\xCC\x82\xCC\x81ng", "\xC4\x91\xC6\xB0\xE1\xBB\x9Dng",
                                             "Nguy\xE1\xBB\x85n", "o\xCC\x9B\xCC\x80"};
        out += rng.pick(words);
        break;
      }
      case 6: {  // Thai with tone marks (no spaces between words)
        for (size_t i = rng.between(3, 10); i > 0; --i) {
          out += u8(char32_t(0xE01 + rng.below(0x2E)));
          if (rng.chance(0.4)) out += u8(char32_t(0xE48 + rng.below(4)));
        }
        break;
      }
      default: {  // enclosing marks, variation selectors, grapheme joiner
        const std::vector<std::string> bits{u8({U'1', U'\u20DD'}), u8({U'a', U'\u034F', U'\u0301'}),
                                            u8({U'\u2764', U'\uFE0F'}), u8({U'\u8FBB', U'\U000E0100'}),
                                            u8({U'x', U'\u0489'})};
        out += rng.pick(bits);
        break;
      }
    }
    out += rng.chance(0.7) ? " " : rng.chance(0.5) ? "\n" : ", ";
  }
  return out;
}

std::string emoji_record(Rng& rng) {
  const std::vector<char32_t> bases{0x1F600, 0x1F602, 0x1F60D, 0x1F622, 0x1F44D, 0x1F44B, 0x1F469, 0x1F468,
                                    0x1F9D1, 0x1F680, 0x1F389, 0x1F4BB, 0x1F525, 0x2764,  0x2600,  0x1F308};
  const std::vector<std::string> sequences{
      u8({0x1F469, 0x200D, 0x1F4BB}),                                  // woman technologist
      u8({0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467, 0x200D, 0x1F466}),  // family
      u8({0x1F3F3, 0xFE0F, 0x200D, 0x1F308}),                          // rainbow flag
      u8({0x1F9D1, 0x1F3FD, 0x200D, 0x1F680}),                         // astronaut, medium skin tone
      u8({0x1F3F4, 0xE0067, 0xE0062, 0xE0065, 0xE006E, 0xE0067, 0xE007F}),  // flag of England
      u8({0x1F441, 0xFE0F, 0x200D, 0x1F5E8, 0xFE0F}),
      u8({0x2764, 0xFE0F, 0x200D, 0x1F525})};
  std::string out;
  while (out.size() < 500) {
    switch (rng.below(6)) {
      case 0: out += u8(rng.pick(bases)); break;
      case 1: out += u8({rng.pick(bases), char32_t(0x1F3FB + rng.below(5))}); break;  // skin tones
      case 2: out += rng.pick(sequences); break;
      case 3: out += u8({char32_t(0x1F1E6 + rng.below(26)), char32_t(0x1F1E6 + rng.below(26))}); break;  // flags
      case 4: out += u8({char32_t("0123456789#*"[rng.below(12)]), 0xFE0F, 0x20E3}); break;             // keycaps
      default: out += english_words(rng, rng.between(1, 6)); break;
    }
    out += rng.chance(0.5) ? " " : rng.chance(0.5) ? "" : rng.chance(0.5) ? "!\n" : ", ";
  }
  return out;
}

std::string whitespace_record(Rng& rng) {
  // Every White_Space character on which HF (Oniguruma) and the JavaScript oracle agree:
  // U+0085 and U+FEFF are left out (JavaScript's \s differs there; see tokenizer_regex.h).
  const std::vector<std::string> spaces{" ", " ", " ", "\t", "\n", "\r\n", "\r", "\v", "\f",
                                        u8(0xA0), u8(0x1680), u8(char32_t(0x2000 + rng.below(11))),
                                        u8(0x2028), u8(0x2029), u8(0x202F), u8(0x205F), u8(0x3000)};
  std::string out = rng.chance(0.3) ? std::string(rng.between(1, 4), ' ') : "";
  while (out.size() < 500) {
    out += rng.chance(0.8) ? english_words(rng, rng.between(1, 3)) : rng.chance(0.5) ? "." : "42";
    size_t run = rng.chance(0.7) ? rng.between(1, 3) : rng.between(4, 40);
    for (size_t i = 0; i < run; ++i) out += rng.pick(spaces);
  }
  return out;
}

std::string numbers_record(Rng& rng) {
  std::string out;
  auto n = [&](size_t digits) {
    std::string s;
    for (size_t i = 0; i < digits; ++i) s += char('0' + rng.below(10));
    return s;
  };
  while (out.size() < 500) {
    switch (rng.below(12)) {
      case 0: out += n(rng.between(1, 12)); break;
      case 1: out += n(rng.between(1, 4)) + "." + n(rng.between(1, 6)); break;
      case 2: out += n(1) + "," + n(3) + "," + n(3) + "." + n(2); break;
      case 3: out += "20" + n(2) + "-" + n(2) + "-" + n(2) + "T" + n(2) + ":" + n(2) + ":" + n(2) + "Z"; break;
      case 4: out += "+1 (" + n(3) + ") " + n(3) + "-" + n(4); break;
      case 5: out += "0x" + std::string("DEADBEEF").substr(0, rng.between(1, 8)); break;
      case 6: out += n(1) + "." + n(3) + "e-" + n(2) + " v" + n(1) + "." + n(2) + "." + n(1); break;
      case 7: out += "$" + n(rng.between(1, 5)) + ".99 " + u8(0x20AC) + n(2) + " " + u8(0xA5) + n(3) + " " + n(2) + "%"; break;
      case 8: out += u8({char32_t(0xFF10 + rng.below(10)), char32_t(0xFF10 + rng.below(10))}); break;  // full-width
      case 9: out += u8({char32_t(0x660 + rng.below(10)), char32_t(0x966 + rng.below(10))}); break;   // Arabic-Indic, Devanagari
      case 10: out += u8({0xB2, 0xBD, 0x216B, 0x2460}) + "x" + u8(0xB3); break;                       // ² ½ Ⅻ ① x³
      default: out += n(rng.between(20, 80)); break;
    }
    out += rng.chance(0.6) ? " " : rng.chance(0.5) ? "\n" : ", ";
  }
  return out;
}

std::string contractions_record(Rng& rng) {
  const std::vector<std::string> forms{
      "don't", "DON'T", "Don'T", "you're", "YOU'RE", "I'm", "I'M", "we'll", "WE'LL", "we'Ll", "she'd", "SHE'D",
      "it's", "IT'S", "they've", "THEY'VE", "o'clock", "rock'n'roll", "y'all'd've", "'s", "'S", "''s", "'''",
      "it\xE2\x80\x99s", "can\xE2\x80\x99t", "'t", "'re'", "Jones's", "'90s", "l'homme", "dell'arte"};
  std::string out;
  while (out.size() < 400) {
    out += english_words(rng, rng.between(0, 3));
    out += rng.chance(0.7) ? " " : "";
    out += rng.pick(forms);
    out += rng.chance(0.1) ? ".\n" : rng.chance(0.2) ? ", " : " ";
  }
  return out;
}

std::string chat_record(Rng& rng, const std::vector<std::string>& added, const std::vector<std::string>& filler) {
  auto tok = [&](const char* name) {  // a named added token if the tokenizer has it
    for (const auto& a : added)
      if (a == name) return a;
    return added.empty() ? std::string(name) : rng.pick(added);
  };
  std::string out;
  while (out.size() < 800) {
    switch (rng.below(7)) {
      case 0:
        out += tok("<|im_start|>") + "system\nYou are a helpful assistant." + tok("<|im_end|>") + "\n";
        break;
      case 1:
        out += tok("<|im_start|>") + "user\n" + rng.pick(filler) + tok("<|im_end|>") + "\n" + tok("<|im_start|>") + "assistant\n";
        break;
      case 2:
        out += tok("<think>") + "\n" + english_words(rng, rng.between(3, 20)) + "\n" + tok("</think>") + "\n\n";
        break;
      case 3:
        out += tok("<tool_call>") + "\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Z\xC3\xBCrich\"}}\n" + tok("</tool_call>");
        break;
      case 4: {  // an added token glued to text, repeated, or broken
        std::string a = added.empty() ? "<|x|>" : rng.pick(added);
        switch (rng.below(6)) {
          case 0: out += "abc" + a + "def"; break;
          case 1: out += a + a + a; break;
          case 2: out += a.substr(0, a.size() - 1); break;  // missing its last character
          case 3: out += a.substr(1); break;
          case 4: out += "<" + a + ">"; break;
          default: out += " " + a + " \n"; break;
        }
        break;
      }
      case 5: out += rng.pick(filler); break;
      default: out += tok("<|endoftext|>"); break;
    }
  }
  return out;
}

std::string edge_record(Rng& rng) {
  std::string out;
  while (out.size() < 500) {
    switch (rng.below(12)) {
      case 0: {  // stray bytes: continuation, invalid leads, truncated sequences
        const std::vector<std::string> bad{"\x80", "\xBF", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xED\xBF\xBF",
                                           "\xF4\x90\x80\x80", "\xF5", "\xFF", "\xFE", "\xE2\x82", "\xF0\x9F\x98",
                                           "\xC3", "\xE2\x28\xA1", "\xF0\x28\x8C\x28"};
        out += rng.pick(bad);
        break;
      }
      case 1: out += std::string(1, char(rng.below(32))); break;  // NUL and C0 controls
      case 2: out += u8(char32_t(rng.chance(0.5) ? 0x7F : 0x80 + rng.below(5))); break;  // DEL, C1 (not U+0085)
      case 3: out += u8(rng.pick(std::vector<char32_t>{0xFFFE, 0xFFFF, 0xFDD0, 0xE000, 0xF8FF, 0xF0000, 0x10FFFD, 0xFFFD})); break;
      case 4: out += std::string(rng.between(100, 3000), "aZ"[rng.below(2)]); break;  // very long words
      case 5: out += std::string(rng.between(50, 500), "!-=*#.~"[rng.below(7)]); break;
      case 6: out += std::string(rng.between(100, 2000), " \n\t"[rng.below(3)]); break;
      case 7: out += u8({0x200E, 0x5E9, 0x5DC, 0x5D5, 0x5DD, 0x200F, 0x202B, 0x627, 0x202C, 0x2067, 0x41, 0x2069}); break;
      case 8: out += u8({0x200B, 0x61, 0x200C, 0x62, 0x2060, 0x63, 0xAD, 0x64, 0x200D}); break;  // zero-width, soft hyphen
      case 9: out += u8({0x130, 0xDF, 0xFB00, 0x3A3, 0x3C2, 0x1E9E, 0x2126, 0x212B}); break;  // İ ß ﬀ Σ ς ẞ Ω Å
      case 10: out += u8(char32_t(0x4E00 + rng.below(0x51A0))) + u8(char32_t(0xAC00 + rng.below(11172))); break;
      default: out += std::string(rng.between(30, 300), char('0' + rng.below(10))); break;
    }
    if (rng.chance(0.3)) out += ' ';
  }
  return out;
}

// Chinese, Japanese and Korean sentences from vocabulary words.
class CjkWriter {
 public:
  explicit CjkWriter(const text::Tokenizer& tok) {
    for (const Script* s : {&zh_, &ja_, &ko_}) langs_.emplace_back(s, vocab_words(tok, s->codes));
  }
  std::string write(Rng& rng, size_t bytes) const {
    std::string out;
    while (out.size() < bytes) {
      const auto& [script, words] = langs_[rng.below(langs_.size())];
      out += sentences(rng, words, *script, std::min<size_t>(400, bytes - out.size()));
      out += "\n";
    }
    return out;
  }

 private:
  const Script zh_{"zh", {USCRIPT_HAN}, "", {"\xEF\xBC\x8C", "\xE3\x80\x81"}, {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F"}};
  const Script ja_{"ja", {USCRIPT_HAN, USCRIPT_HIRAGANA, USCRIPT_KATAKANA}, "", {"\xE3\x80\x81"}, {"\xE3\x80\x82"}};
  const Script ko_{"ko", {USCRIPT_HANGUL}, " ", {","}, {".", "?"}};
  std::vector<std::pair<const Script*, std::vector<std::string>>> langs_;
};

// Cuts text into records of whole lines, each about `lo`..`hi` bytes.
void add_chunks(Corpus& c, const std::string& kind, const std::string& text, Rng& rng, size_t lo, size_t hi) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t want = rng.between(lo, hi), end = std::min(text.size(), pos + want);
    size_t nl = text.find('\n', end);
    end = nl == std::string::npos ? text.size() : nl + 1;
    c.records.push_back({kind, text.substr(pos, end - pos)});
    pos = end;
  }
}

}  // namespace

std::string english_prose(size_t max_bytes) {
  std::string out;
  append_files(files_under("/usr/share/common-licenses", [](const fs::path&) { return true; }), 1 << 20, max_bytes, out);
  std::vector<fs::path> copyrights;
  std::error_code ec;
  if (fs::is_directory("/usr/share/doc", ec)) {
    for (const auto& e : fs::directory_iterator("/usr/share/doc", ec)) {
      fs::path p = e.path() / "copyright";
      if (fs::is_regular_file(p, ec) && !fs::is_symlink(p, ec)) copyrights.push_back(p);
    }
  }
  std::sort(copyrights.begin(), copyrights.end());
  append_files(copyrights, 16 << 10, max_bytes, out);
  return out;
}

std::string source_code(size_t max_bytes) {
  std::string out;
  auto headers = files_under("/usr/include", [](const fs::path& p) {
    auto ext = p.extension().string();
    return ext == ".h" || ext == ".hpp" || ext == ".hxx" || (ext.empty() && p.string().find("/c++/") != std::string::npos);
  });
  // Spread the budget over many headers rather than a few huge ones.
  append_files(headers, 12 << 10, max_bytes, out);
  return out;
}

std::string translations(size_t max_bytes) {
  std::map<std::string, std::vector<fs::path>> by_language;
  std::error_code ec;
  if (fs::is_directory("/usr/share/locale", ec)) {
    for (const auto& lang : fs::directory_iterator("/usr/share/locale", ec)) {
      for (const auto& f : files_under(lang.path() / "LC_MESSAGES", [](const fs::path& p) { return p.extension() == ".mo"; }))
        by_language[lang.path().filename().string()].push_back(f);
    }
  }
  std::string out;
  if (by_language.empty()) return out;
  size_t per_language = std::max<size_t>(max_bytes / by_language.size(), 4096);
  for (const auto& [lang, files] : by_language) {
    size_t start = out.size();
    for (const auto& f : files) {
      if (out.size() - start >= per_language || out.size() >= max_bytes) break;
      append_mo_strings(read_prefix(f, 4 << 20), std::min(per_language - (out.size() - start), 16384ul), out);
    }
    if (out.size() >= max_bytes) break;
  }
  return out;
}

std::string cjk_text(const text::Tokenizer& tokenizer, size_t bytes, uint64_t seed) {
  Rng rng(seed);
  return CjkWriter(tokenizer).write(rng, bytes);
}

Corpus parity_corpus(const text::Tokenizer& tokenizer, size_t min_bytes) {
  Corpus c;
  Rng rng(0x566F6C65);  // "Vole"
  add_chunks(c, "english", english_prose(1000 << 10), rng, 300, 4000);
  add_chunks(c, "code", source_code(1200 << 10), rng, 300, 4000);
  add_chunks(c, "translations", translations(800 << 10), rng, 300, 3000);

  const std::vector<Script> scripts{
      {"cyrillic", {USCRIPT_CYRILLIC}, " ", {","}, {".", "!", "?"}},
      {"greek", {USCRIPT_GREEK}, " ", {","}, {".", ";"}},
      {"arabic", {USCRIPT_ARABIC}, " ", {"\xD8\x8C"}, {".", "\xD8\x9F"}},
      {"hebrew", {USCRIPT_HEBREW}, " ", {","}, {"."}},
      {"devanagari", {USCRIPT_DEVANAGARI}, " ", {","}, {"\xE0\xA5\xA4"}},
      {"thai", {USCRIPT_THAI}, "", {" "}, {" ", "\n"}},
      {"armenian", {USCRIPT_ARMENIAN}, " ", {","}, {":"}},
      {"georgian", {USCRIPT_GEORGIAN}, " ", {","}, {"."}},
      {"latin", {USCRIPT_LATIN}, " ", {","}, {".", "!"}},
  };
  std::vector<std::vector<std::string>> script_words;
  for (const auto& s : scripts) script_words.push_back(vocab_words(tokenizer, s.codes));
  std::vector<std::string> added;
  for (const auto& a : tokenizer.added_tokens()) added.push_back(a.content);
  std::vector<std::string> filler;
  for (int i = 0; i < 64; ++i) filler.push_back(english_words(rng, rng.between(2, 30)) + (i % 3 ? "?" : "."));

  // One round adds roughly 0.45 MB (little CJK: the JavaScript oracle is slowest on it);
  // rounds repeat until the corpus is big enough, so a machine with fewer files gets
  // more synthesized text.
  CjkWriter cjk(tokenizer);
  auto round = [&] {
    for (int i = 0; i < 50; ++i) c.records.push_back({"cjk", cjk.write(rng, rng.between(300, 3000))});
    for (int i = 0; i < 90; ++i) {
      size_t k = rng.below(scripts.size());
      c.records.push_back({"multilingual", sentences(rng, script_words[k], scripts[k], rng.between(300, 2500))});
    }
    for (int i = 0; i < 60; ++i) c.records.push_back({"combining", combining_record(rng)});
    for (int i = 0; i < 60; ++i) c.records.push_back({"emoji", emoji_record(rng)});
    for (int i = 0; i < 60; ++i) c.records.push_back({"whitespace", whitespace_record(rng)});
    for (int i = 0; i < 50; ++i) c.records.push_back({"numbers", numbers_record(rng)});
    for (int i = 0; i < 50; ++i) c.records.push_back({"contractions", contractions_record(rng)});
    for (int i = 0; i < 50; ++i) c.records.push_back({"chat", chat_record(rng, added, filler)});
    for (int i = 0; i < 30; ++i) c.records.push_back({"edge", edge_record(rng)});
  };
  for (int r = 0; r < 6 || c.bytes() < min_bytes; ++r) round();
  return c;
}

}  // namespace vole::bench
