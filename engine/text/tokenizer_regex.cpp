#include "text/tokenizer_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "text/utf8.h"
#include "util/error.h"

namespace vole::text {

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

constexpr size_t kJitStackStart = 256 << 10;
constexpr size_t kJitStackMax = 64 << 20;

}  // namespace

struct RegexScratch::State {
  pcre2_match_data* match = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  size_t jit_stack_size = 0;

  State() {
    match = pcre2_match_data_create(1, nullptr);
    if (!match) fail(ErrorCode::OutOfMemory, "PCRE2: cannot allocate match data");
  }
  ~State() {
    if (jit_stack) pcre2_jit_stack_free(jit_stack);
    if (context) pcre2_match_context_free(context);
    pcre2_match_data_free(match);
  }
  // The default 32 KiB JIT stack can be too small for long runs of text matched by
  // backtracking alternatives; grow it on demand. False once at the cap.
  bool grow_jit_stack() {
    size_t next = jit_stack_size ? jit_stack_size * 4 : kJitStackStart;
    if (next > kJitStackMax) return false;
    if (!context) context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack* stack = pcre2_jit_stack_create(32 << 10, next, nullptr);
    if (!context || !stack) fail(ErrorCode::OutOfMemory, "PCRE2: cannot allocate a JIT stack");
    if (jit_stack) pcre2_jit_stack_free(jit_stack);
    jit_stack = stack;
    jit_stack_size = next;
    pcre2_jit_stack_assign(context, nullptr, jit_stack);
    return true;
  }
};

RegexScratch::RegexScratch() : state_(std::make_unique<State>()) {}
RegexScratch::~RegexScratch() = default;

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

std::string translate_hf_pattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c != '\\' || i + 1 == pattern.size()) {
      out.push_back(c);
      continue;
    }
    char next = pattern[++i];
    if (next == 's') {
      out += "\\p{White_Space}";
    } else if (next == 'S') {
      out += "\\P{White_Space}";
    } else {
      out.push_back('\\');
      out.push_back(next);
    }
  }
  return out;
}

Regex::Regex(std::string_view pattern, Syntax syntax, const std::string& what)
    : code_(std::make_unique<Code>()), source_(pattern) {
  std::string compiled = syntax == Syntax::Pattern ? translate_hf_pattern(pattern) : std::string(pattern);
  uint32_t options = PCRE2_UTF | (syntax == Syntax::Literal ? PCRE2_LITERAL : PCRE2_UCP);
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(), options, &error,
                              &offset, nullptr);
  if (!code_->code) {
    fail(ErrorCode::InvalidFile, what + ": regex /" + std::string(pattern) + "/ does not compile (" +
                                     pcre2_message(error) + " at offset " + std::to_string(offset) + ")");
  }
  // Without JIT (unsupported CPU, or memory that cannot be made executable) the
  // interpreter gives the same matches, just slower.
  code_->jit = pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

bool Regex::search(std::string_view subject, size_t start, RegexScratch& scratch, Span& match) const {
  auto& st = *scratch.state_;
  auto* subj = reinterpret_cast<PCRE2_SPTR>(subject.data());
  for (;;) {
    int rc = code_->jit ? pcre2_jit_match(code_->code, subj, subject.size(), start, 0, st.match, st.context)
                        : pcre2_match(code_->code, subj, subject.size(), start, PCRE2_NO_UTF_CHECK, st.match, st.context);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT && st.grow_jit_stack()) continue;
    if (rc < 0) {
      fail(ErrorCode::InvalidArgument, "pre-tokenizer regex failed on a " + std::to_string(subject.size()) +
                                           "-byte piece of text: " + pcre2_message(rc));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.match);
    match = {ov[0], ov[1]};
    return true;
  }
}

void Regex::find_all(std::string_view subject, std::vector<Span>& out, RegexScratch& scratch) const {
  MatchIterator it(*this, subject, scratch);
  for (Span m; it.next(m);) out.push_back(m);
}

bool MatchIterator::next(Span& m) {
  while (!done_ && pos_ <= subject_.size()) {
    if (!regex_.search(subject_, pos_, scratch_, m)) break;
    bool touches_previous = m.begin == m.end && m.begin == last_end_;
    last_end_ = m.end;
    if (m.begin == m.end) {
      if (m.end >= subject_.size()) done_ = true;
      else pos_ = m.end + decode_utf8_char(subject_.substr(m.end)).length;
      if (touches_previous) continue;
    } else {
      pos_ = m.end;
    }
    return true;
  }
  done_ = true;
  return false;
}

}  // namespace vole::text
