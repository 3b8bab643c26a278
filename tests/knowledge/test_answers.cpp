// The prompt with numbered sources, citations, and whole-document mode (map-reduce) with a
// generation callback that records every prompt.
#include "knowledge/answer_context.h"
#include "knowledge/doc_writers.h"
#include "knowledge/document_walk.h"
#include "knowledge/indexer.h"
#include "knowledge/knowledge_test.h"
#include "knowledge/test_doubles.h"

using namespace vole;
using namespace vole::knowledge;
using namespace vole::knowledge::test;

namespace fs = std::filesystem;

namespace {

SearchHit hit(ChunkId id, const std::string& path, const std::string& text, ChunkLocation loc) {
  SearchHit h;
  h.chunk.id = id;
  h.chunk.path = path;
  h.chunk.text = text;
  h.chunk.location = std::move(loc);
  return h;
}

ChunkLocation lines(uint32_t a, uint32_t b, std::string heading = {}) {
  ChunkLocation l;
  l.line_begin = a;
  l.line_end = b;
  l.heading = std::move(heading);
  return l;
}

ChunkLocation pages(uint32_t a, uint32_t b) {
  ChunkLocation l;
  l.page_begin = a;
  l.page_end = b;
  l.line_begin = 1;
  l.line_end = 9;
  return l;
}

}  // namespace

TEST(Answers, PromptListsNumberedSourcesThenTheQuestion) {
  WordCounter counter;
  std::vector<SearchHit> hits = {
      hit(7, "/home/u/notes/setup.md", "Run make install.", lines(10, 24, "Guide > Install")),
      hit(9, "/home/u/report.pdf", "Revenue grew.", pages(3, 3)),
      hit(11, "/home/u/report.pdf", "Costs fell.", pages(4, 5))};
  ContextOptions o;
  o.relative_to = "/home/u";
  AnswerContext ctx = build_answer_context("How do I install it?", hits, counter, o);
  EXPECT_EQ(ctx.prompt,
            "Answer the question using only the numbered sources below. Cite the source of every statement with its "
            "number in square brackets, like [1] or [2][3]. If the sources do not contain the answer, say that they do "
            "not.\n\n"
            "[1] notes/setup.md, lines 10-24 (Guide > Install)\nRun make install.\n\n"
            "[2] report.pdf, page 3\nRevenue grew.\n\n"
            "[3] report.pdf, pages 4-5\nCosts fell.\n\n"
            "Question: How do I install it?\n");
  ASSERT_EQ(ctx.sources.size(), 3u);
  EXPECT_EQ(ctx.sources[0].number, 1);
  EXPECT_EQ(ctx.sources[0].chunk.id, 7);
  EXPECT_EQ(ctx.sources[2].label, "report.pdf, pages 4-5");
  EXPECT_EQ(ctx.sources[1].snippet, "Revenue grew.");
  EXPECT_EQ(ctx.tokens, counter.count(ctx.prompt));
}

TEST(Answers, TheTokenBudgetIsKept) {
  WordCounter counter;
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "Sentence " + std::to_string(i) + " of the passage. ";
  std::vector<SearchHit> hits;
  for (int i = 0; i < 6; ++i) hits.push_back(hit(i + 1, "/d/f" + std::to_string(i) + ".txt", long_text, lines(1, 40)));
  for (size_t budget : {200u, 700u, 1500u, 5000u}) {
    ContextOptions o;
    o.token_budget = budget;
    AnswerContext ctx = build_answer_context("What?", hits, counter, o);
    EXPECT_LE(ctx.tokens, budget);
    ASSERT_FALSE(ctx.sources.empty()) << budget;
    for (size_t i = 0; i + 1 < ctx.sources.size(); ++i) EXPECT_FALSE(ctx.sources[i].shortened);
    if (budget < 5000) {
      EXPECT_TRUE(ctx.sources.back().shortened) << budget;
    }
    EXPECT_NE(ctx.prompt.find("Question: What?"), std::string::npos);
  }
  // Too small for even one passage: no sources, still instructions and the question.
  ContextOptions tiny;
  tiny.token_budget = 60;
  AnswerContext ctx = build_answer_context("What?", hits, counter, tiny);
  EXPECT_TRUE(ctx.sources.empty());
}

