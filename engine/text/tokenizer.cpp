#include "text/tokenizer.h"

#include "text/tokenizer_bpe.h"
#include "text/tokenizer_decoder.h"
#include "text/tokenizer_json.h"
#include "text/tokenizer_normalizer.h"
#include "text/tokenizer_post_processor.h"
#include "text/tokenizer_pretokenizer.h"
#include "text/utf8.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::text {

namespace {

enum TokenFlags : uint8_t { kHasToken = 1, kSpecial = 2 };

// Buffers reused across the pieces of one encode call.
struct EncodeScratch {
  PreTokenizerScratch pre;
  BpeScratch bpe;
  std::vector<AddedTokenMatcher::Match> raw_matches, normalized_matches;
  std::string normalized;
};

AddedToken parse_added_token(const Json& v, const JsonPath& at) {
  AddedToken t;
  const Json& id = json_member(v, at, "id");
  if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
    (at / "id").malformed("expected an id in [0, 2^31)");
  t.id = static_cast<int32_t>(id.get<int64_t>());
  t.content = json_string(json_member(v, at, "content"), at / "content");
  if (t.content.empty()) (at / "content").malformed("an added token cannot be empty");
  if (!is_valid_utf8(t.content)) (at / "content").malformed("not valid UTF-8");
  t.special = json_bool_or(v, at, "special", false);
  t.lstrip = json_bool_or(v, at, "lstrip", false);
  t.rstrip = json_bool_or(v, at, "rstrip", false);
  t.single_word = json_bool_or(v, at, "single_word", false);
  t.normalized = json_bool_or(v, at, "normalized", !t.special);
  return t;
}

}  // namespace

struct Tokenizer::Impl {
  std::string origin;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  BpeModel model;
  TokenDecoder decoder;
  PostProcessor post_processor;
  std::vector<AddedToken> added;  // never resized after loading: the matchers point into it
  AddedTokenMatcher raw_matcher, normalized_matcher;
  StringIdTable added_by_content;
  // Decode table: the text of id i (see token_bytes) is texts[offsets[i], offsets[i + 1]);
  // fallback[i] is its ByteFallback byte or -1.
  std::string texts;
  std::vector<uint32_t> offsets;
  std::vector<int16_t> fallback;
  std::vector<uint8_t> flags;

  void build(const TokenizerJson& file);
  void build_decode_table();
  void encode(std::string_view text, std::vector<int32_t>& out, EncodeOptions options) const;
  void encode_section(std::string_view text, bool at_input_start, std::vector<int32_t>& out, bool parse_special,
                      EncodeScratch& s) const;
  void encode_plain(std::string_view text, bool at_input_start, std::vector<int32_t>& out, EncodeScratch& s) const;
  // Feeds one id to `text` (ids without a token add nothing, as in HF).
  void decode_id(int32_t id, bool skip_special, TextAssembler& text, std::string& out) const;
  const AddedToken* added_token(int32_t id) const;
  std::string_view text_of(int32_t id) const {
    return std::string_view(texts).substr(offsets[size_t(id)], offsets[size_t(id) + 1] - offsets[size_t(id)]);
  }
  int32_t limit() const { return static_cast<int32_t>(flags.size()); }
};

void Tokenizer::Impl::build(const TokenizerJson& file) {
  const Json& root = file.root;
  JsonPath at(origin, "");
  if (!root.is_object()) at.malformed("expected a JSON object");
  for (const char* key : {"truncation", "padding"}) {
    if (json_optional(root, at, key))
      (at / key).unsupported(std::string(key) + " settings are not supported (expected null)");
  }
  normalizer = Normalizer::from_json(json_optional(root, at, "normalizer"), at / "normalizer");
  pre_tokenizer = PreTokenizer::from_json(json_optional(root, at, "pre_tokenizer"), at / "pre_tokenizer");
  // The vocabulary spells bytes as characters exactly when a ByteLevel step maps them.
  BpeInput input = pre_tokenizer.has_byte_level() ? BpeInput::ByteLevel : BpeInput::Characters;
  model = BpeModel::from_json(json_member(root, at, "model"), file.bpe, at / "model", input);
  decoder = TokenDecoder::from_json(json_optional(root, at, "decoder"), at / "decoder");
  post_processor = PostProcessor::from_json(json_optional(root, at, "post_processor"), at / "post_processor");

  if (const Json* list = json_optional(root, at, "added_tokens")) {
    json_array(*list, at / "added_tokens");
    added.reserve(list->size());
    for (size_t i = 0; i < list->size(); ++i) {
      added.push_back(parse_added_token((*list)[i], (at / "added_tokens")[i]));
      added_by_content.insert(added.back().content, added.back().id);
    }
  }
  for (const AddedToken& t : added) {
    if (t.normalized)
      normalized_matcher.add(t, normalizer.apply(t.content));
    else
      raw_matcher.add(t, t.content);
  }
  build_decode_table();
  for (const auto* ids : {&post_processor.prefix(), &post_processor.suffix()}) {
    for (int32_t id : *ids)
      if (id >= limit()) (at / "post_processor").malformed("special token id " + std::to_string(id) + " has no token");
  }
}

