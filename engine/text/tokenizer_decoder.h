#pragma once
// tokenizer.json "decoder": how ids become text, with HF tokenizers' semantics. The chain
// is compiled into a text per token plus the few steps that look across tokens, so that
// decoding, and streaming one id at a time, costs a table lookup per id:
//   1. per-token steps, any number and order: Replace (String or Regex pattern), Strip,
//      Metaspace (the first token loses its "▁", later ones turn it into a space),
//      ByteLevel (a token's characters back to the bytes they stand for);
//   2. optionally ByteFallback: a run of "<0xNN>" tokens becomes those bytes, or one
//      U+FFFD per byte if the run is not valid UTF-8;
//   3. optionally Fuse (ByteLevel implies it), then at most one Strip of the whole text.
// A null decoder joins the tokens with spaces, as HF does. Other components, or these in
// another order, are Unsupported errors naming them.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_json.h"
#include "text/tokenizer_replace.h"

namespace vole::text {

class TokenDecoder {
 public:
  TokenDecoder();
  TokenDecoder(TokenDecoder&&) noexcept;
  TokenDecoder& operator=(TokenDecoder&&) noexcept;
  ~TokenDecoder();
  // `value` is the "decoder" member (nullptr or JSON null: join with spaces).
  static TokenDecoder from_json(const Json* value, const JsonPath& at);

  // The text of `token` (its vocabulary form, or an added token's content) after the
  // per-token steps, at the first position of a sequence or at a later one. Added tokens
  // skip ByteLevel (their content is already text).
  std::string token_text(std::string_view token, bool added, bool first) const;
  // True if the first position decodes differently (a Metaspace step).
  bool first_differs() const { return first_differs_; }
  bool byte_fallback() const { return byte_fallback_; }
  // True if token texts are raw bytes that may split characters (ByteLevel).
  bool byte_level() const { return byte_level_; }
  const std::string& separator() const { return separator_; }

  // The Strip that applies to the whole text (after Fuse): up to `start` leading and
  // `stop` trailing copies of `content`.
  struct TextStrip {
    std::string content;
    size_t start = 0, stop = 0;
  };
  const TextStrip& text_strip() const { return text_strip_; }

 private:
  struct Step;
  void add(const Json& value, const JsonPath& at);
  void add_per_token(std::unique_ptr<Step> step, const std::string& type, const JsonPath& at);

  std::vector<std::unique_ptr<Step>> steps_;  // the per-token steps
  enum class Phase { PerToken, AfterByteFallback, Fused } phase_ = Phase::PerToken;
  bool first_differs_ = false, byte_fallback_ = false, byte_level_ = false;
  std::string separator_;
  TextStrip text_strip_;
};

// The byte a ByteFallback step reads from a token text ("<0x41>" -> 0x41), or -1.
int fallback_byte(std::string_view text);

// Assembles the decoded text from the token texts of a sequence, emitting only text that
// later tokens cannot change (a ByteFallback run waits for its end, ByteLevel bytes for
// the rest of their character, a trailing Strip candidate for the end). Tokenizer::decode
// and StreamDecoder both use it, so streaming gives exactly the decoded text.
class TextAssembler {
 public:
  explicit TextAssembler(const TokenDecoder& decoder) : decoder_(&decoder) { reset(); }
  // True until the first token has been pushed (its text is the "first" one).
  bool at_first() const { return first_; }
  // `text`: the token's text; `byte`: its fallback byte (>= 0) if it is a byte token.
  // (Inline: StreamDecoder calls it once per generated token.)
  void push(std::string_view text, int byte, std::string& out) {
    if (!first_ && !decoder_->separator().empty()) emit_text(decoder_->separator(), out);
    first_ = false;
    if (byte >= 0) {
      run_.push_back(static_cast<char>(byte));
      return;
    }
    if (!run_.empty()) flush_run(out);
    emit_bytes(text, out);
  }
  // Emits what is held back at the end of the sequence.
  void finish(std::string& out);
  void reset();
  // Bytes held back for an unfinished character or ByteFallback run.
  size_t pending_bytes() const { return run_.size() + utf8_tail_.size(); }

 private:
  void flush_run(std::string& out);
  void emit_bytes(std::string_view bytes, std::string& out);
  void emit_text(std::string_view text, std::string& out);

  const TokenDecoder* decoder_;
  bool first_ = true;
  std::string run_;        // ByteFallback bytes of the current run
  std::string utf8_tail_;  // ByteLevel: the start of an unfinished character
  size_t strip_lead_ = 0;  // leading strip characters still to drop
  std::string held_;       // trailing strip characters held back
};

}  // namespace vole::text
