#pragma once
// Tokenizer loaded from a Hugging Face tokenizer.json. Everything model-specific
// (normalizer, pre-tokenizer, vocabulary, merges, added tokens, decoder, special tokens
// around a text) comes from the file; nothing is hard-coded to one model. One pipeline
// and one BPE implementation serve both kinds of BPE vocabulary in use:
//   - byte-level BPE (GPT-2 style: Qwen2/3/3.5, LFM2, Llama 3): a ByteLevel
//     pre-tokenizer, the vocabulary spells bytes as characters ("Ġthe");
//   - SentencePiece-style BPE (Llama 2, Mistral, Moonshine, Gemma, EmbeddingGemma):
//     spaces become "▁" (normalizer or Metaspace), the vocabulary holds characters, and
//     characters outside it become "<0xNN>" byte tokens (byte_fallback).
// The kind follows from the file (a ByteLevel pre-tokenizer step or not).
//
// Pipeline of encode(), as in Hugging Face tokenizers:
//   1. invalid UTF-8 in the input becomes U+FFFD (one per maximal ill-formed subpart);
//   2. added tokens (special tokens etc.) are cut out as whole strings;
//   3. each text between them is normalized (NFC, Prepend "▁", Replace " " -> "▁", …)
//      and searched for "normalized" added tokens;
//   4. the pre-tokenizer splits the rest into pieces (regex/literal Split, ByteLevel,
//      Metaspace);
//   5. each piece is BPE-merged into ids;
//   6. with add_special_tokens, the post-processor's template adds ids around the text
//      (BOS/EOS).
// decode() applies the file's decoder (ByteLevel; or Replace "▁" -> " ", ByteFallback,
// Fuse, Strip; or Metaspace) and turns invalid UTF-8 into U+FFFD; StreamDecoder does
// the same incrementally, one generated id at a time.
//
// Supported tokenizer.json parts (anything else is a vole::Error, Unsupported, naming
// it): model BPE (merges as "a b" or ["a", "b"], ignore_merges, unk_token, fuse_unk,
// byte_fallback; no dropout or subword prefixes/suffixes); normalizer NFC/NFD/NFKC/NFKD,
// Prepend, Replace, Sequence or null; pre_tokenizer Split/ByteLevel/Metaspace/Sequence
// or null; decoder as in tokenizer_decoder.h; post_processor TemplateProcessing,
// ByteLevel, Sequence or null; truncation and padding null.
//
// Thread safety: a Tokenizer is immutable after loading; encode/decode may be called
// from several threads at once. encode() caches BPE results per thread (no locks; up
// to ~10 MB per thread that encodes, kept until the thread ends). A StreamDecoder
// belongs to one thread.
//
// Cost: loading a Qwen tokenizer.json takes ~0.2 s of CPU (Gemma's 262k vocabulary
// with 515k merges ~0.5 s, 110 MB peak); encode runs at tens of MB/s of English on one
// core (bench/tokenizer_bench.cpp); StreamDecoder::push is a few tens of nanoseconds.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_added_tokens.h"

namespace vole::text {

class TextAssembler;

struct EncodeOptions {
  // Add what the file's post-processor puts around a text (e.g. BOS). HF's default; turn
  // it off for text that already holds them, such as a rendered chat template.
  bool add_special_tokens = true;
  // Special tokens written in the text ("<|im_end|>") become their ids; false encodes
  // them as plain text (non-special added tokens are still matched, as in HF).
  bool parse_special = true;
  // Set from another thread to stop a long encode: it throws Error(Cancelled) within a
  // few hundred words (a pasted book stops as promptly as a short prompt).
  const std::atomic<bool>* cancel = nullptr;
};

class Tokenizer {
 public:
  // `path` is a tokenizer.json file or a model folder that contains one. Errors:
  // NotFound/Io (file), InvalidFile (malformed JSON or contents), Unsupported.
  static Tokenizer load(const std::filesystem::path& path);
  // From the text of a tokenizer.json; `origin` names it in error messages.
  static Tokenizer from_json(std::string_view json_text, const std::string& origin = "tokenizer.json");

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Text (UTF-8; invalid bytes are replaced, see above) -> token ids, with the file's
  // special tokens around them unless options.add_special_tokens is false. E.g.
  // encode(text, {.add_special_tokens = false}).
  std::vector<int32_t> encode(std::string_view text, EncodeOptions options) const;
  // Appends to `out` (for callers that build a prompt piece by piece).
  void encode(std::string_view text, std::vector<int32_t>& out, EncodeOptions options) const;
  // The same with add_special_tokens on (the file's default) and `parse_special` as given.
  std::vector<int32_t> encode(std::string_view text, bool parse_special = true) const;
  void encode(std::string_view text, std::vector<int32_t>& out, bool parse_special = true) const;

  // Ids -> text through the file's decoder. `skip_special` drops special tokens. An id
  // with no token (a gap in the vocabulary, or at or past vocab_size(): models pad their
  // embedding beyond it, so sampling can produce one) decodes to nothing, as in HF; a
  // negative id is an InvalidArgument error.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // Vocabulary form, as written in tokenizer.json ("Ġthe", "<|im_end|>").
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // The bytes an id decodes to on its own, not first in a sequence: " the" for "Ġthe" or
  // "▁the", the byte 0xE2 for "<0xE2>" (so possibly part of a UTF-8 character); empty
  // for an unknown id.
  std::string_view token_bytes(int32_t id) const;

  // One past the largest id of any token (vocabulary or added). A model's embedding
  // table may be larger (padding rows); those ids have no text.
  size_t vocab_size() const;
  // The added tokens in file order (special tokens and any others).
  const std::vector<AddedToken>& added_tokens() const;
  bool is_special(int32_t id) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  friend class StreamDecoder;
  std::unique_ptr<Impl> impl_;
};

// Incremental detokenizer for generation: push() each new id and get exactly the text
// that became final, never half a UTF-8 character (bytes of an unfinished character, or
// a run of "<0xNN>" byte tokens, wait for what follows). Concatenating every push() and
// the final flush() equals Tokenizer::decode of all ids. Cheap per call: no allocation
// beyond the output text. Holds a reference: the Tokenizer must outlive it.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special = false);
  StreamDecoder(StreamDecoder&&) noexcept;
  StreamDecoder& operator=(StreamDecoder&&) noexcept;
  ~StreamDecoder();

  // Appends the newly final text to `out`.
  void push(int32_t id, std::string& out);
  std::string push(int32_t id);
  // Ends the sequence and emits what is left: an unfinished character becomes U+FFFD
  // (as decode() does). A push() after it starts a new sequence.
  void flush(std::string& out);
  std::string flush();
  // Drops pending bytes and starts a new sequence.
  void reset();
  // Bytes held back waiting for the rest of a character or byte-token run.
  size_t pending_bytes() const;

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_;
  std::unique_ptr<TextAssembler> text_;
};

}  // namespace vole::text
