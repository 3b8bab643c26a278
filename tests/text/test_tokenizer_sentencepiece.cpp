// SentencePiece-style BPE from tokenizer.json (Llama 2, Gemma, Moonshine layouts): the
// normalizers and pre-tokenizers that write "▁", byte fallback, unknown characters, the
// special tokens a template adds, and the decoders, on small synthetic vocabularies
// whose expected ids follow by hand from HF tokenizers' rules.
#include <gtest/gtest.h>

#include <random>

#include "text/tokenizer.h"
#include "text/tokenizer_bpe.h"
#include "text/tokenizer_fixture.h"

using namespace vole;
using test::Json;
using Ids = std::vector<int32_t>;

namespace {

const std::string M = test::kMarker;  // "▁"

test::SentencePieceSpec llama_spec() {
  test::SentencePieceSpec s;
  s.merges = test::hello_world_merges();
  return s;
}

Ids plain(const text::Tokenizer& tok, std::string_view text) { return tok.encode(text, {.add_special_tokens = false}); }

}  // namespace

TEST(SentencePieceTokenizer, LlamaLayoutEncodesWordsAfterBos) {
  auto tok = test::make_sentencepiece(llama_spec());
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  EXPECT_EQ(tok.encode("hello world"), (Ids{1, words[0], words[1]}));
  EXPECT_EQ(plain(tok, "hello world"), words);
  // The bool overload keeps the file's default (BOS) and only controls special parsing.
  EXPECT_EQ(tok.encode("hello world", false), tok.encode("hello world"));
  // An empty text still gets the template's tokens, as in HF.
  EXPECT_EQ(tok.encode(""), (Ids{1}));
  EXPECT_EQ(plain(tok, ""), Ids{});
  // A leading space is a second "▁" (Prepend, then Replace).
  EXPECT_EQ(plain(tok, " hello"), test::ids_of(tok, {M, M + "hello"}));
}

TEST(SentencePieceTokenizer, BpeMergesByRankWithinAWord) {
  auto tok = test::make_sentencepiece(llama_spec());
  // "l l" first, then "▁ h", "e ll", "▁h ell"; "▁h" never forms without a "▁".
  EXPECT_EQ(plain(tok, "hell"), test::ids_of(tok, {M + "hell"}));
  EXPECT_EQ(plain(tok, "xhello"), test::ids_of(tok, {M, "x", "h", "ell", "o"}));
  EXPECT_EQ(plain(tok, "worldhello"), test::ids_of(tok, {M + "world", "h", "ell", "o"}));
}

TEST(SentencePieceTokenizer, UnknownCharactersBecomeByteTokens) {
  auto tok = test::make_sentencepiece(llama_spec());
  // "é" is not a token: its UTF-8 bytes C3 A9 are.
  EXPECT_EQ(plain(tok, "hé"), test::ids_of(tok, {M + "h", "<0xC3>", "<0xA9>"}));
  EXPECT_EQ(plain(tok, "\xF0\x9F\x98\x80"), test::ids_of(tok, {M, "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"}));
  EXPECT_EQ(tok.decode(plain(tok, "hé \xF0\x9F\x98\x80 hello")), "hé \xF0\x9F\x98\x80 hello");
}

TEST(SentencePieceTokenizer, UnknownCharactersWithoutByteFallback) {
  auto spec = llama_spec();
  spec.byte_fallback = false;
  auto fused = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(fused, "héé!"), test::ids_of(fused, {M + "h", "<unk>", "!"}));
  spec.fuse_unk = false;
  auto separate = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(separate, "héé!"), test::ids_of(separate, {M + "h", "<unk>", "<unk>", "!"}));
  // Without an unk token HF drops the character.
  spec.unk_token = nullptr;
  auto dropping = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(dropping, "héé!"), test::ids_of(dropping, {M + "h", "!"}));
  // Byte fallback needs every byte of the character; otherwise the unk token.
  spec = llama_spec();
  Json j = test::sentencepiece_json(spec);
  j["model"]["vocab"].erase("<0xA9>");
  auto partial = text::Tokenizer::from_json(j.dump());
  EXPECT_EQ(plain(partial, "hé"), test::ids_of(partial, {M + "h", "<unk>"}));
}

