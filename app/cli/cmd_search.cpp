// `vole search`: hybrid (keyword + vector) search of a collection, with where each hit is.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "knowledge/answer_context.h"
#include "knowledge/retriever.h"
#include "knowledge_args.h"
#include "util/error.h"

namespace vole::cli {

namespace {

int run_search(Args& args) {
  EmbedderArgs e = parse_embedder_args(args, {"-e", "--embedder"}, /*required=*/false);
  knowledge::SearchOptions o;
  parse_similarity_floor(args, o);
  o.k = static_cast<size_t>(args.get_int({"-k"}, 10));
  bool json = args.flag("--json");
  knowledge::KnowledgeBase kb = open_knowledge_base(args);
  std::vector<std::string> pos = args.positionals();
  args.finish();
  require(pos.size() == 2, "usage: vole search NAME \"query\" [-k N] [--json] [-e EMBED_DIR]");
  require(o.k > 0, "-k must be positive");
  knowledge::Collection c = find_collection(kb, pos[0]);
  std::unique_ptr<runtime::EmbeddingModel> model;
  std::unique_ptr<runtime::ModelEmbedder> embedder;
  if (e.dir) {
    model = load_embedding_model(e);
    embedder = std::make_unique<runtime::ModelEmbedder>(*model, e.dims);
  }
  knowledge::Retriever retriever(kb, c.id, embedder.get());
  auto hits = retriever.search(pos[1], o);
  const std::filesystem::path base = c.folders.size() == 1 ? c.folders[0] : std::filesystem::path();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& h : hits) {
      nlohmann::json j{{"path", h.chunk.path.string()},
                       {"label", knowledge::source_label(h.chunk, base)},
                       {"score", h.score},
                       {"line_begin", h.chunk.location.line_begin},
                       {"line_end", h.chunk.location.line_end},
                       {"page_begin", h.chunk.location.page_begin},
                       {"page_end", h.chunk.location.page_end},
                       {"heading", h.chunk.location.heading},
                       {"text", h.chunk.text}};
      if (h.similarity) j["similarity"] = *h.similarity;
      if (h.bm25) j["bm25"] = *h.bm25;
      out.push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (hits.empty()) std::printf("no passages match\n");
  for (size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    std::string snippet = h.chunk.text.substr(0, 160);
    for (auto& ch : snippet)
      if (ch == '\n') ch = ' ';
    std::printf("[%zu] %s  (score %.4f%s)\n    %s\n", i + 1, knowledge::source_label(h.chunk, base).c_str(), h.score,
                h.similarity ? (", similarity " + std::to_string(*h.similarity)).c_str() : "", snippet.c_str());
  }
  return 0;
}

}  // namespace

VOLE_COMMAND("search",
             "NAME \"query\" [-k N] [--json] [-e EMBED_DIR] [--min-similarity F] [--db PATH]  search a collection",
             run_search);

}  // namespace vole::cli
