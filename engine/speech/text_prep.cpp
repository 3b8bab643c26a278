#include "speech/text_prep.h"

#include <array>
#include <cctype>
#include <regex>

namespace vole::speech {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool english(const SpeechTextOptions& o) { return o.language.empty() || o.language.rfind("en", 0) == 0; }

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// The fence marker ("```" or "~~~", possibly longer) opening the line at `at`, or "".
std::string fence_at(std::string_view text, size_t at) {
  size_t i = at, spaces = 0;
  while (i < text.size() && text[i] == ' ' && spaces < 3) ++i, ++spaces;
  if (i >= text.size() || (text[i] != '`' && text[i] != '~')) return {};
  size_t j = i;
  while (j < text.size() && text[j] == text[i]) ++j;
  return j - i >= 3 ? std::string(text.substr(i, j - i)) : std::string{};
}

// A line that ends a spoken piece by itself: heading, list item, table row.
bool block_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  line.remove_prefix(i);
  if (line.empty()) return false;
  if (line[0] == '#' || line[0] == '|') return true;
  if ((line[0] == '-' || line[0] == '*' || line[0] == '+') && line.size() > 1 && line[1] == ' ') return true;
  size_t d = 0;
  while (d < line.size() && is_digit(line[d])) ++d;
  return d > 0 && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') && line[d + 1] == ' ';
}

enum class NextLine { Block, Plain, Unknown };

// Whether the line starting at `at` is a block line, once enough of it is there to tell.
NextLine next_line_kind(std::string_view text, size_t at, bool final) {
  size_t eol = text.find('\n', at);
  std::string_view line = text.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
  if (block_line(line)) return NextLine::Block;
  size_t first = line.find_first_not_of(' ');
  if (first != std::string_view::npos &&
      std::string_view("#|-*+0123456789").find(line[first]) == std::string_view::npos)
    return NextLine::Plain;  // cannot start a block marker
  if (final || eol != std::string_view::npos ||
      line.find(' ', first == std::string_view::npos ? 0 : first) != std::string_view::npos)
    return NextLine::Plain;
  return NextLine::Unknown;
}

constexpr std::array<std::string_view, 20> kAbbreviations = {"mr",  "mrs", "ms",  "dr", "prof",   "st", "vs",
                                                             "e.g", "i.e", "fig", "no", "approx", "jr", "sr",
                                                             "inc", "ltd", "co",  "cf", "al",     "u.s"};

// Does the '.' at `dot` end an abbreviation, an initial or a list number (no sentence end)?
bool dot_is_not_an_end(std::string_view text, size_t dot) {
  size_t w = dot;
  while (w > 0 && (std::isalpha(static_cast<unsigned char>(text[w - 1])) || text[w - 1] == '.')) --w;
  std::string word(text.substr(w, dot - w));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto a : kAbbreviations)
    if (word == a) return true;
  if (word.size() == 1 && std::isupper(static_cast<unsigned char>(text[w]))) return true;  // an initial: "J. Smith"
  // "12. item" at the start of a line
  size_t d = dot;
  while (d > 0 && is_digit(text[d - 1])) --d;
  if (d < dot) {
    size_t s = d;
    while (s > 0 && text[s - 1] == ' ') --s;
    if (s == 0 || text[s - 1] == '\n') return true;
  }
  return false;
}

// Bytes of a sentence-ending mark that needs no following space (…, 。, ！, ？) at i.
size_t wide_terminal(std::string_view t, size_t i) {
  static constexpr std::string_view kMarks[] = {"\xE2\x80\xA6", "\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F"};
  for (auto m : kMarks)
    if (t.substr(i, m.size()) == m) return m.size();
  return 0;
}

