// Folder scanning (links, loops, hidden and special files, unreadable folders) and chunking.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "knowledge/chunker.h"
#include "knowledge/doc_writers.h"
#include "knowledge/folder_scan.h"
#include "knowledge/knowledge_test.h"
#include "knowledge/test_doubles.h"
#include "knowledge/text_blocks.h"
#include "support/oracles.h"
#include "text/tokenizer.h"

using namespace vole;
using namespace vole::knowledge;
using namespace vole::knowledge::test;

namespace fs = std::filesystem;

namespace {

std::set<std::string> names(const ScanResult& r, const fs::path& root) {
  std::set<std::string> out;
  for (const auto& f : r.files) out.insert(f.path.lexically_relative(root).string());
  return out;
}

std::vector<Chunk> chunk_text(const std::string& text, DocumentFormat format, const TokenCounter& counter,
                              ChunkerOptions options) {
  std::vector<Chunk> chunks;
  Chunker chunker(counter, options, [&](Chunk&& c) { chunks.push_back(std::move(c)); });
  TextBlockParser parser(format, [&](TextBlock&& b) { chunker.add(b); });
  parser.feed(text);
  parser.finish();
  chunker.finish();
  return chunks;
}

std::string sentence(int i) {
  return "Sentence number " + std::to_string(i) + " says something about topic " + std::to_string(i % 7) + ". ";
}

}  // namespace

TEST(FolderScan, FollowsLinksOnceSkipsHiddenAndSpecialFiles) {
  vole::test::TempDir dir;
  fs::path root = dir / "root";
  write_text(root / "a.txt", "a");
  write_text(root / "sub" / "b.md", "b");
  write_text(root / ".git" / "config", "hidden");
  write_text(root / ".hidden.txt", "hidden");
  write_text(dir / "outside" / "c.txt", "c");
  fs::create_directory_symlink(dir / "outside", root / "linked");
  fs::create_directory_symlink(root, root / "sub" / "loop");  // a loop back to the root
  fs::create_symlink(root / "a.txt", root / "a-again.txt");   // the same file twice
  fs::create_symlink(root / "missing.txt", root / "dangling.txt");
  ASSERT_EQ(::mkfifo((root / "pipe").c_str(), 0644), 0);
  ScanResult r = scan_folders({root});
  EXPECT_EQ(names(r, root), (std::set<std::string>{"a-again.txt", "linked/c.txt", "sub/b.md"}))
      << "a.txt is reached first as a-again.txt (sorted order); each file once";
  EXPECT_TRUE(r.problems.empty());
  EXPECT_TRUE(std::is_sorted(r.files.begin(), r.files.end(),
                             [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; }));
  for (const auto& f : r.files) EXPECT_GT(f.mtime_ns, 0);
}

TEST(FolderScan, MissingAndUnlistableFoldersAreProblemsNotFailures) {
  vole::test::TempDir dir;
  write_text(dir / "ok" / "x.txt", "x");
  write_text(dir / "locked" / "y.txt", "y");
  ::chmod((dir / "locked").c_str(), 0);
  ScanResult r = scan_folders({dir / "ok", dir / "does-not-exist", dir / "locked"});
  ::chmod((dir / "locked").c_str(), 0755);
  ASSERT_FALSE(r.files.empty());
  EXPECT_TRUE(
      std::any_of(r.files.begin(), r.files.end(), [&](const FoundFile& f) { return f.path == dir / "ok" / "x.txt"; }));
  ASSERT_GE(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].path, dir / "does-not-exist");
  EXPECT_NE(r.problems[0].reason.find("No such file"), std::string::npos) << r.problems[0].reason;
  EXPECT_EQ(r.unobserved.front(), dir / "does-not-exist");
  if (::geteuid() != 0) {  // root lists anything
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_NE(r.problems[1].reason.find("Permission denied"), std::string::npos);
    EXPECT_EQ(r.unobserved.back(), dir / "locked");
    EXPECT_EQ(r.files.size(), 1u);
  }
}

TEST(FolderScan, IsWithinComparesPathComponents) {
  EXPECT_TRUE(is_within("/a/b/c.txt", "/a/b"));
  EXPECT_TRUE(is_within("/a/b/c.txt", "/a/b/"));
  EXPECT_TRUE(is_within("/a/b", "/a/b"));
  EXPECT_FALSE(is_within("/a/bc/d.txt", "/a/b"));
  EXPECT_FALSE(is_within("/a/d.txt", "/a/b"));
}

