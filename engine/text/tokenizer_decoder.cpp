#include "text/tokenizer_decoder.h"

#include "text/tokenizer_byte_level.h"
#include "text/utf8.h"

namespace vole::text {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// A JSON string that must hold exactly one character (Rust's `char` in HF's structs).
std::string one_char(const Json& obj, const JsonPath& at, const char* key) {
  const std::string& s = json_string(json_member(obj, at, key), at / key);
  if (s.empty() || decode_utf8_char(s).length != s.size()) (at / key).malformed("expected one character");
  return s;
}

size_t json_count(const Json& obj, const JsonPath& at, const char* key) {
  const Json& v = json_member(obj, at, key);
  if (!v.is_number_unsigned() || v.get<uint64_t>() > (1u << 20)) (at / key).malformed("expected a small count");
  return v.get<size_t>();
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

struct TokenDecoder::Step {
  enum class Kind { Replace, Strip, Metaspace, ByteLevel } kind;
  Replacement replace;         // Replace
  std::string content;         // Strip: the character; Metaspace: the marker
  size_t start = 0, stop = 0;  // Strip
  bool drop_on_first = false;  // Metaspace: the first token loses its markers

  void apply(std::string& text, bool added, bool first) const;
};

void TokenDecoder::Step::apply(std::string& text, bool added, bool first) const {
  std::string out;
  switch (kind) {
    case Kind::Replace:
      if (!replace.apply(text, out)) return;
      break;
    case Kind::Strip: {
      std::string_view rest = text;
      for (size_t i = 0; i < start && rest.starts_with(content); ++i) rest.remove_prefix(content.size());
      for (size_t i = 0; i < stop && rest.ends_with(content); ++i) rest.remove_suffix(content.size());
      out = rest;
      break;
    }
    case Kind::Metaspace:
      for (size_t pos = 0; pos < text.size();) {
        if (text.compare(pos, content.size(), content) == 0) {
          if (!(first && drop_on_first)) out.push_back(' ');
          pos += content.size();
        } else {
          out.push_back(text[pos++]);
        }
      }
      break;
    case Kind::ByteLevel:
      // A token with a character outside the byte mapping stays as it is (as in HF).
      if (added || !vocab_form_to_bytes(text, out)) return;
      break;
  }
  text.swap(out);
}

TokenDecoder::TokenDecoder() = default;
TokenDecoder::TokenDecoder(TokenDecoder&&) noexcept = default;
TokenDecoder& TokenDecoder::operator=(TokenDecoder&&) noexcept = default;
TokenDecoder::~TokenDecoder() = default;

TokenDecoder TokenDecoder::from_json(const Json* value, const JsonPath& at) {
  TokenDecoder d;
  if (value && !value->is_null())
    d.add(*value, at);
  else
    d.separator_ = " ";
  return d;
}

void TokenDecoder::add_per_token(std::unique_ptr<Step> step, const std::string& type, const JsonPath& at) {
  if (phase_ == Phase::AfterByteFallback)
    at.unsupported("decoder step '" + type + "' after ByteFallback is not supported (Vole supports per-token steps, " +
                   "then ByteFallback, then Fuse and one Strip)");
  if (phase_ == Phase::Fused && !(step->kind == Step::Kind::Strip && text_strip_.content.empty()))
    at.unsupported("decoder step '" + type + "' after Fuse or ByteLevel is not supported (only one Strip may follow)");
  if (phase_ == Phase::Fused) {
    text_strip_ = {step->content, step->start, step->stop};
    return;
  }
  if (step->kind == Step::Kind::Metaspace && step->drop_on_first) first_differs_ = true;
  steps_.push_back(std::move(step));
}

void TokenDecoder::add(const Json& value, const JsonPath& at) {
  const std::string& type = json_type(value, at);
  auto step = std::make_unique<Step>();
  if (type == "Sequence") {
    const Json& list = json_array(json_member(value, at, "decoders"), at / "decoders");
    for (size_t i = 0; i < list.size(); ++i) add(list[i], (at / "decoders")[i]);
  } else if (type == "Replace") {
    step->kind = Step::Kind::Replace;
    step->replace = Replacement::from_json(value, at);
    add_per_token(std::move(step), type, at);
  } else if (type == "Strip") {
    step->kind = Step::Kind::Strip;
    step->content = one_char(value, at, "content");
    step->start = json_count(value, at, "start");
    step->stop = json_count(value, at, "stop");
    add_per_token(std::move(step), type, at);
  } else if (type == "Metaspace") {
    step->kind = Step::Kind::Metaspace;
    step->content = one_char(value, at, "replacement");
    std::string scheme = "always";
    if (const Json* s = json_optional(value, at, "prepend_scheme")) scheme = json_string(*s, at / "prepend_scheme");
    if (scheme != "always" && scheme != "first" && scheme != "never")
      (at / "prepend_scheme").unsupported("Metaspace prepend_scheme '" + scheme + "' is not supported");
    step->drop_on_first = scheme != "never" && json_bool_or(value, at, "add_prefix_space", true);
    add_per_token(std::move(step), type, at);
  } else if (type == "ByteLevel") {
    step->kind = Step::Kind::ByteLevel;
    add_per_token(std::move(step), type, at);
    byte_level_ = true;
    phase_ = Phase::Fused;  // HF's ByteLevel decoder returns one fused text
  } else if (type == "ByteFallback") {
    if (phase_ != Phase::PerToken)
      at.unsupported("decoder step 'ByteFallback' after ByteFallback, Fuse or ByteLevel is not supported");
    byte_fallback_ = true;
    phase_ = Phase::AfterByteFallback;
  } else if (type == "Fuse") {
    phase_ = Phase::Fused;
  } else {
    at.unsupported("decoder type '" + type +
                   "' is not supported (Vole implements Replace, Strip, Metaspace, ByteLevel, ByteFallback, Fuse and "
                   "Sequence)");
  }
}

std::string TokenDecoder::token_text(std::string_view token, bool added, bool first) const {
  std::string text(token);
  for (const auto& step : steps_) step->apply(text, added, first);
  return text;
}

int fallback_byte(std::string_view text) {
  if (text.size() != 6 || !text.starts_with("<0x") || text[5] != '>') return -1;
  // HF parses the two characters with Rust's from_str_radix, which also takes "+F".
  int hi = text[3] == '+' ? 0 : hex_digit(text[3]), lo = hex_digit(text[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void TextAssembler::reset() {
  first_ = true;
  run_.clear();
  utf8_tail_.clear();
  held_.clear();
  strip_lead_ = decoder_->text_strip().start;
}

void TextAssembler::finish(std::string& out) {
  flush_run(out);
  if (!utf8_tail_.empty()) emit_text(sanitize_utf8(utf8_tail_), out);
  reset();  // held trailing strip characters are the stripped ones
}

void TextAssembler::flush_run(std::string& out) {
  if (run_.empty()) return;
  if (is_valid_utf8(run_)) {
    emit_bytes(run_, out);
  } else {
    std::string replaced;
    for (size_t i = 0; i < run_.size(); ++i) replaced += kReplacement;
    emit_bytes(replaced, out);
  }
  run_.clear();
}

void TextAssembler::emit_bytes(std::string_view bytes, std::string& out) {
  if (!decoder_->byte_level()) {
    emit_text(bytes, out);
    return;
  }
  if (utf8_tail_.empty() && decoder_->text_strip().content.empty()) {
    // The common case: no character waiting, no strip; no copy.
    size_t ready = bytes.size() - incomplete_utf8_tail(bytes);
    append_sanitized_utf8(bytes.substr(0, ready), out);
    if (ready < bytes.size()) utf8_tail_.assign(bytes.substr(ready));
    return;
  }
  utf8_tail_.append(bytes);
  size_t ready = utf8_tail_.size() - incomplete_utf8_tail(utf8_tail_);
  if (ready == 0) return;
  std::string text;
  append_sanitized_utf8(std::string_view(utf8_tail_).substr(0, ready), text);
  utf8_tail_.erase(0, ready);
  emit_text(text, out);
}

void TextAssembler::emit_text(std::string_view text, std::string& out) {
  const TokenDecoder::TextStrip& strip = decoder_->text_strip();
  const std::string& c = strip.content;
  if (c.empty()) {
    out.append(text);
    return;
  }
  for (; strip_lead_ > 0 && text.starts_with(c); --strip_lead_) text.remove_prefix(c.size());
  if (text.empty()) return;
  strip_lead_ = 0;
  if (strip.stop == 0) {
    out.append(text);
    return;
  }
  // Hold back the last `stop` copies of the character: only the end shows whether they
  // are trailing.
  size_t end = text.size();
  while (end >= c.size() && text.substr(end - c.size(), c.size()) == c) end -= c.size();
  if (end > 0) {
    out.append(held_);
    held_.clear();
  }
  held_.append(text.substr(end));
  out.append(text.substr(0, end));
  size_t held_count = held_.size() / c.size();
  if (held_count > strip.stop) {
    size_t release = (held_count - strip.stop) * c.size();
    out.append(held_, 0, release);
    held_.erase(0, release);
  }
}

}  // namespace vole::text