// Splits `text`; returns the index where unfinished text starts. `final`: the text has
// ended, so its end counts as a boundary.
size_t split(std::string_view text, bool final, const SpeechTextOptions& options, std::vector<std::string>& out) {
  size_t start = 0, line_begin = 0, i = 0;
  auto emit = [&](size_t end) {
    std::string piece = trim(text.substr(start, end - start));
    if (!piece.empty()) out.push_back(std::move(piece));
    start = end;
  };
  while (i < text.size()) {
    if (i == line_begin) {
      std::string fence = fence_at(text, i);
      if (!fence.empty()) {
        emit(i);
        // the closing fence: a later line starting with the same marker
        size_t close = text.find('\n', i);
        size_t end = std::string_view::npos;
        while (close != std::string_view::npos) {
          size_t next = close + 1;
          if (fence_at(text, next).rfind(fence, 0) == 0 && next < text.size()) {
            size_t eol = text.find('\n', next);
            if (eol != std::string_view::npos)
              end = eol + 1;
            else if (final)
              end = text.size();
            break;
          }
          close = text.find('\n', next);
        }
        if (end == std::string_view::npos) {
          if (!final) return start;  // wait for the closing fence
          end = text.size();
        }
        emit(end);
        i = line_begin = end;
        continue;
      }
    }
    char c = text[i];
    if (c == '\n') {
      std::string_view line = text.substr(line_begin, i - line_begin);
      bool blank_next = i + 1 < text.size() && text[i + 1] == '\n';
      line_begin = i + 1;
      if (block_line(line) || blank_next) {
        emit(i + 1);
      } else {
        // A heading, list item or table row starting on the next line ends this piece.
        NextLine next = next_line_kind(text, i + 1, final);
        if (next == NextLine::Unknown) return start;
        if (next == NextLine::Block) emit(i + 1);
      }
      ++i;
      continue;
    }
    if (size_t w = wide_terminal(text, i)) {
      i += w;
      emit(i);
      continue;
    }
    if (c == '.' || c == '!' || c == '?') {
      size_t j = i + 1;
      while (j < text.size() &&
             (text[j] == ')' || text[j] == '"' || text[j] == '\'' || text[j] == '*' || text[j] == '_'))
        ++j;
      if (j == text.size()) {
        if (!final) return start;  // "3." may become "3.14"
        break;
      }
      if (is_space(text[j]) && !(c == '.' && dot_is_not_an_end(text, i))) {
        size_t k = j;
        while (k < text.size() && is_space(text[k])) ++k;
        if (k == text.size() && !final) return start;  // the next word decides
        if (c != '.' || k == text.size() || !is_lower(text[k])) {
          emit(j);
          i = j;
          continue;
        }
      }
      i = j;
      continue;
    }
    ++i;
    if (i - start > options.max_piece) {  // no boundary for too long: cut at the last space
      size_t cut = text.rfind(' ', i);
      if (cut != std::string_view::npos && cut > start) emit(cut + 1);
    }
  }
  if (final) emit(text.size());
  return start;
}

// ---- prepare_for_speech ----

std::string strip_reasoning(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("<think>", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    size_t close = text.find("</think>", open);
    if (close == std::string_view::npos) break;  // unclosed: the rest is reasoning
    pos = close + 8;
  }
  return out;
}

std::string code_block_phrase(std::string_view fence_line, size_t lines, const SpeechTextOptions& o) {
  if (!english(o)) return {};
  size_t info = fence_line.find_first_not_of(" `~");
  std::string lang = info == std::string_view::npos ? std::string{} : trim(fence_line.substr(info));
  lang = lang.substr(0, lang.find(' '));
  if (lang.empty() || lang == "text" || lang == "plaintext")
    return lines == 1 ? "There is a line of code here." : "There is a code block here.";
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"sh", "shell"},   {"bash", "shell"},    {"zsh", "shell"},     {"shell", "shell"}, {"console", "shell"},
      {"py", "Python"},  {"js", "JavaScript"}, {"ts", "TypeScript"}, {"cpp", "C++"},     {"c++", "C++"},
      {"cs", "C sharp"}, {"rs", "Rust"},       {"md", "Markdown"},   {"yml", "YAML"},    {"sql", "SQL"}};
  std::string key = lang;
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto [k, name] : kNames)
    if (key == k) lang = name;
  if (lang == key) lang[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(lang[0])));
  return "There is a " + lang + " code block here.";
}