TEST(Answers, CitationsAreReadBackFromTheAnswer) {
  EXPECT_EQ(cited_sources("Install with make [1]. It grew [2][3], then fell [3].", 3), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(cited_sources("See [2, 1] and [7] and [0] and [x] and [1-2] and [", 3), (std::vector<int>{2, 1}));
  EXPECT_TRUE(cited_sources("no citations here", 5).empty());
  EXPECT_TRUE(cited_sources("[99999999999999999999]", 5).empty());
}

TEST(Answers, WholeDocumentModeReadsEveryPartOnceAndReduces) {
  vole::test::TempDir dir;
  std::string text;
  for (int s = 0; s < 30; ++s) {
    text += "## Section " + std::to_string(s) + "\n\n";
    for (int i = 0; i < 20; ++i) text += "Invoice INV-" + std::to_string(s * 100 + i) + " was paid. ";
    text += "\n\n";
  }
  write_text(dir / "docs" / "ledger.md", text);
  KnowledgeBase::OpenOptions oo;
  oo.path = dir / "k.db";
  auto kb = KnowledgeBase::open(oo);
  CollectionSettings s;
  s.chunk_tokens = 80;
  s.overlap_tokens = 20;
  auto c = kb.create_collection("docs", {dir / "docs"}, s);
  WordCounter counter;
  Indexer(kb, c.id, counter, nullptr).run();
  auto doc = kb.find_document(c.id, dir / "docs" / "ledger.md");
  ASSERT_TRUE(doc);
  auto chunks = kb.document_chunks(*doc);
  ASSERT_GT(chunks.size(), 20u);

  // Parts hold every invoice exactly once although chunks overlap.
  auto parts = document_parts(chunks, counter, 400);
  std::string all;
  for (const auto& p : parts) {
    EXPECT_LE(counter.count(p.text), 400u);
    all += p.text + "\n";
  }
  for (int n = 0; n < 3000; n += 100)
    for (int i = 0; i < 20; ++i) {
      std::string inv = "INV-" + std::to_string(n + i) + " ";
      size_t first = all.find(inv);
      EXPECT_NE(first, std::string::npos) << inv;
      EXPECT_EQ(all.find(inv, first + 1), std::string::npos) << inv << " twice";
    }

  std::vector<std::string> prompts;
  std::vector<bool> finals;
  std::vector<WalkProgress> progress;
  WalkOptions wo;
  wo.context_tokens = 700;
  wo.answer_tokens = 100;
  std::string answer = walk_document(
      chunks, "ledger.md", "How many invoices were paid?", counter,
      [&](const std::string& prompt, bool final) {
        prompts.push_back(prompt);
        finals.push_back(final);
        EXPECT_LE(counter.count(prompt), wo.context_tokens - wo.answer_tokens);
        // The "model" notes the invoice numbers it sees, and sums notes when reducing.
        if (prompt.find("Notes on part") != std::string::npos) return std::string("Combined notes.");
        return "Saw invoices in " + std::to_string(std::count(prompt.begin(), prompt.end(), '-')) + " places.";
      },
      wo, [&](const WalkProgress& p) { progress.push_back(p); });
  EXPECT_EQ(answer, "Combined notes.");
  size_t maps = 0;
  for (const auto& p : prompts) maps += p.rfind("You are reading part", 0) == 0;
  EXPECT_GT(maps, 4u);
  EXPECT_EQ(progress.front().level, 0u);
  EXPECT_EQ(progress.back().parts_done, progress.back().parts_total);
  EXPECT_GE(progress.back().level, 1u);
  // Only the last reply is the answer.
  EXPECT_EQ(std::count(finals.begin(), finals.end(), true), 1);
  EXPECT_TRUE(finals.back());

  // A short document is answered in one prompt.
  prompts.clear();
  std::vector<ChunkRecord> one = {chunks[0]};
  EXPECT_EQ(walk_document(
                one, "ledger.md", "Summarise.", counter,
                [&](const std::string& p, bool final) {
                  prompts.push_back(p);
                  EXPECT_TRUE(final);
                  return std::string("Short.");
                },
                wo),
            "Short.");
  EXPECT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].rfind("Here is the whole document", 0), 0u);

  // Cancelling from the callback stops the walk with Cancelled.
  int calls = 0;
  ErrorCode code{};
  error_of(
      [&] {
        walk_document(
            chunks, "ledger.md", "x", counter,
            [&](const std::string&, bool) -> std::string {
              if (++calls == 3) fail(ErrorCode::Cancelled, "stopped");
              return "n";
            },
            wo);
      },
      &code);
  EXPECT_EQ(code, ErrorCode::Cancelled);
  EXPECT_EQ(calls, 3);
  WalkOptions too_small;
  too_small.context_tokens = 100;
  EXPECT_THROW(walk_document(
                   chunks, "l", "x", counter, [](const std::string&, bool) { return std::string(); }, too_small),
               Error);
}
