// Parity with an independent implementation: a multi-megabyte multilingual corpus
// (bench/text_corpus.h) tokenized by Vole and by @lenml/tokenizers (JavaScript) with
// the real Qwen3 tokenizer.json must give identical ids, record by record; and
// decode(encode(x)) must give back NFC(x).
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

// Runs tests/oracles/tokenize.js over `records`; one id list per record.
std::vector<std::vector<int32_t>> oracle_ids(const fs::path& tokenizer_json, const fs::path& tokenizer_config,
                                              const std::vector<bench::CorpusRecord>& records, const test::TempDir& tmp) {
  fs::path in = tmp / "records.bin", out = tmp / "ids.txt", err = tmp / "node.err";
  {
    std::ofstream f(in, std::ios::binary);
    for (const auto& r : records) {
      uint32_t n = static_cast<uint32_t>(r.text.size());
      char len[4] = {char(n), char(n >> 8), char(n >> 16), char(n >> 24)};
      f.write(len, 4);
      f.write(r.text.data(), std::streamsize(r.text.size()));
    }
  }
  std::string cmd = "node " + quoted(test::source_dir() / "tests" / "oracles" / "tokenize.js") + " " +
                    quoted(test::oracle_dir()) + " " + quoted(tokenizer_json) + " " + quoted(tokenizer_config) + " " +
                    quoted(in) + " " + quoted(out) + " 2> " + quoted(err);
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    ADD_FAILURE() << "oracle failed (" << rc << "): " << cmd << "\n" << read_text_file(err);
    return {};
  }
  std::vector<std::vector<int32_t>> ids;
  std::istringstream lines(read_text_file(out));
  for (std::string line; std::getline(lines, line);) {
    ids.emplace_back();
    std::istringstream nums(line);
    for (int32_t id; nums >> id;) ids.back().push_back(id);
  }
  return ids;
}

// Printable, with control characters and bytes of broken UTF-8 as \xNN.
std::string escaped(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    text::Utf8Char ch = text::decode_utf8_char(s);
    unsigned char c = static_cast<unsigned char>(s[0]);
    if (ch.valid && ch.length > 1) out.append(s.substr(0, ch.length));
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '"' || c == '\\') out += std::string("\\") + char(c);
    else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else out += char(c);
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
                     const std::vector<std::vector<int32_t>>& theirs, double oracle_seconds) {
  ASSERT_EQ(theirs.size(), records.size()) << "the oracle returned a different number of records";
  size_t mismatches = 0, tokens = 0, bytes = 0;
  auto t0 = Clock::now();
  std::vector<std::vector<int32_t>> mine;
  mine.reserve(records.size());
  for (const auto& r : records) mine.push_back(tok.encode(r.text));
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

const text::Tokenizer* qwen3() {
  static std::unique_ptr<text::Tokenizer> tok;
  if (!tok && test::oracle_available(test::qwen3_tokenizer_dir() / "tokenizer.json"))
    tok = std::make_unique<text::Tokenizer>(text::Tokenizer::load(test::qwen3_tokenizer_dir()));
  return tok.get();
}

const bench::Corpus& corpus(const text::Tokenizer& tok) {
  static const bench::Corpus c = [&] {
    auto t0 = Clock::now();
    bench::Corpus built = bench::parity_corpus(tok, kCorpusBytes);
    std::printf("corpus: %.2f MB in %zu records, built in %.1f s:", double(built.bytes()) / 1e6, built.records.size(),
                seconds_since(t0));
    for (const char* k : {"english", "code", "translations", "cjk", "multilingual", "combining", "emoji", "whitespace",
                          "numbers", "contractions", "chat", "edge"})
      std::printf(" %s %.0f KB", k, double(built.bytes_of(k)) / 1e3);
    std::printf("\n");
    return built;
  }();
  return c;
}

}  // namespace

TEST(TokenizerParity, Qwen3MatchesTheJavaScriptOracle) {
  const text::Tokenizer* tok = qwen3();
  if (!tok || !node_available()) GTEST_SKIP() << "tokenizer oracle or node missing";
  const bench::Corpus& c = corpus(*tok);
  ASSERT_GE(c.bytes(), kCorpusBytes);
  test::TempDir tmp;
  auto t0 = Clock::now();
  auto theirs = oracle_ids(test::qwen3_tokenizer_dir() / "tokenizer.json", test::qwen3_tokenizer_dir() / "tokenizer_config.json",
                           c.records, tmp);
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
