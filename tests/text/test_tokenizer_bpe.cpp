// BPE merging, on small synthetic vocabularies.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "text/tokenizer_byte_level.h"
#include "text/tokenizer_fixture.h"

using namespace vole;
using test::Json;
using V = std::vector<std::string>;

namespace {

// One piece per input: no splitting, so a test controls exactly what BPE sees.
Json whole_text() { return test::byte_level_pre_tokenizer(false, false); }

test::TokenizerSpec spec_with(std::vector<std::pair<std::string, std::string>> merges) {
  test::TokenizerSpec s;
  s.merges = std::move(merges);
  s.pre_tokenizer = whole_text();
  return s;
}

V bpe(const text::Tokenizer& tok, const std::string& text) { return test::pieces_of(tok, tok.encode(text)); }

// The textbook algorithm, written independently: merge the lowest-ranked adjacent pair
// (leftmost on ties) until none applies.
V reference_bpe(const std::map<std::pair<std::string, std::string>, int>& ranks, const std::string& word) {
  V syms;
  for (char c : word) syms.emplace_back(1, c);
  for (;;) {
    int best = -1;
    size_t at = 0;
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      auto it = ranks.find({syms[i], syms[i + 1]});
      if (it != ranks.end() && (best < 0 || it->second < best)) best = it->second, at = i;
    }
    if (best < 0) return syms;
    syms[at] += syms[at + 1];
    syms.erase(syms.begin() + long(at) + 1);
  }
}

}  // namespace

TEST(Bpe, MergesBuildWords) {
  auto tok = test::make_tokenizer(spec_with({{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}}));
  EXPECT_EQ(bpe(tok, "hello"), (V{"hello"}));
  EXPECT_EQ(bpe(tok, "hell"), (V{"hell"}));
  EXPECT_EQ(bpe(tok, "help"), (V{"he", "l", "p"}));
  EXPECT_EQ(bpe(tok, "x"), (V{"x"}));
  EXPECT_TRUE(tok.encode("").empty());
}

TEST(Bpe, LowerRankMergesFirst) {
  auto bc_first = test::make_tokenizer(spec_with({{"b", "c"}, {"a", "b"}}));
  EXPECT_EQ(bpe(bc_first, "abc"), (V{"a", "bc"}));
  auto ab_first = test::make_tokenizer(spec_with({{"a", "b"}, {"b", "c"}}));
  EXPECT_EQ(bpe(ab_first, "abc"), (V{"ab", "c"}));
}

TEST(Bpe, EqualRanksMergeLeftmostFirst) {
  auto tok = test::make_tokenizer(spec_with({{"a", "a"}, {"aa", "aa"}}));
  EXPECT_EQ(bpe(tok, "aaa"), (V{"aa", "a"}));
  EXPECT_EQ(bpe(tok, "aaaa"), (V{"aaaa"}));
  EXPECT_EQ(bpe(tok, "aaaaa"), (V{"aaaa", "a"}));
  EXPECT_EQ(bpe(tok, "aaaaaaa"), (V{"aaaa", "aa", "a"}));
}

TEST(Bpe, BothMergeFormatsGiveTheSameTokenizer) {
  auto s = spec_with({{"t", "h"}, {"th", "e"}, {" ", "the"}});
  auto as_strings = test::make_tokenizer(s);
  s.merges_as_arrays = true;
  auto as_arrays = test::make_tokenizer(s);
  for (const char* text : {"the", " the", "other  then"}) EXPECT_EQ(as_strings.encode(text), as_arrays.encode(text)) << text;
  EXPECT_EQ(bpe(as_arrays, " the"), (V{" the"}));
}

TEST(Bpe, IgnoreMergesUsesWholeWordsFromTheVocabulary) {
  auto s = spec_with({{"a", "b"}});
  s.extra_tokens = {"abc"};  // in the vocabulary, but no merge builds it
  EXPECT_EQ(bpe(test::make_tokenizer(s), "abc"), (V{"ab", "c"}));
  s.ignore_merges = true;
  auto tok = test::make_tokenizer(s);
  EXPECT_EQ(bpe(tok, "abc"), (V{"abc"}));
  EXPECT_EQ(bpe(tok, "abd"), (V{"ab", "d"}));
}