TEST(Chunker, ChunksFitTheTargetRespectHeadingsAndOverlap) {
  WordCounter counter;
  std::string md = "# Alpha\n\nShort intro.\n\n## Beta\n\n";
  for (int i = 0; i < 60; ++i) md += sentence(i);
  md += "\n\n```\ncode line one\ncode line two\n```\n\n# Gamma\n\nLast section text.\n";
  auto chunks = chunk_text(md, DocumentFormat::Markdown, counter, {50, 10});
  ASSERT_GE(chunks.size(), 5u);
  EXPECT_EQ(chunks[0].text, "Short intro.");
  EXPECT_EQ(chunks[0].location.heading, "Alpha");
  EXPECT_EQ(chunks.back().text, "Last section text.");
  EXPECT_EQ(chunks.back().location.heading, "Gamma");
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    EXPECT_EQ(c.ordinal, i);
    EXPECT_LE(c.tokens, 50u) << c.text;
    EXPECT_EQ(c.tokens, counter.count(c.text));
    // Lines and bytes locate the chunk in the source.
    EXPECT_EQ(md.substr(c.location.byte_begin, c.location.byte_end - c.location.byte_begin).substr(0, 20),
              c.text.substr(0, 20));
  }
  // Consecutive chunks of one section overlap by whole sentences of at most 10 tokens.
  bool overlapped = false;
  for (size_t i = 1; i < chunks.size(); ++i) {
    if (chunks[i].location.heading != chunks[i - 1].location.heading) continue;
    if (chunks[i].location.byte_begin < chunks[i - 1].location.byte_end) {
      overlapped = true;
      std::string shared =
          md.substr(chunks[i].location.byte_begin, chunks[i - 1].location.byte_end - chunks[i].location.byte_begin);
      EXPECT_LE(counter.count(shared), 10u);
    }
  }
  EXPECT_TRUE(overlapped);
  // The code block is whole in one chunk.
  int with_code = 0;
  for (const auto& c : chunks) with_code += c.text.find("```\ncode line one\ncode line two\n```") != std::string::npos;
  EXPECT_EQ(with_code, 1);
}

TEST(Chunker, EveryWordIsInSomeChunkAndChunkingIsDeterministic) {
  WordCounter counter;
  std::string text;
  for (int i = 0; i < 400; ++i) text += sentence(i) + (i % 9 == 8 ? "\n\n" : "");
  auto a = chunk_text(text, DocumentFormat::PlainText, counter, {64, 16});
  auto b = chunk_text(text, DocumentFormat::PlainText, counter, {64, 16});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].location, b[i].location);
  }
  for (int i = 0; i < 400; ++i) {
    std::string needle = "Sentence number " + std::to_string(i) + " ";
    bool found =
        std::any_of(a.begin(), a.end(), [&](const Chunk& c) { return c.text.find(needle) != std::string::npos; });
    EXPECT_TRUE(found) << needle;
  }
}

TEST(Chunker, OversizedSentencesLinesAndWordsAreCut) {
  WordCounter counter;
  // One paragraph that is a single 500-word sentence, then a 3000-character word.
  std::string text;
  for (int i = 0; i < 500; ++i) text += "w" + std::to_string(i) + " ";
  text += "\n\n" + std::string(3000, 'x') + "\n\nint a = 1;\n";
  auto chunks = chunk_text(text, DocumentFormat::PlainText, counter, {40, 8});
  size_t words = 0;
  for (const auto& c : chunks) {
    EXPECT_LE(c.tokens, 40u);
    words += counter.count(c.text);
  }
  EXPECT_GE(words, 500u);
  // Code: a 200-line function is cut at line ends.
  std::string code;
  for (int i = 0; i < 200; ++i) code += "    value_" + std::to_string(i) + " = compute(" + std::to_string(i) + ");\n";
  auto code_chunks = chunk_text(code, DocumentFormat::Code, counter, {60, 0});
  ASSERT_GT(code_chunks.size(), 5u);
  for (const auto& c : code_chunks) {
    EXPECT_LE(c.tokens, 60u);
    EXPECT_EQ(c.text.substr(0, 4), "    ") << "each chunk starts at a line start";
    EXPECT_EQ(c.location.line_end - c.location.line_begin + 1,
              static_cast<uint32_t>(std::count(c.text.begin(), c.text.end(), '\n') + 1));
  }
}

TEST(Chunker, RealTokenizerCounts) {
  auto dir = vole::test::qwen3_tokenizer_dir();
  if (!vole::test::oracle_available(dir / "tokenizer.json")) GTEST_SKIP() << "no Qwen3 tokenizer";
  auto tokenizer = text::Tokenizer::load(dir / "tokenizer.json");
  TokenizerCounter counter(tokenizer, "qwen3");
  std::string text;
  for (int i = 0; i < 300; ++i) text += sentence(i);
  auto chunks = chunk_text(text, DocumentFormat::PlainText, counter, {120, 20});
  ASSERT_GT(chunks.size(), 10u);
  for (const auto& c : chunks) {
    EXPECT_LE(c.tokens, 120u);
    EXPECT_EQ(c.tokens, tokenizer.encode(c.text, false).size());
  }
}
