// Incremental, resumable indexing on real SQLite files: every change to a folder (add, modify,
// delete, rename), a kill -9 in the middle, pause/resume/cancel and a model change must leave
// exactly the index a rebuild from scratch produces (same chunks, same vectors), without
// re-embedding what did not change.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <tuple>

#include "knowledge/doc_writers.h"
#include "knowledge/indexer.h"
#include "knowledge/knowledge_test.h"
#include "knowledge/test_doubles.h"
#include "memory/sqlite.h"
#include "memory/store_error.h"

using namespace vole;
using namespace vole::knowledge;
using namespace vole::knowledge::test;
using namespace std::chrono_literals;

namespace fs = std::filesystem;
extern char** environ;

namespace {

struct Row {
  std::string path;
  int64_t ordinal;
  std::string text, heading;
  int64_t tokens, byte_begin, byte_end, line_begin, line_end, page_begin, page_end, embed_hash;
  std::vector<uint8_t> vector;
  bool operator==(const Row&) const = default;
};

// Everything search can see of a collection: live chunks in order with their vectors.
std::vector<Row> snapshot(KnowledgeBase& kb, CollectionId id) {
  auto st = kb.connection().prepare(
      "SELECT d.path, c.ordinal, c.text, c.heading, c.token_count, c.byte_begin, c.byte_end, c.line_begin, c.line_end, "
      "c.page_begin, c.page_end, c.embed_hash, v.data FROM documents d JOIN chunks c ON c.document_id = d.id AND "
      "c.generation = d.generation LEFT JOIN vectors v ON v.model_id = (SELECT model_id FROM collections WHERE id = "
      "?1) AND v.embed_hash = c.embed_hash WHERE d.collection_id = ?1 ORDER BY d.path, c.ordinal");
  st.bind(1, id);
  std::vector<Row> rows;
  while (st.step()) {
    Row r{st.text(0),  st.int64(1), st.text(2),  st.text(3),   st.int64(4),  st.int64(5), st.int64(6),
          st.int64(7), st.int64(8), st.int64(9), st.int64(10), st.int64(11), {}};
    auto blob = st.blob(12);
    r.vector.assign(blob.begin(), blob.end());
    rows.push_back(std::move(r));
  }
  return rows;
}

// Documents: path, state (reasons aside).
std::vector<std::pair<std::string, std::string>> documents(KnowledgeBase& kb, CollectionId id) {
  auto st = kb.connection().prepare("SELECT path, state FROM documents WHERE collection_id = ?1 ORDER BY path");
  st.bind(1, id);
  std::vector<std::pair<std::string, std::string>> out;
  while (st.step()) out.emplace_back(st.text(0), st.text(1));
  return out;
}

KnowledgeBase open_kb(const fs::path& db) {
  KnowledgeBase::OpenOptions o;
  o.path = db;
  return KnowledgeBase::open(o);
}

CollectionSettings small_chunks() {
  CollectionSettings s;
  s.chunk_tokens = 60;
  s.overlap_tokens = 12;
  return s;
}

IndexReport index_once(KnowledgeBase& kb, CollectionId id, Embedder* embedder, IndexControl* control = nullptr,
                       std::vector<IndexProgress>* events = nullptr) {
  WordCounter counter;
  IndexOptions o;
  o.progress_interval = 0ms;
  Indexer indexer(kb, id, counter, embedder, o);
  indexer.set_control(control);
  if (events) indexer.set_progress([events](const IndexProgress& p) { events->push_back(p); });
  return indexer.run();
}

// A fresh index of `folder` in its own database: the reference for incremental results.
std::vector<Row> rebuilt(const fs::path& folder, const fs::path& scratch, const CollectionSettings& settings) {
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  auto kb = open_kb(scratch / "fresh.db");
  auto c = kb.create_collection("fresh", {folder}, settings);
  HashEmbedder embedder;
  index_once(kb, c.id, &embedder);
  return snapshot(kb, c.id);
}

std::string paragraph(const std::string& topic, int n) {
  std::string p;
  for (int i = 0; i < n; ++i)
    p += "The " + topic + " note " + std::to_string(i) + " mentions detail " + std::to_string(i * 13 % 97) + ". ";
  return p;
}

void write_corpus(const fs::path& root) {
  write_text(root / "garden.md",
             "# Garden\n\n" + paragraph("tomato", 20) + "\n\n## Pests\n\n" + paragraph("aphid", 15));
  write_text(root / "notes" / "bikes.txt", paragraph("chain", 30) + "\n\n" + paragraph("brake", 10));
  write_text(root / "notes" / "page.html", "<h1>Kitchen</h1><p>" + paragraph("oven", 12) + "</p>");
  write_pdf(root / "manual.pdf", {{"Pump manual page one", "Prime the pump before use."}, {"Page two: seals."}});
  write_docx(root / "letter.docx", {{"Heading1", "Letter"}, {"", paragraph("invoice", 8)}});
  write_odt(root / "trip.odt", {{1, "Trip"}, {0, paragraph("train", 6)}});
  write_text(root / "src" / "main.py", "def main():\n    print('hello')\n\n\ndef other():\n    return 42\n");
}

// A collection "docs" over a fresh corpus in `dir`/docs, in `dir`/k.db.
struct CorpusIndex {
  fs::path root;
  KnowledgeBase kb;
  Collection collection;
};
CorpusIndex corpus_index(const vole::test::TempDir& dir, const CollectionSettings& settings) {
  fs::path root = dir / "docs";
  write_corpus(root);
  auto kb = open_kb(dir / "k.db");
  auto c = kb.create_collection("docs", {root}, settings);
  return {root, std::move(kb), std::move(c)};
}

}  // namespace