void Tokenizer::Impl::build_decode_table() {
  int32_t n = model.id_limit();
  for (const AddedToken& t : added) n = std::max(n, t.id + 1);
  flags.assign(size_t(n), 0);
  fallback.assign(size_t(n), -1);
  std::vector<const AddedToken*> added_by_id(size_t(n), nullptr);
  for (const AddedToken& t : added) added_by_id[size_t(t.id)] = &t;
  offsets.assign(size_t(n) + 1, 0);
  for (int32_t id = 0; id < n; ++id) {
    offsets[size_t(id)] = static_cast<uint32_t>(texts.size());
    const AddedToken* t = added_by_id[size_t(id)];
    std::optional<std::string_view> token = t ? std::optional<std::string_view>(t->content) : model.id_to_token(id);
    if (token) {
      std::string text = decoder.token_text(*token, t != nullptr, false);
      int byte = decoder.byte_fallback() ? fallback_byte(text) : -1;
      if (byte >= 0) {
        fallback[size_t(id)] = static_cast<int16_t>(byte);
        texts.push_back(static_cast<char>(byte));
      } else {
        texts += text;
      }
      flags[size_t(id)] = kHasToken | (t && t->special ? kSpecial : 0);
    }
    if (texts.size() > UINT32_MAX) fail(ErrorCode::InvalidFile, origin + ": vocabulary too large");
  }
  offsets[size_t(n)] = static_cast<uint32_t>(texts.size());
}

const AddedToken* Tokenizer::Impl::added_token(int32_t id) const {
  for (const AddedToken& t : added)
    if (t.id == id) return &t;
  return nullptr;
}

void Tokenizer::Impl::encode(std::string_view input, std::vector<int32_t>& out, EncodeOptions options) const {
  std::string sanitized;
  std::string_view text = input;
  if (!is_valid_utf8(input)) {
    sanitized = sanitize_utf8(input);
    text = sanitized;
  }
  if (options.add_special_tokens) out.insert(out.end(), post_processor.prefix().begin(), post_processor.prefix().end());
  EncodeScratch s;
  s.bpe.cancel = options.cancel;
  if (options.cancel && options.cancel->load()) fail(ErrorCode::Cancelled, "tokenising the prompt was cancelled");
  raw_matcher.find(text, options.parse_special, s.raw_matches);
  size_t pos = 0;
  for (const auto& m : s.raw_matches) {
    if (m.begin > pos) encode_section(text.substr(pos, m.begin - pos), pos == 0, out, options.parse_special, s);
    out.push_back(m.id);
    pos = m.end;
  }
  if (pos < text.size()) encode_section(text.substr(pos), pos == 0, out, options.parse_special, s);
  if (options.add_special_tokens) out.insert(out.end(), post_processor.suffix().begin(), post_processor.suffix().end());
}

void Tokenizer::Impl::encode_section(std::string_view text, bool at_input_start, std::vector<int32_t>& out,
                                     bool parse_special, EncodeScratch& s) const {
  std::string_view norm = normalizer.apply(text, s.normalized);
  if (normalized_matcher.empty()) {
    encode_plain(norm, at_input_start, out, s);
    return;
  }
  s.normalized_matches.clear();
  normalized_matcher.find(norm, parse_special, s.normalized_matches);
  size_t pos = 0;
  for (const auto& m : s.normalized_matches) {
    if (m.begin > pos) encode_plain(norm.substr(pos, m.begin - pos), at_input_start && pos == 0, out, s);
    out.push_back(m.id);
    pos = m.end;
  }
  if (pos < norm.size()) encode_plain(norm.substr(pos), at_input_start && pos == 0, out, s);
}

