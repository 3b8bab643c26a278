// The process test_indexer kills with SIGKILL in the middle of indexing: it indexes a folder
// into a knowledge index with the test doubles, slowly (a delay per embedding batch), and
// prints "chunks=N" after every batch so the parent knows how far it got.
//
//   knowledge_index_child DB FOLDER COLLECTION DELAY_MS BATCH
#include <cstdio>
#include <cstdlib>
#include <string>

#include "knowledge/indexer.h"
#include "knowledge/test_doubles.h"

using namespace vole::knowledge;

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s DB FOLDER COLLECTION DELAY_MS BATCH\n", argv[0]);
    return 2;
  }
  try {
    KnowledgeBase::OpenOptions o;
    o.path = argv[1];
    auto kb = KnowledgeBase::open(o);
    auto c = kb.find_collection(argv[3]);
    CollectionId id = c ? c->id : kb.create_collection(argv[3], {argv[2]}).id;
    test::WordCounter counter;
    test::HashEmbedder embedder;
    embedder.set_delay(std::chrono::milliseconds(std::atoi(argv[4])));
    embedder.set_batch(static_cast<size_t>(std::atoi(argv[5])));
    IndexOptions options;
    options.progress_interval = std::chrono::milliseconds(0);
    Indexer indexer(kb, id, counter, &embedder, options);
    indexer.set_progress([](const IndexProgress& p) {
      std::printf("chunks=%zu\n", p.chunks_done);
      std::fflush(stdout);
    });
    IndexReport r = indexer.run();
    std::printf("done files=%zu chunks=%zu embedded=%zu\n", r.files_indexed, r.chunks_written, r.chunks_embedded);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knowledge_index_child: %s\n", e.what());
    return 1;
  }
}