TEST(Bpe, MatchesTheReferenceOnRandomWords) {
  // Random merges over a 4-letter alphabet build a few hundred tokens; random words of
  // every length (including ones far beyond the cache limit) must split the same way.
  std::mt19937 rng(1234);
  std::vector<std::string> tokens{"a", "b", "c", "d"};
  std::map<std::pair<std::string, std::string>, int> ranks;
  test::TokenizerSpec s = spec_with({});
  while (s.merges.size() < 300) {
    const std::string& x = tokens[rng() % tokens.size()];
    const std::string& y = tokens[rng() % tokens.size()];
    if (x.size() + y.size() > 12 || ranks.count({x, y})) continue;
    ranks[{x, y}] = int(s.merges.size());
    s.merges.push_back({x, y});
    tokens.push_back(x + y);
  }
  auto tok = test::make_tokenizer(s);
  for (int trial = 0; trial < 400; ++trial) {
    size_t len = trial < 380 ? 1 + rng() % 40 : 300 + rng() % 1200;
    std::string word;
    for (size_t i = 0; i < len; ++i) word.push_back("abcd"[rng() % (trial % 2 ? 4 : 2)]);
    ASSERT_EQ(bpe(tok, word), reference_bpe(ranks, word)) << word;
    ASSERT_EQ(bpe(tok, word), reference_bpe(ranks, word)) << "second (cached) encode of " << word;
  }
}

TEST(Bpe, PiecesAreEncodedIndependently) {
  test::TokenizerSpec s;  // default pre-tokenizer: the Qwen3 split
  s.merges = {{" ", "w"}, {"o", "r"}, {" w", "or"}, {"l", "d"}, {" wor", "ld"}, {"d", "d"}};
  auto tok = test::make_tokenizer(s);
  EXPECT_EQ(bpe(tok, "hello world"), (V{"h", "e", "l", "l", "o", " world"}));
  // Digits split one by one; the space before them is a piece of its own.
  EXPECT_EQ(bpe(tok, "dd 12"), (V{"dd", " ", "1", "2"}));
}

TEST(Bpe, CachesNeverMixTokenizers) {
  // Same text, different merges: each tokenizer must see its own results although the
  // piece cache is per thread, including after one is destroyed and another created.
  auto ab = test::make_tokenizer(spec_with({{"a", "b"}}));
  auto bc = test::make_tokenizer(spec_with({{"b", "c"}}));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bpe(ab, "abc"), (V{"ab", "c"}));
    EXPECT_EQ(bpe(bc, "abc"), (V{"a", "bc"}));
  }
  for (int i = 0; i < 3; ++i) {
    auto fresh = test::make_tokenizer(spec_with(i % 2 ? std::vector<std::pair<std::string, std::string>>{{"a", "b"}}
                                                      : std::vector<std::pair<std::string, std::string>>{{"b", "c"}}));
    EXPECT_EQ(bpe(fresh, "abc"), i % 2 ? (V{"ab", "c"}) : (V{"a", "bc"}));
  }
}

TEST(Bpe, ConcurrentEncodesAgree) {
  auto tok = test::make_tokenizer(spec_with({{"a", "b"}, {"ab", "c"}, {"c", "c"}, {"abc", "cc"}}));
  std::vector<std::string> texts;
  std::mt19937 rng(99);
  for (int i = 0; i < 64; ++i) {
    std::string t;
    for (size_t n = 1 + rng() % 300; n > 0; --n) t.push_back("abc "[rng() % 4]);
    texts.push_back(t);
  }
  std::vector<std::vector<int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tok.encode(t));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 20; ++round)
        for (size_t i = 0; i < texts.size(); ++i)
          if (tok.encode(texts[(i + size_t(k) * 7) % texts.size()]) != expected[(i + size_t(k) * 7) % texts.size()]) ++wrong;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}
