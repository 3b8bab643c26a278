// `vole index`: knowledge-base collections: add, update (index the folders, embedding with a
// model), status, rm.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "command.h"
#include "knowledge/indexer.h"
#include "knowledge_args.h"
#include "util/error.h"

namespace vole::cli {

namespace {

void print_status(knowledge::KnowledgeBase& kb, const knowledge::Collection& c) {
  knowledge::CollectionStatus s = kb.status(c.id, 20);
  std::printf("%s: %zu documents indexed, %zu pending, %zu skipped; %zu chunks, %zu with vectors (%s)\n",
              c.name.c_str(), s.documents_indexed, s.documents_pending, s.documents_skipped, s.chunks,
              s.chunks_with_vectors, s.model.empty() ? "no model" : s.model.c_str());
  for (const auto& f : c.folders) std::printf("  folder %s\n", f.string().c_str());
  for (const auto& i : s.skipped) std::printf("  skipped %s: %s\n", i.path.string().c_str(), i.reason.c_str());
}

int index_add(knowledge::KnowledgeBase& kb, const std::vector<std::string>& rest,
              const knowledge::CollectionSettings& settings) {
  require(rest.size() >= 2, "usage: vole index add NAME FOLDER...");
  std::vector<std::filesystem::path> folders(rest.begin() + 1, rest.end());
  auto c = kb.create_collection(rest[0], folders, settings);
  std::printf("collection %s: %zu folder(s); index it with: vole index update %s -e EMBEDDING_MODEL\n", c.name.c_str(),
              c.folders.size(), c.name.c_str());
  return 0;
}

int index_update(knowledge::KnowledgeBase& kb, const std::vector<std::string>& rest, const EmbedderArgs& e) {
  require(e.dir.has_value(), "vole index update needs the embedding model: -e DIR");
  std::vector<knowledge::Collection> targets;
  if (rest.empty())
    targets = kb.collections();
  else
    for (const auto& name : rest) targets.push_back(find_collection(kb, name));
  require(!targets.empty(), "there are no collections (add one with vole index add NAME FOLDER...)");
  auto model = load_embedding_model(e);
  runtime::ModelEmbedder embedder(*model, e.dims);
  const bool tty = isatty(STDERR_FILENO);
  for (const auto& c : targets) {
    knowledge::Indexer indexer(kb, c.id, embedder.token_counter(), &embedder);
    if (tty)
      indexer.set_progress([&](const knowledge::IndexProgress& p) {
        std::fprintf(stderr, "\r\033[K%s: %s files %zu/%zu, chunks %zu, %.1f chunks/s", c.name.c_str(),
                     knowledge::phase_name(p.phase), p.files_done, p.files_to_read, p.chunks_done, p.chunks_per_second);
      });
    knowledge::IndexReport r = indexer.run();
    if (tty) std::fprintf(stderr, "\r\033[K");
    std::printf(
        "%s: %zu files found, %zu indexed, %zu unchanged, %zu renamed, %zu removed, %zu skipped; %zu chunks written, "
        "%zu embedded, %zu vectors reused; %.1f s\n",
        c.name.c_str(), r.files_found, r.files_indexed, r.files_unchanged, r.files_renamed, r.files_removed,
        r.files_skipped, r.chunks_written, r.chunks_embedded, r.vectors_reused, r.seconds);
    for (const auto& i : r.issues) std::printf("  skipped %s: %s\n", i.path.string().c_str(), i.reason.c_str());
  }
  return 0;
}

int run_index(Args& args) {
  // Every option first (the rest are positionals), then what the subcommand takes.
  EmbedderArgs e = parse_embedder_args(args, {"-e", "--embedder"}, /*required=*/false);
  knowledge::CollectionSettings settings;
  int64_t chunk = args.get_int({"--chunk-tokens"}, 400), overlap = args.get_int({"--overlap-tokens"}, 60);
  require(chunk >= 16 && overlap >= 0 && overlap < chunk, "--chunk-tokens must be >= 16 and above --overlap-tokens");
  settings.chunk_tokens = static_cast<size_t>(chunk);
  settings.overlap_tokens = static_cast<size_t>(overlap);
  knowledge::KnowledgeBase kb = open_knowledge_base(args);
  std::vector<std::string> pos = args.positionals();
  args.finish();
  require(!pos.empty(), "usage: vole index add|update|status|rm ...");
  const std::string sub = pos[0];
  std::vector<std::string> rest(pos.begin() + 1, pos.end());
  require(sub == "update" || !e.dir, "-e applies to vole index update only");
  if (sub == "add") return index_add(kb, rest, settings);
  if (sub == "update") return index_update(kb, rest, e);
  if (sub == "status") {
    if (rest.empty()) {
      auto all = kb.collections();
      if (all.empty()) std::printf("no collections\n");
      for (const auto& c : all) print_status(kb, c);
    } else {
      for (const auto& name : rest) print_status(kb, find_collection(kb, name));
    }
    return 0;
  }
  if (sub == "rm") {
    require(rest.size() == 1, "usage: vole index rm NAME");
    kb.remove_collection(find_collection(kb, rest[0]).id);
    std::printf("removed %s\n", rest[0].c_str());
    return 0;
  }
  fail(ErrorCode::InvalidArgument, "unknown index command '" + sub + "' (add, update, status, rm)");
}

}  // namespace

VOLE_COMMAND("index",
             "add NAME FOLDER... | update [NAME...] -e EMBED_DIR [--dims N] | status [NAME] | rm NAME  [--db PATH]  "
             "knowledge-base collections",
             run_index);

}  // namespace vole::cli