TEST(Indexer, IndexesEveryFormatAndReportsProgress) {
  vole::test::TempDir dir;
  fs::path root = dir / "docs";
  write_corpus(root);
  write_text(root / "photo.jpg.txt", std::string("\xFF\xD8\xFF\xE0", 4) + std::string(64, '\0'));
  fs::copy_file(fixtures() / "encrypted.pdf", root / "locked.pdf");
  auto kb = open_kb(dir / "k.db");
  auto c = kb.create_collection("docs", {root}, small_chunks());
  HashEmbedder embedder;
  std::vector<IndexProgress> events;
  IndexReport r = index_once(kb, c.id, &embedder, nullptr, &events);
  EXPECT_EQ(r.files_found, 9u);
  EXPECT_EQ(r.files_indexed, 7u);
  EXPECT_EQ(r.files_skipped, 2u);
  ASSERT_EQ(r.issues.size(), 2u);
  EXPECT_NE(r.issues[0].reason.find("encrypted"), std::string::npos) << r.issues[0].reason;
  EXPECT_NE(r.issues[1].reason.find("binary"), std::string::npos) << r.issues[1].reason;
  EXPECT_FALSE(r.cancelled);
  EXPECT_GT(r.chunks_written, 7u);
  EXPECT_EQ(r.chunks_embedded + r.vectors_reused, r.chunks_written);

  CollectionStatus s = kb.status(c.id);
  EXPECT_EQ(s.documents_indexed, 7u);
  EXPECT_EQ(s.documents_skipped, 2u);
  EXPECT_EQ(s.documents_pending, 0u);
  EXPECT_EQ(s.chunks, r.chunks_written);
  EXPECT_EQ(s.chunks_with_vectors, s.chunks);
  EXPECT_EQ(s.model, embedder.model_id());
  EXPECT_GT(s.database_bytes, 0u);
  ASSERT_EQ(s.skipped.size(), 2u);

  // Progress: phases in order, counters never go back, the end is Done with everything counted.
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().phase, IndexProgress::Phase::Scanning);
  EXPECT_EQ(events.back().phase, IndexProgress::Phase::Done);
  EXPECT_EQ(events.back().files_done, 9u);
  EXPECT_EQ(events.back().chunks_done, r.chunks_written);
  EXPECT_EQ(events.back().issues, 2u);
  bool saw_file = false;
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_GE(events[i].files_done, events[i - 1].files_done);
    EXPECT_GE(events[i].chunks_done, events[i - 1].chunks_done);
    EXPECT_GE(static_cast<int>(events[i].phase), static_cast<int>(events[i - 1].phase));
    saw_file |= events[i].current_file.find("garden.md") != std::string::npos;
  }
  EXPECT_TRUE(saw_file);
  EXPECT_EQ(events.back().files_to_read, 9u);

  // Headings and pages travel with the chunks.
  bool heading = false, page = false;
  for (const auto& row : snapshot(kb, c.id)) {
    heading |= row.heading == "Garden > Pests";
    page |= row.page_end == 2;
  }
  EXPECT_TRUE(heading);
  EXPECT_TRUE(page);
}