void Tokenizer::Impl::encode_plain(std::string_view text, bool at_input_start, std::vector<int32_t>& out,
                                   EncodeScratch& s) const {
  auto encode_piece = [&](std::string_view piece) { model.encode_piece(piece, out, s.bpe); };
  pre_tokenizer.for_each_piece(text, s.pre, encode_piece, at_input_start);
}

void Tokenizer::Impl::decode_id(int32_t id, bool skip_special, TextAssembler& text, std::string& out) const {
  if (id < 0) fail(ErrorCode::InvalidArgument, "negative token id " + std::to_string(id));
  if (id >= limit()) return;
  uint8_t f = flags[size_t(id)];
  if (!(f & kHasToken) || (skip_special && (f & kSpecial))) return;
  if (text.at_first() && decoder.first_differs()) {
    const AddedToken* t = added_token(id);
    std::string first =
        decoder.token_text(t ? std::string_view(t->content) : *model.id_to_token(id), t != nullptr, true);
    text.push(first, decoder.byte_fallback() ? fallback_byte(first) : -1, out);
    return;
  }
  text.push(text_of(id), fallback[size_t(id)], out);
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    fail(ErrorCode::NotFound,
         path.string() + " does not exist (expected a model folder with tokenizer.json, or the file)");
  std::filesystem::path file = std::filesystem::is_directory(path, ec) ? path / "tokenizer.json" : path;
  if (!std::filesystem::exists(file, ec))
    fail(ErrorCode::NotFound, "no tokenizer.json in the model folder " + path.string());
  return from_json(read_text_file(file), file.string());
}

Tokenizer Tokenizer::from_json(std::string_view json_text, const std::string& origin) {
  auto impl = std::make_unique<Impl>();
  impl->origin = origin;
  TokenizerJson file = parse_tokenizer_json(json_text, origin);
  try {
    impl->build(file);
  } catch (const Json::exception& e) {
    fail(ErrorCode::InvalidFile, origin + ": unexpected JSON value (" + e.what() + ")");
  }
  return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  impl_->encode(text, out, options);
  return out;
}

void Tokenizer::encode(std::string_view text, std::vector<int32_t>& out, EncodeOptions options) const {
  impl_->encode(text, out, options);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parse_special) const {
  return encode(text, EncodeOptions{.add_special_tokens = true, .parse_special = parse_special});
}

void Tokenizer::encode(std::string_view text, std::vector<int32_t>& out, bool parse_special) const {
  impl_->encode(text, out, EncodeOptions{.add_special_tokens = true, .parse_special = parse_special});
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string out;
  TextAssembler text(impl_->decoder);
  for (int32_t id : ids) impl_->decode_id(id, skip_special, text, out);
  text.finish(out);
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  int32_t added = impl_->added_by_content.find(token);
  if (added >= 0) return added;
  return impl_->model.token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (id < 0 || id >= impl_->limit() || !(impl_->flags[size_t(id)] & kHasToken)) return std::nullopt;
  for (const AddedToken& t : impl_->added)
    if (t.id == id) return t.content;
  return std::string(*impl_->model.id_to_token(id));
}

std::string_view Tokenizer::token_bytes(int32_t id) const {
  if (id < 0 || id >= impl_->limit()) return {};
  return impl_->text_of(id);
}

size_t Tokenizer::vocab_size() const { return impl_->flags.size(); }

const std::vector<AddedToken>& Tokenizer::added_tokens() const { return impl_->added; }

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && id < impl_->limit() && (impl_->flags[size_t(id)] & kSpecial);
}

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(&tokenizer),
      skip_special_(skip_special),
      text_(std::make_unique<TextAssembler>(tokenizer.impl_->decoder)) {}
StreamDecoder::StreamDecoder(StreamDecoder&&) noexcept = default;
StreamDecoder& StreamDecoder::operator=(StreamDecoder&&) noexcept = default;
StreamDecoder::~StreamDecoder() = default;

void StreamDecoder::push(int32_t id, std::string& out) { tokenizer_->impl_->decode_id(id, skip_special_, *text_, out); }

std::string StreamDecoder::push(int32_t id) {
  std::string out;
  push(id, out);
  return out;
}

void StreamDecoder::flush(std::string& out) { text_->finish(out); }

std::string StreamDecoder::flush() {
  std::string out;
  flush(out);
  return out;
}

void StreamDecoder::reset() { text_->reset(); }

size_t StreamDecoder::pending_bytes() const { return text_->pending_bytes(); }

}  // namespace vole::text