TEST(SentencePieceTokenizer, TextAroundAddedTokensIsNormalizedOnItsOwn) {
  auto tok = test::make_sentencepiece(llama_spec());
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  // Each text between special tokens gets its own "▁" (HF's "legacy" Llama behaviour).
  EXPECT_EQ(plain(tok, "hello</s>world"), (Ids{words[0], 2, words[1]}));
  EXPECT_EQ(plain(tok, "<s>hello"), (Ids{1, words[0]}));
  // As plain text the special token is spelled with characters.
  EXPECT_EQ(tok.encode("<s>", {.add_special_tokens = false, .parse_special = false}),
            test::ids_of(tok, {M, "<", "s", ">"}));
}

TEST(SentencePieceTokenizer, TemplateAddsBosAndEos) {
  auto spec = llama_spec();
  spec.post_processor = test::template_processing({{"<s>", 1}}, {{"</s>", 2}});
  auto tok = test::make_sentencepiece(spec);
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  EXPECT_EQ(tok.encode("hello world"), (Ids{1, words[0], words[1], 2}));
  Ids out = {7};
  tok.encode("hello", out, {.add_special_tokens = true});
  EXPECT_EQ(out, (Ids{7, 1, words[0], 2}));
  // Sequence [ByteLevel, TemplateProcessing] as byte-level files write it: the same ids.
  spec.post_processor = Json{{"type", "Sequence"},
                             {"processors", Json::array({Json{{"type", "ByteLevel"}, {"trim_offsets", false}},
                                                         test::template_processing({{"<s>", 1}}, {{"</s>", 2}})})}};
  EXPECT_EQ(test::make_sentencepiece(spec).encode("hello world"), (Ids{1, words[0], words[1], 2}));
  spec.post_processor = nullptr;
  EXPECT_EQ(test::make_sentencepiece(spec).encode("hello world"), words);
}

TEST(SentencePieceTokenizer, MetaspacePreTokenizerPrependSchemes) {
  auto spec = llama_spec();
  spec.normalizer = nullptr;
  spec.pre_tokenizer = test::metaspace("always", true);
  auto always = test::make_sentencepiece(spec);
  Ids words = test::ids_of(always, {M + "hello", M + "world"});
  EXPECT_EQ(plain(always, "hello world"), words);
  EXPECT_EQ(plain(always, "hello</s>world"), (Ids{words[0], 2, words[1]}));
  // "first": only the text at the start of the input gets the "▁".
  spec.pre_tokenizer = test::metaspace("first", true);
  auto first = test::make_sentencepiece(spec);
  Ids w = test::ids_of(first, {"w", "or", "ld"}), h = test::ids_of(first, {"h", "ell", "o"});
  EXPECT_EQ(plain(first, "hello</s>world"), (Ids{words[0], 2, w[0], w[1], w[2]}));
  EXPECT_EQ(plain(first, "</s>hello"), (Ids{2, h[0], h[1], h[2]}));
  spec.pre_tokenizer = test::metaspace("never", true);
  auto never = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(never, "hello world"), test::ids_of(never, {"h", "ell", "o", M + "world"}));
  // Files from before prepend_scheme: add_prefix_space false means never.
  spec.pre_tokenizer = Json{{"type", "Metaspace"}, {"replacement", M}, {"add_prefix_space", false}};
  EXPECT_EQ(plain(test::make_sentencepiece(spec), "hello world"), test::ids_of(never, {"h", "ell", "o", M + "world"}));
  // A text that already starts with "▁", or with a space, gets no second one.
  spec.pre_tokenizer = test::metaspace("always", true);
  EXPECT_EQ(plain(test::make_sentencepiece(spec), M + "hello"), (Ids{words[0]}));
  EXPECT_EQ(plain(test::make_sentencepiece(spec), " hello"), (Ids{words[0]}));
  EXPECT_EQ(plain(first, " hello"), (Ids{words[0]}));
}