// Block structure: code fences, headings, bullets, quotes, tables, rules.
std::string strip_blocks(std::string_view text, const SpeechTextOptions& o) {
  std::string out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    std::string fence = fence_at(text, pos);
    if (!fence.empty() && pos < text.size()) {
      size_t lines = 0, p = eol + 1;
      size_t end = text.size();
      while (p < text.size()) {
        size_t e = text.find('\n', p);
        if (e == std::string_view::npos) e = text.size();
        if (fence_at(text, p).rfind(fence, 0) == 0) {
          end = e;
          break;
        }
        ++lines;
        p = e + 1;
      }
      std::string phrase = code_block_phrase(line, lines, o);
      if (!phrase.empty()) out += phrase + "\n";
      pos = end + 1;
      continue;
    }
    std::string l = trim(line);
    while (!l.empty() && l[0] == '>') l = trim(std::string_view(l).substr(1));  // blockquote
    bool is_block = block_line(l);
    if (!l.empty() && l[0] == '#') l = trim(std::string_view(l).substr(l.find_first_not_of('#')));
    if (l.size() > 1 && (l[0] == '-' || l[0] == '*' || l[0] == '+') && l[1] == ' ')
      l = trim(std::string_view(l).substr(2));
    {
      size_t d = 0;
      while (d < l.size() && is_digit(l[d])) ++d;
      if (d > 0 && d + 1 < l.size() && (l[d] == '.' || l[d] == ')') && l[d + 1] == ' ')
        l = trim(std::string_view(l).substr(d + 2));
    }
    if (l.rfind("[ ] ", 0) == 0 || l.rfind("[x] ", 0) == 0 || l.rfind("[X] ", 0) == 0) l = l.substr(4);
    if (!l.empty() && l[0] == '|') {
      if (l.find_first_not_of("|-: ") == std::string::npos) {
        l.clear();  // separator row
      } else {
        std::string cells;
        size_t p = 1;
        while (p < l.size()) {
          size_t bar = l.find('|', p);
          std::string cell = trim(std::string_view(l).substr(p, (bar == std::string::npos ? l.size() : bar) - p));
          if (!cell.empty()) cells += (cells.empty() ? "" : ", ") + cell;
          if (bar == std::string::npos) break;
          p = bar + 1;
        }
        l = cells;
      }
    }
    if (l.size() >= 3 && l.find_first_not_of("-*_ ") == std::string::npos) l.clear();  // rule
    if (!l.empty()) {
      // Headings, list items and table rows get a full stop so the voice pauses.
      char last = l.back();
      if (is_block && last != '.' && last != '!' && last != '?' && last != ':' && last != ';') l += '.';
      out += l;
      out += '\n';
    }
    pos = eol + 1;
  }
  return out;
}

// Drops emoji and pictographs (U+1F000..U+1FAFF, U+2600..U+27BF) and variation selector 16.
std::string strip_emoji(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    uint32_t cp = c;
    if (len == 2) cp = ((c & 0x1f) << 6) | (s[i + 1] & 0x3f);
    if (len == 3) cp = ((c & 0x0f) << 12) | ((s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
    if (len == 4) cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3f) << 12) | ((s[i + 2] & 0x3f) << 6) | (s[i + 3] & 0x3f);
    bool drop = (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) || cp == 0xFE0F || cp == 0x200D;
    if (!drop) out.append(s, i, len);
    i += len;
  }
  return out;
}

struct Rewrite {
  std::regex pattern;
  std::string replacement;
};

const std::vector<Rewrite>& inline_rewrites() {
  static const std::vector<Rewrite> r = {
      {std::regex(R"(!\[([^\]]*)\]\([^)]*\))"), "$1"},                       // image -> alt text
      {std::regex(R"(\[([^\]]+)\]\([^)]*\))"), "$1"},                        // link -> its text
      {std::regex(R"(<(https?://[^>]+)>)"), "$1"},                           // autolink
      {std::regex(R"(</?[A-Za-z][A-Za-z0-9]*[^>]*>)"), " "},                 // HTML tags
      {std::regex(R"(\*\*|__|~~|\*)"), ""},                                  // emphasis marks
      {std::regex(R"((^|[\s(])_([^_\s][^_]*)_(?=$|[\s.,;:!?)]))"), "$1$2"},  // _emphasis_
  };
  return r;
}