TEST(Indexer, IncrementalChangesEqualARebuildAndReembedOnlyWhatChanged) {
  vole::test::TempDir dir;
  auto settings = small_chunks();
  auto [root, kb, c] = corpus_index(dir, settings);
  HashEmbedder embedder;
  IndexReport first = index_once(kb, c.id, &embedder);
  EXPECT_EQ(snapshot(kb, c.id), rebuilt(root, dir / "fresh", settings));

  // Nothing changed: nothing is read or embedded.
  size_t embedded = embedder.texts_embedded();
  IndexReport again = index_once(kb, c.id, &embedder);
  EXPECT_EQ(again.files_unchanged, first.files_found);
  EXPECT_EQ(again.files_indexed, 0u);
  EXPECT_EQ(embedder.texts_embedded(), embedded);

  // Modify one paragraph of a long file: only its changed chunks are embedded.
  std::string bikes = read_file(root / "notes" / "bikes.txt");
  size_t at = bikes.find("note 25 ");
  ASSERT_NE(at, std::string::npos);
  bikes.replace(at, 7, "remark 25");
  write_text(root / "notes" / "bikes.txt", bikes);
  size_t bike_chunks = 0;
  for (const auto& row : snapshot(kb, c.id)) bike_chunks += row.path.find("bikes.txt") != std::string::npos;
  IndexReport modified = index_once(kb, c.id, &embedder);
  EXPECT_EQ(modified.files_indexed, 1u);
  EXPECT_GE(modified.chunks_embedded, 1u);
  EXPECT_LE(modified.chunks_embedded, 3u) << "of " << bike_chunks << " chunks";
  EXPECT_EQ(snapshot(kb, c.id), rebuilt(root, dir / "fresh", settings));

  // Add, delete and rename in one go.
  write_text(root / "new.md", "# New\n\n" + paragraph("lantern", 10));
  fs::remove(root / "trip.odt");
  fs::rename(root / "garden.md", root / "notes" / "garden-renamed.md");
  embedded = embedder.texts_embedded();
  IndexReport changed = index_once(kb, c.id, &embedder);
  EXPECT_EQ(changed.files_renamed, 1u);
  EXPECT_EQ(changed.files_removed, 1u);
  EXPECT_EQ(changed.files_indexed, 1u);  // new.md
  size_t new_chunks = 0;
  for (const auto& row : snapshot(kb, c.id)) new_chunks += row.path.find("new.md") != std::string::npos;
  EXPECT_EQ(embedder.texts_embedded() - embedded, new_chunks) << "the rename embedded nothing";
  EXPECT_EQ(snapshot(kb, c.id), rebuilt(root, dir / "fresh", settings));
  EXPECT_EQ(documents(kb, c.id).size(), 7u);

  // A copy of a file is indexed under its own path but reuses every vector.
  fs::copy_file(root / "new.md", root / "copy-of-new.md");
  embedded = embedder.texts_embedded();
  IndexReport copied = index_once(kb, c.id, &embedder);
  EXPECT_EQ(copied.files_indexed, 1u);
  EXPECT_EQ(embedder.texts_embedded(), embedded);
  EXPECT_EQ(copied.vectors_reused, new_chunks);
  EXPECT_EQ(snapshot(kb, c.id), rebuilt(root, dir / "fresh", settings));

  // Touching a file (same content, new mtime) re-reads it but changes nothing.
  fs::last_write_time(root / "new.md", fs::last_write_time(root / "new.md") + 5s);
  IndexReport touched = index_once(kb, c.id, &embedder);
  EXPECT_EQ(touched.files_indexed, 0u);
  EXPECT_EQ(touched.chunks_written, 0u);
  EXPECT_EQ(embedder.texts_embedded(), embedded);
}

