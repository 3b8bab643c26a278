#pragma once
// Byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json (the Qwen3 /
// Qwen3.5 family and any tokenizer built from the same parts). Everything model-
// specific (normalizer, split regex, vocabulary, merges, added tokens) comes from the
// file; nothing is hard-coded to one model.
//
// Pipeline of encode(), as in Hugging Face tokenizers:
//   1. invalid UTF-8 in the input becomes U+FFFD (one per maximal ill-formed subpart);
//   2. added tokens (special tokens etc.) are cut out as whole strings;
//   3. the text between them is normalized (e.g. NFC) and searched for "normalized"
//      added tokens;
//   4. the pre-tokenizer splits the rest into pieces (regex Split, ByteLevel);
//   5. each piece's bytes are BPE-merged into ids.
// decode() maps ids back to bytes (ByteLevel decoder) and turns invalid UTF-8 into
// U+FFFD; StreamDecoder does the same incrementally, one generated id at a time.
//
// Supported tokenizer.json parts (anything else is a vole::Error, Unsupported, naming
// it): model BPE (merges as "a b" or ["a", "b"], ignore_merges, unk_token; no dropout,
// byte_fallback or subword prefixes/suffixes); normalizer NFC/NFD/NFKC/NFKD/Sequence or
// null; pre_tokenizer Split/ByteLevel/Sequence (a ByteLevel step is required);
// decoder ByteLevel; post_processor ByteLevel or null (neither changes ids);
// truncation and padding null.
//
// Thread safety: a Tokenizer is immutable after loading; encode/decode may be called
// from several threads at once. encode() caches BPE results per thread (no locks; up
// to ~10 MB per thread that encodes, kept until the thread ends). A StreamDecoder
// belongs to one thread.
//
// Cost: loading a Qwen tokenizer.json takes ~0.15 s of CPU; encode runs at tens of
// MB/s of English on one core (bench/tokenizer_bench.cpp); StreamDecoder::push is a
// few tens of nanoseconds.
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

  // Text (UTF-8; invalid bytes are replaced, see above) -> token ids. With
  // `parse_special` false, special tokens in the text ("<|im_end|>") are encoded as
  // plain text; non-special added tokens are still matched (as HF does).
  std::vector<int32_t> encode(std::string_view text, bool parse_special = true) const;
  // Appends to `out` (for callers that build a prompt piece by piece).
  void encode(std::string_view text, std::vector<int32_t>& out, bool parse_special = true) const;

  // Ids -> text. `skip_special` drops special tokens. An id with no token (a gap in the
  // vocabulary, or at or past vocab_size(): models pad their embedding beyond it, so
  // sampling can produce one) decodes to nothing, as in HF; a negative id is an
  // InvalidArgument error.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // Vocabulary form, as written in tokenizer.json ("Ġthe", "<|im_end|>").
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // The raw bytes an id decodes to (may be part of a UTF-8 character); empty for an
  // unknown id.
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
// that became complete, never half a UTF-8 character (bytes of an unfinished character
// wait for the next id). Concatenating every push() and the final flush() equals
// Tokenizer::decode of all ids. Cheap per call: no allocation beyond the output text.
// Holds a reference: the Tokenizer must outlive it.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special = false);

  // Appends the newly completed text to `out`.
  void push(int32_t id, std::string& out);
  std::string push(int32_t id);
  // Emits what is left: an unfinished character becomes U+FFFD (as decode() does).
  void flush(std::string& out);
  std::string flush();
  // Drops pending bytes (start of a new sequence).
  void reset() { pending_.clear(); }
  // Bytes held back waiting for the rest of a character (0..3).
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_;
  std::string pending_;
};

}  // namespace vole::text