const std::vector<Rewrite>& english_rewrites() {
  static const std::vector<Rewrite> r = {
      {std::regex(R"(\be\.g\.,?)", std::regex::icase), "for example,"},
      {std::regex(R"(\bi\.e\.,?)", std::regex::icase), "that is,"},
      {std::regex(R"(\betc\.)", std::regex::icase), "et cetera."},
      {std::regex(R"(\bvs\.?(?=\s))", std::regex::icase), "versus"},
      {std::regex(R"(\bapprox\.)", std::regex::icase), "approximately"},
      {std::regex(R"(\s&\s)"), " and "},
      {std::regex(R"(\s?(->|=>|→)\s?)"), " to "},
      {std::regex(R"(\$(\d[\d,]*(\.\d+)?))"), "$1 dollars"},
      {std::regex("\xE2\x82\xAC"
                  R"((\d[\d,]*(\.\d+)?))"),
       "$1 euros"},
      {std::regex("\xC2\xA3"
                  R"((\d[\d,]*(\.\d+)?))"),
       "$1 pounds"},
      {std::regex(R"((\d)\s?[-\xE2\x80\x93]\s?(\d))"), "$1 to $2"},  // ranges 10-20 (hyphen or en dash)
  };
  return r;
}

// "1,234,567" -> "1234567" (espeak reads grouped digits as separate numbers).
std::string ungroup_digits(const std::string& s) {
  static const std::regex grouped(R"(\b\d{1,3}(,\d{3})+\b)");
  std::string out;
  auto it = std::sregex_iterator(s.begin(), s.end(), grouped);
  size_t last = 0;
  for (; it != std::sregex_iterator(); ++it) {
    out.append(s, last, static_cast<size_t>(it->position()) - last);
    for (char c : it->str())
      if (c != ',') out += c;
    last = static_cast<size_t>(it->position() + it->length());
  }
  out.append(s, last, std::string::npos);
  return out;
}

// `code` spans: read when short, else a word for it.
std::string inline_code(const std::string& s, const SpeechTextOptions& o) {
  std::string out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t open = s.find('`', pos);
    size_t close = open == std::string::npos ? std::string::npos : s.find('`', open + 1);
    if (close == std::string::npos) {
      out.append(s, pos, std::string::npos);
      break;
    }
    out.append(s, pos, open - pos);
    std::string code = s.substr(open + 1, close - open - 1);
    if (code.size() <= 30)
      out += code;
    else if (english(o))
      out += "this code";
    pos = close + 1;
  }
  return out;
}

// Bare URLs -> their domain ("a link to example.com" in English).
std::string urls(const std::string& s, const SpeechTextOptions& o) {
  static const std::regex url(R"((https?://|www\.)([A-Za-z0-9.-]+)[^\s)]*)");
  std::string out;
  size_t last = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), url); it != std::sregex_iterator(); ++it) {
    out.append(s, last, static_cast<size_t>(it->position()) - last);
    std::string domain = (*it)[2].str();
    if (domain.rfind("www.", 0) == 0) domain = domain.substr(4);
    while (!domain.empty() && domain.back() == '.') domain.pop_back();
    out += english(o) ? "a link to " + domain : domain;
    last = static_cast<size_t>(it->position() + it->length());
  }
  out.append(s, last, std::string::npos);
  return out;
}

}  // namespace

std::string prepare_for_speech(std::string_view markdown, const SpeechTextOptions& options) {
  std::string text = strip_blocks(strip_reasoning(markdown), options);
  text = inline_code(text, options);
  text = urls(text, options);
  for (const auto& r : inline_rewrites()) text = std::regex_replace(text, r.pattern, r.replacement);
  if (english(options)) {
    text = ungroup_digits(text);
    for (const auto& r : english_rewrites()) text = std::regex_replace(text, r.pattern, r.replacement);
  }
  text = strip_emoji(text);
  // One space between words; lines joined.
  std::string out;
  bool space = false;
  for (char c : text) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string> SentenceSplitter::take() {
  std::vector<std::string> out;
  size_t consumed = split(pending_, false, options_, out);
  pending_.erase(0, consumed);
  return out;
}

std::vector<std::string> SentenceSplitter::finish() {
  std::vector<std::string> out;
  split(pending_, true, options_, out);
  pending_.clear();
  return out;
}

std::vector<std::string> split_sentences(std::string_view text, const SpeechTextOptions& options) {
  SentenceSplitter s(options);
  s.append(text);
  return s.finish();
}

}  // namespace vole::speech