TEST(Indexer, KillMinusNineMidIndexingThenTheNextRunContinues) {
  const char* child = std::getenv("VOLE_KNOWLEDGE_INDEX_CHILD");
  ASSERT_TRUE(child && fs::exists(child)) << "VOLE_KNOWLEDGE_INDEX_CHILD must name knowledge_index_child";
  vole::test::TempDir dir;
  fs::path root = dir / "docs";
  write_text(root / "a-small.md", "# Small\n\n" + paragraph("small", 5));
  std::string big;
  for (int s = 0; s < 40; ++s)
    big += "## Part " + std::to_string(s) + "\n\n" + paragraph("part" + std::to_string(s), 120) + "\n\n";
  write_text(root / "b-big.md", big);
  write_text(root / "c-after.txt", paragraph("after", 30));
  fs::path db = dir / "k.db";

  // The child indexes slowly; kill it once it has committed part of the big file.
  pid_t pid = -1;
  int out_pipe[2];
  ASSERT_EQ(::pipe(out_pipe), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  std::string db_s = db.string(), root_s = root.string(), name = "docs", delay = "25", batch = "4";
  char* argv[] = {
      const_cast<char*>(child), db_s.data(), root_s.data(), name.data(), delay.data(), batch.data(), nullptr};
  ASSERT_EQ(posix_spawn(&pid, child, &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  FILE* out = ::fdopen(out_pipe[0], "r");
  char line[256];
  size_t seen = 0;
  while (std::fgets(line, sizeof line, out)) {
    size_t n = 0;
    if (std::sscanf(line, "chunks=%zu", &n) == 1 && n >= 40) {
      seen = n;
      break;
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::fclose(out);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished before it could be killed";
  ASSERT_GE(seen, 40u);

  // What the dead run left: consistent, the big file's chunks written so far are pending.
  auto kb = open_kb(db);
  auto c = kb.find_collection("docs");
  ASSERT_TRUE(c);
  int64_t pending = kb.connection().query_int64(
      "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.generation = "
      "d.pending_generation");
  EXPECT_GE(pending, 20);
  EXPECT_EQ(kb.connection().query_text("PRAGMA integrity_check"), "ok");
  auto visible = snapshot(kb, c->id);
  for (const auto& row : visible)
    EXPECT_EQ(row.path.find("b-big.md"), std::string::npos) << "half a file is never visible";

  // The next run continues: the pending chunks are kept, not embedded again.
  HashEmbedder embedder;
  IndexReport r = index_once(kb, c->id, &embedder);
  EXPECT_FALSE(r.cancelled);
  auto final_rows = snapshot(kb, c->id);
  size_t big_chunks = 0;
  for (const auto& row : final_rows) big_chunks += row.path.find("b-big.md") != std::string::npos;
  EXPECT_LE(embedder.texts_embedded() + static_cast<size_t>(pending), final_rows.size() + 2)
      << "the chunks the killed run wrote are reused";
  EXPECT_GT(big_chunks, static_cast<size_t>(pending));
  EXPECT_EQ(final_rows, rebuilt(root, dir / "fresh", CollectionSettings{}));
  EXPECT_EQ(kb.connection().query_int64("SELECT count(*) FROM documents WHERE pending_generation IS NOT NULL"), 0);
}

TEST(Indexer, PauseResumeAndCancelFromAnotherThread) {
  vole::test::TempDir dir;
  fs::path root = dir / "docs";
  for (int f = 0; f < 12; ++f)
    write_text(root / ("f" + std::to_string(f) + ".txt"), paragraph("file" + std::to_string(f), 40));
  auto settings = small_chunks();
  auto kb_path = dir / "k.db";
  CollectionId id;
  {
    auto kb = open_kb(kb_path);
    id = kb.create_collection("docs", {root}, settings).id;
  }
  IndexControl control;
  std::atomic<size_t> chunks{0};
  std::atomic<bool> paused_seen{false};
  IndexReport report;
  std::thread worker([&] {
    auto kb = open_kb(kb_path);
    HashEmbedder embedder;
    embedder.set_batch(2);
    embedder.set_delay(10ms);
    WordCounter counter;
    IndexOptions o;
    o.progress_interval = 0ms;
    Indexer indexer(kb, id, counter, &embedder, o);
    indexer.set_control(&control);
    indexer.set_progress([&](const IndexProgress& p) {
      chunks = p.chunks_done;
      if (p.paused) paused_seen = true;
    });
    report = indexer.run();
  });
  while (chunks < 6) std::this_thread::sleep_for(2ms);
  control.pause();
  while (!paused_seen) std::this_thread::sleep_for(2ms);
  size_t at_pause = chunks;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(chunks.load(), at_pause) << "nothing happens while paused";
  {
    // Another run is refused while this one holds the index.
    auto kb = open_kb(kb_path);
    WordCounter counter;
    Indexer other(kb, id, counter, nullptr);
    try {
      other.run();
      ADD_FAILURE() << "a second run must be refused";
    } catch (const memory::StoreError& e) {
      EXPECT_EQ(e.problem(), memory::StoreProblem::Locked);
    }
  }
  control.resume();
  while (chunks < at_pause + 4) std::this_thread::sleep_for(2ms);
  control.cancel();
  worker.join();
  EXPECT_TRUE(report.cancelled);
  EXPECT_GT(report.chunks_written, 0u);

  // The cancelled run left a consistent index that the next run completes.
  auto kb = open_kb(kb_path);
  HashEmbedder embedder;
  IndexReport rest = index_once(kb, id, &embedder);
  EXPECT_FALSE(rest.cancelled);
  EXPECT_EQ(snapshot(kb, id), rebuilt(root, dir / "fresh", settings));
}

TEST(Indexer, AModelChangeReembedsAndNeverMixesVectors) {
  vole::test::TempDir dir;
  auto [root, kb, c] = corpus_index(dir, small_chunks());

  // Keyword-only first (no embedder), then an embedder fills in every vector.
  index_once(kb, c.id, nullptr);
  EXPECT_EQ(kb.status(c.id).chunks_with_vectors, 0u);
  HashEmbedder a(64, "model-a");
  IndexReport ra = index_once(kb, c.id, &a);
  CollectionStatus sa = kb.status(c.id);
  EXPECT_EQ(sa.model, a.model_id());
  EXPECT_EQ(sa.chunks_with_vectors, sa.chunks);
  EXPECT_EQ(ra.chunks_embedded, a.texts_embedded());

  // Another model: everything is embedded again, the old vectors leave.
  HashEmbedder b(32, "model-b");
  index_once(kb, c.id, &b);
  CollectionStatus sb = kb.status(c.id);
  EXPECT_EQ(sb.model, b.model_id());
  EXPECT_EQ(sb.chunks_with_vectors, sb.chunks);
  EXPECT_GE(b.texts_embedded(), sb.chunks / 2);
  EXPECT_EQ(kb.connection().query_int64("SELECT count(DISTINCT model_id) FROM vectors"), 1);
  EXPECT_EQ(kb.connection().query_int64("SELECT count(*) FROM models"), 1);
  for (const auto& row : snapshot(kb, c.id)) EXPECT_EQ(row.vector.size(), 4u + 32u);

  // f16 storage is another vector encoding: re-embedded, then every vector is 2 * dims bytes.
  auto settings = small_chunks();
  settings.vector_encoding = VectorEncoding::F16;
  kb.set_settings(c.id, settings);
  index_once(kb, c.id, &b);
  for (const auto& row : snapshot(kb, c.id)) EXPECT_EQ(row.vector.size(), 64u);
}

TEST(Indexer, BadInputsAreSkippedWithReasonsAndIndexingGoesOn) {
  vole::test::TempDir dir;
  fs::path root = dir / "docs";
  write_text(root / "good.md", "# Good\n\n" + paragraph("good", 10));
  // A 2 GiB file (sparse) of zeros, and one with text and then zeros.
  write_text(root / "huge.txt", "");
  ASSERT_EQ(::truncate((root / "huge.txt").c_str(), off_t{2} << 30), 0);
  write_text(root / "huge2.log", paragraph("log", 2000));
  ASSERT_EQ(::truncate((root / "huge2.log").c_str(), off_t{2} << 30), 0);
  // A zip bomb, an encrypted and a malformed PDF, a fake DOCX.
  std::string body;
  while (body.size() < (32u << 20)) body += "<w:p><w:r><w:t>zzzzzzzzzzzzzzzzzzzzzzzz</w:t></w:r></w:p>";
  write_zip(root / "bomb.docx", {{"word/document.xml",
                                  "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                                  "wordprocessingml/2006/main\"><w:body>" +
                                      body + "</w:body></w:document>"}});
  fs::copy_file(fixtures() / "encrypted.pdf", root / "secret.pdf");
  write_text(root / "broken.pdf", "%PDF-1.4 garbage garbage");
  write_text(root / "fake.docx", "not a zip");
  // A symlink loop, a FIFO, an unreadable folder.
  fs::create_directory_symlink(root, root / "loop");
  ASSERT_EQ(::mkfifo((root / "fifo.txt").c_str(), 0644), 0);
  write_text(root / "private" / "p.txt", "private words");
  ::chmod((root / "private").c_str(), 0);

  auto kb = open_kb(dir / "k.db");
  auto c = kb.create_collection("docs", {root});
  HashEmbedder embedder;
  auto start = std::chrono::steady_clock::now();
  IndexReport r = index_once(kb, c.id, &embedder);
  ::chmod((root / "private").c_str(), 0755);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);
  EXPECT_EQ(r.files_indexed, ::geteuid() == 0 ? 2u : 1u);  // good.md (and p.txt when root reads it)
  std::map<std::string, std::string> reasons;
  for (const auto& i : r.issues) reasons[i.path.filename().string()] = i.reason;
  EXPECT_NE(reasons["huge.txt"].find("binary"), std::string::npos) << reasons["huge.txt"];
  EXPECT_NE(reasons["huge2.log"].find("binary"), std::string::npos) << reasons["huge2.log"];
  EXPECT_NE(reasons["bomb.docx"].find("zip bomb"), std::string::npos) << reasons["bomb.docx"];
  EXPECT_NE(reasons["secret.pdf"].find("encrypted"), std::string::npos) << reasons["secret.pdf"];
  EXPECT_FALSE(reasons["broken.pdf"].empty());
  EXPECT_FALSE(reasons["fake.docx"].empty());
  if (::geteuid() != 0) {
    EXPECT_NE(reasons["private"].find("Permission denied"), std::string::npos);
  }
  EXPECT_EQ(reasons.count("fifo.txt"), 0u) << "special files are not documents";
  // huge2.log's text before the zeros was not half-indexed.
  for (const auto& row : snapshot(kb, c.id)) EXPECT_EQ(row.path.find("huge2.log"), std::string::npos);
  // Skipped files are not read again until they change.
  IndexReport again = index_once(kb, c.id, &embedder);
  EXPECT_EQ(again.files_skipped, 0u);
  EXPECT_EQ(again.files_indexed, 0u);
}

TEST(Indexer, VanishedFoldersKeepTheirDocumentsRemovedFoldersDropThem) {
  vole::test::TempDir dir;
  fs::path a = dir / "a", b = dir / "b";
  write_text(a / "one.md", paragraph("one", 10));
  write_text(b / "two.md", paragraph("two", 10));
  auto kb = open_kb(dir / "k.db");
  auto c = kb.create_collection("docs", {a, b});
  HashEmbedder embedder;
  index_once(kb, c.id, &embedder);
  EXPECT_EQ(documents(kb, c.id).size(), 2u);

  // Folder b disappears (an unplugged drive): its document stays, the problem is reported.
  fs::rename(b, dir / "b-away");
  IndexReport r = index_once(kb, c.id, &embedder);
  EXPECT_EQ(r.files_removed, 0u);
  ASSERT_FALSE(r.issues.empty());
  EXPECT_NE(r.issues[0].reason.find("No such file"), std::string::npos);
  EXPECT_EQ(documents(kb, c.id).size(), 2u);

  // Folder b is taken out of the collection: its document leaves.
  kb.remove_folder(c.id, b);
  r = index_once(kb, c.id, &embedder);
  EXPECT_EQ(r.files_removed, 1u);
  ASSERT_EQ(documents(kb, c.id).size(), 1u);
  EXPECT_EQ(documents(kb, c.id)[0].first, (a / "one.md").string());
  // Files deleted inside a folder that still exists do leave.
  fs::remove(a / "one.md");
  r = index_once(kb, c.id, &embedder);
  EXPECT_EQ(r.files_removed, 1u);
  EXPECT_TRUE(snapshot(kb, c.id).empty());
  EXPECT_EQ(kb.connection().query_int64("SELECT count(*) FROM vectors"), 0) << "unreferenced vectors are collected";
}

TEST(Indexer, RebuildAndNewSettingsRechunkReusingVectors) {
  vole::test::TempDir dir;
  auto [root, kb, c] = corpus_index(dir, small_chunks());
  HashEmbedder embedder;
  index_once(kb, c.id, &embedder);
  auto before = snapshot(kb, c.id);
  size_t embedded = embedder.texts_embedded();
  kb.request_rebuild(c.id);
  IndexReport r = index_once(kb, c.id, &embedder);
  EXPECT_EQ(r.files_indexed, 7u);
  EXPECT_EQ(embedder.texts_embedded(), embedded) << "same chunks: vectors reused";
  EXPECT_EQ(snapshot(kb, c.id), before);

  CollectionSettings bigger;
  bigger.chunk_tokens = 200;
  bigger.overlap_tokens = 20;
  kb.set_settings(c.id, bigger);
  index_once(kb, c.id, &embedder);
  EXPECT_EQ(snapshot(kb, c.id), rebuilt(root, dir / "fresh", bigger));
  EXPECT_LT(snapshot(kb, c.id).size(), before.size());
}

TEST(Indexer, CollectionsAreValidatedAndRemovable) {
  vole::test::TempDir dir;
  write_text(dir / "docs" / "x.md", paragraph("x", 5));
  auto kb = open_kb(dir / "k.db");
  auto c = kb.create_collection("docs", {dir / "docs"});
  EXPECT_THROW(kb.create_collection("docs", {dir / "docs"}), Error);
  EXPECT_THROW(kb.create_collection("", {dir / "docs"}), Error);
  EXPECT_THROW(kb.create_collection("other", {dir / "nope"}), Error);
  CollectionSettings bad;
  bad.chunk_tokens = 100;
  bad.overlap_tokens = 80;
  EXPECT_THROW(kb.create_collection("other", {dir / "docs"}, bad), Error);
  HashEmbedder embedder;
  index_once(kb, c.id, &embedder);
  ASSERT_EQ(kb.collections().size(), 1u);
  EXPECT_EQ(kb.collections()[0].folders, std::vector<fs::path>{dir / "docs"});
  kb.remove_collection(c.id);
  EXPECT_TRUE(kb.collections().empty());
  EXPECT_EQ(kb.connection().query_int64("SELECT count(*) FROM chunks"), 0);
  EXPECT_EQ(kb.connection().query_int64("SELECT count(*) FROM vectors"), 0);
  EXPECT_EQ(kb.connection().query_int64("SELECT count(*) FROM chunk_fts"), 0);
  EXPECT_THROW(kb.collection(c.id), Error);
}

TEST(Indexer, ADamagedOrNewerIndexIsRefusedWithAClearError) {
  vole::test::TempDir dir;
  write_text(dir / "junk.db", std::string(8192, 'j'));
  try {
    open_kb(dir / "junk.db");
    ADD_FAILURE() << "a damaged file must be refused";
  } catch (const memory::StoreError& e) {
    EXPECT_EQ(e.problem(), memory::StoreProblem::Corrupt);
    EXPECT_NE(std::string(e.what()).find("knowledge index"), std::string::npos) << e.what();
  }
  {
    auto kb = open_kb(dir / "new.db");
    kb.connection().exec("PRAGMA user_version = 99");
  }
  try {
    open_kb(dir / "new.db");
    ADD_FAILURE() << "a newer schema must be refused";
  } catch (const memory::StoreError& e) {
    EXPECT_EQ(e.problem(), memory::StoreProblem::TooNew);
    EXPECT_NE(std::string(e.what()).find("newer Vole"), std::string::npos) << e.what();
  }
}