TEST(SentencePieceTokenizer, MetaspaceSplitOrNot) {
  test::SentencePieceSpec spec;
  spec.chars = M + "ab";
  spec.merges = {{"b", M}, {M, "a"}};  // "b▁" joins across a word marker
  spec.normalizer = nullptr;
  spec.pre_tokenizer = test::metaspace("always", true);
  auto split = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(split, "ab a"), test::ids_of(split, {M + "a", "b", M + "a"}));
  spec.pre_tokenizer = test::metaspace("always", false);
  auto whole = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(whole, "ab a"), test::ids_of(whole, {M + "a", "b" + M, "a"}));
}

TEST(SentencePieceTokenizer, GemmaLayout) {
  // Gemma: spaces replaced (no Prepend), a Split on " " that the Replace left nothing to
  // find, merges as [a, b] pairs, no Strip in the decoder, BOS and EOS (EmbeddingGemma).
  auto spec = llama_spec();
  spec.normalizer = Json{{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", M}};
  spec.pre_tokenizer =
      Json{{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "MergedWithPrevious"}, {"invert", false}};
  spec.merges_as_arrays = true;
  spec.decoder = test::gemma_decoder();
  spec.post_processor = test::template_processing({{"<s>", 1}}, {{"</s>", 2}});
  auto tok = test::make_sentencepiece(spec);
  Ids ids = tok.encode("hello world");
  EXPECT_EQ(ids, (Ids{1, test::ids_of(tok, {"h"})[0], test::ids_of(tok, {"ell"})[0], test::ids_of(tok, {"o"})[0],
                      test::ids_of(tok, {M + "world"})[0], 2}));
  EXPECT_EQ(tok.decode(ids, true), "hello world");
  EXPECT_EQ(tok.decode(plain(tok, " hello")), " hello");  // no Strip: the space stays
}

TEST(SentencePieceTokenizer, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  auto spec = llama_spec();
  spec.extra_tokens = {M + "hellx"};
  spec.ignore_merges = true;
  spec.normalizer = nullptr;
  spec.pre_tokenizer = test::metaspace("always", true);
  auto tok = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(tok, "hellx hello"), test::ids_of(tok, {M + "hellx", M + "hello"}));
  spec.ignore_merges = false;
  auto merging = test::make_sentencepiece(spec);
  EXPECT_EQ(plain(merging, "hellx"), test::ids_of(merging, {M + "hell", "x"}));
}

TEST(SentencePieceDecoder, LlamaChain) {
  auto tok = test::make_sentencepiece(llama_spec());
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  EXPECT_EQ(tok.decode(words), "hello world");  // Strip drops the first space only
  EXPECT_EQ(tok.decode(Ids{1, words[0], words[1], 2}), "<s> hello world</s>");
  EXPECT_EQ(tok.decode(Ids{1, words[0], words[1], 2}, true), "hello world");
  EXPECT_EQ(tok.decode(test::ids_of(tok, {M, M, M + "hello"})), "  hello");
  EXPECT_EQ(tok.token_bytes(words[0]), " hello");
  EXPECT_EQ(tok.token_bytes(test::ids_of(tok, {"<0xC3>"})[0]), "\xC3");
}

TEST(SentencePieceDecoder, ByteFallbackRuns) {
  auto tok = test::make_sentencepiece(llama_spec());
  auto bytes = [&](std::vector<std::string> names) { return test::ids_of(tok, names); };
  EXPECT_EQ(tok.decode(bytes({"<0xE2>", "<0x82>", "<0xAC>"})), "\xE2\x82\xAC");
  // A run that is not valid UTF-8 gives one U+FFFD per byte (HF), even for a valid
  // prefix; the next token ends the run.
  EXPECT_EQ(tok.decode(bytes({"<0xE2>", "<0x82>", "a"})),
            "\xEF\xBF\xBD\xEF\xBF\xBD"
            "a");
  EXPECT_EQ(tok.decode(bytes({"<0x61>", "<0xFF>"})), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(tok.decode(bytes({"<0x61>", "b", "<0xC3>", "<0xA9>"})), "ab\xC3\xA9");
  // A byte token " " is a space, which the Strip then removes at the start.
  EXPECT_EQ(tok.decode(bytes({"<0x20>", "a"})), "a");
}

TEST(SentencePieceDecoder, ByteFallbackWithoutTheDecoderStepIsLiteral) {
  auto spec = llama_spec();
  spec.decoder =
      Json{{"type", "Sequence"},
           {"decoders", Json::array({Json{{"type", "Replace"}, {"pattern", {{"String", M}}}, {"content", " "}},
                                     Json{{"type", "Fuse"}}})}};
  auto tok = test::make_sentencepiece(spec);
  EXPECT_EQ(tok.decode(test::ids_of(tok, {M + "h", "<0xC3>", "<0xA9>"})), " h<0xC3><0xA9>");
}

TEST(SentencePieceDecoder, MetaspaceDecoder) {
  auto spec = llama_spec();
  spec.decoder = test::metaspace("always", true);
  auto tok = test::make_sentencepiece(spec);
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  EXPECT_EQ(tok.decode(words), "hello world");
  // The first token loses every "▁" it has, later ones turn them into spaces.
  EXPECT_EQ(tok.decode(test::ids_of(tok, {M, M + "hello"})), " hello");
  EXPECT_EQ(tok.decode(Ids{1, words[0]}), "<s> hello");
  EXPECT_EQ(tok.decode(Ids{1, words[0]}, true), "hello");  // skipped tokens are not "first"
  spec.decoder = test::metaspace("never", true);
  EXPECT_EQ(test::make_sentencepiece(spec).decode(words), " hello world");
}

TEST(SentencePieceDecoder, StripAndNullDecoders) {
  auto spec = llama_spec();
  spec.decoder = Json{
      {"type", "Sequence"},
      {"decoders",
       Json::array({Json{{"type", "Replace"}, {"pattern", {{"String", M}}}, {"content", " "}}, Json{{"type", "Fuse"}},
                    Json{{"type", "Strip"}, {"content", " "}, {"start", 2}, {"stop", 2}}})}};
  auto tok = test::make_sentencepiece(spec);
  EXPECT_EQ(tok.decode(test::ids_of(tok, {M, M, M, "a", M, M, M})), " a ");
  EXPECT_EQ(tok.decode(test::ids_of(tok, {M, M, M})), "");
  // Per-token Strip (before Fuse) strips every token.
  spec.decoder =
      Json{{"type", "Sequence"},
           {"decoders", Json::array({Json{{"type", "Strip"}, {"content", "h"}, {"start", 1}, {"stop", 0}},
                                     Json{{"type", "Replace"}, {"pattern", {{"String", M}}}, {"content", "_"}}})}};
  EXPECT_EQ(test::make_sentencepiece(spec).decode(test::ids_of(tok, {"h", "ell", "o", M + "h"})), "ello_h");
  // A null decoder joins the token strings with spaces (HF).
  spec.decoder = nullptr;
  EXPECT_EQ(test::make_sentencepiece(spec).decode(test::ids_of(tok, {M + "hello", "o"})), M + "hello o");
}

TEST(SentencePieceDecoder, RegexReplace) {
  auto spec = llama_spec();
  spec.decoder = Json{{"type", "Replace"}, {"pattern", {{"Regex", M + "+"}}}, {"content", "_"}};
  auto tok = test::make_sentencepiece(spec);
  EXPECT_EQ(tok.decode(test::ids_of(tok, {M, M + "hello"})), "__hello");
}

TEST(SentencePieceDecoder, StreamEqualsDecodeForEveryDecoderKind) {
  std::vector<Json> decoders = {
      test::llama_decoder(),
      test::gemma_decoder(),
      test::metaspace("first", true),
      nullptr,
      Json{{"type", "Sequence"},
           {"decoders", Json::array({Json{{"type", "Replace"}, {"pattern", {{"String", M}}}, {"content", " "}},
                                     Json{{"type", "ByteFallback"}}, Json{{"type", "Fuse"}},
                                     Json{{"type", "Strip"}, {"content", " "}, {"start", 2}, {"stop", 3}}})}},
  };
  std::mt19937 rng(7);
  for (const Json& decoder : decoders) {
    auto spec = llama_spec();
    spec.decoder = decoder;
    auto tok = test::make_sentencepiece(spec);
    // Ids biased towards byte tokens (3..258), spaces and special tokens.
    std::vector<int32_t> pool =
        test::ids_of(tok, {M, M + "hello", "a", "<0xE2>", "<0x82>", "<0xAC>", "<0xFF>", "<0x20>"});
    pool.insert(pool.end(), {0, 1, 2, 99999});
    for (int round = 0; round < 300; ++round) {
      Ids ids;
      for (int n = rng() % 12; n > 0; --n)
        ids.push_back(rng() % 3 ? pool[rng() % pool.size()] : int32_t(rng() % tok.vocab_size()));
      for (bool skip : {false, true}) {
        text::StreamDecoder stream(tok, skip);
        std::string streamed;
        for (int32_t id : ids) stream.push(id, streamed);
        stream.flush(streamed);
        ASSERT_EQ(streamed, tok.decode(ids, skip)) << decoder.dump() << " round " << round;
        // After flush the stream starts a new sequence; reset drops a half-pushed one.
        streamed.clear();
        for (int32_t id : ids) stream.push(id, streamed);
        stream.flush(streamed);
        ASSERT_EQ(streamed, tok.decode(ids, skip));
        stream.push(pool[3], streamed);
        stream.reset();
        streamed.clear();
        for (int32_t id : ids) stream.push(id, streamed);
        stream.flush(streamed);
        ASSERT_EQ(streamed, tok.decode(ids, skip));
      }
    }
  }
}

TEST(SentencePieceTokenizer, StreamHoldsAByteRunUntilItEnds) {
  auto tok = test::make_sentencepiece(llama_spec());
  text::StreamDecoder stream(tok);
  Ids ids = test::ids_of(tok, {M + "h", "<0xE2>", "<0x82>", "<0xAC>", "a"});
  EXPECT_EQ(stream.push(ids[0]), "h");  // the leading space is stripped
  EXPECT_EQ(stream.push(ids[1]), "");
  EXPECT_EQ(stream.push(ids[2]), "");
  EXPECT_EQ(stream.push(ids[3]), "");  // a later byte token could still spoil the run
  EXPECT_EQ(stream.pending_bytes(), 3u);
  EXPECT_EQ(stream.push(ids[4]),
            "\xE2\x82\xAC"
            "a");
  EXPECT_EQ(stream.flush(), "");
}

// Cutting a sentence before word markers must give the ids of the uncut sentence. The
// vocabularies have tokens that join a character or a byte token to a following "▁"
// ("b▁", "<0x63>▁"), and characters that become byte tokens or unk, so some cuts are
// unsafe.
TEST(SentencePieceModel, CuttingAtWordMarkersNeverChangesIds) {
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"b", M}, {M, "a"}, {"a", "b"}, {M + "a", "b"}, {"<0xC3>", "<0xA9>"}, {M, M}};
  struct Variant {
    bool byte_fallback, glue_after_bytes;
  };
  for (Variant v : {Variant{true, true}, Variant{true, false}, Variant{false, false}}) {
    test::SentencePieceSpec spec;
    spec.chars = M + "ab>";
    spec.merges = merges;
    if (v.glue_after_bytes) spec.merges.insert(spec.merges.end(), {{">", M}, {"<0x63>", M}});  // "c" is a byte token
    spec.byte_fallback = v.byte_fallback;
    Json j = test::sentencepiece_json(spec);
    std::string origin = "t.json";
    text::TokenizerJson file = text::parse_tokenizer_json(j.dump(), origin);
    text::JsonPath at(origin, "model");
    auto model = text::BpeModel::from_json(file.root["model"], file.bpe, at, text::BpeInput::Characters);
    ASSERT_TRUE(model.cuts_at_word_markers());
    const std::vector<std::string> parts = {M, "a", "b", ">", "\xC3\xA9", "c", "\xE2\x82\xAC"};
    std::mt19937 rng(11);
    text::BpeScratch scratch;
    for (int round = 0; round < 3000; ++round) {
      std::string s;
      for (int n = 1 + rng() % 14; n > 0; --n) s += parts[rng() % parts.size()];
      Ids cut, whole;
      model.encode_piece(s, cut, scratch);
      model.encode_piece_uncached(s, whole, scratch);
      ASSERT_EQ(cut, whole) << s << " byte_fallback " << v.byte_fallback << " glue " << v.glue_after_bytes;
    }
  }
}
