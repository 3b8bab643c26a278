// `vole ask`: a question answered by a chat model from a collection's passages, streamed,
// with the numbered sources its citations point to; or, with --document, a task over one
// whole document (read in context-sized parts, then the notes combined), with progress.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "command.h"
#include "engine_args.h"
#include "knowledge/answer_context.h"
#include "knowledge/document_walk.h"
#include "knowledge/retriever.h"
#include "knowledge_args.h"
#include "runtime/chat.h"
#include "util/error.h"

namespace vole::cli {

namespace {

// The indexed document `name` names: a path as given (absolute, or from the working
// folder), else relative to one of the collection's folders.
knowledge::DocumentId find_document(knowledge::KnowledgeBase& kb, const knowledge::Collection& c,
                                    const std::string& name) {
  std::vector<std::filesystem::path> candidates{std::filesystem::absolute(name)};
  for (const auto& folder : c.folders) candidates.push_back(folder / name);
  for (const auto& path : candidates)
    if (auto id = kb.find_document(c.id, path.lexically_normal())) return *id;
  fail(ErrorCode::NotFound, "'" + name + "' is not an indexed document of collection " + c.name +
                                " (a file in its folders; run `vole index update " + c.name + "` after adding it)");
}

// The task over the whole document: each part and each combining step is one chat turn;
// progress goes to stderr, the answer (the last turn) streams to stdout.
int walk_whole_document(knowledge::KnowledgeBase& kb, const knowledge::Collection& c, const std::string& document,
                        const std::string& task, runtime::Engine& engine, const runtime::GenerateOptions& gen) {
  std::vector<knowledge::ChunkRecord> chunks = kb.document_chunks(find_document(kb, c, document));
  knowledge::TokenizerCounter counter(engine.tokenizer(), "chat");
  knowledge::WalkOptions wo;
  wo.context_tokens = static_cast<size_t>(engine.context_length());
  wo.answer_tokens = static_cast<size_t>(gen.max_tokens);
  runtime::Chat chat(engine);
  auto generate = [&](const std::string& prompt, bool final) {
    runtime::ChatRequest req;
    req.messages.push_back({{"role", "user"}, {"content", prompt}});
    req.generation = gen;
    std::string reply;
    chat.reply(req, [&](const runtime::ChatDelta& d) {
      reply += d.content;
      if (final) {
        std::fwrite(d.content.data(), 1, d.content.size(), stdout);
        std::fflush(stdout);
      }
    });
    return reply;
  };
  auto progress = [](const knowledge::WalkProgress& p) {
    if (p.parts_done == p.parts_total) return;
    if (p.level == 0)
      std::fprintf(stderr, "reading part %zu of %zu\n", p.parts_done + 1, p.parts_total);
    else
      std::fprintf(stderr, "combining notes (step %zu, %zu of %zu)\n", p.level, p.parts_done + 1, p.parts_total);
  };
  const std::string name = chunks.empty() ? document : chunks.front().path.filename().string();
  knowledge::walk_document(chunks, name, task, counter, generate, wo, progress);
  std::printf("\n");
  return 0;
}

int run_ask(Args& args) {
  std::optional<std::string> document = args.get({"--document"});
  EmbedderArgs e = parse_embedder_args(args, {"-e", "--embedder"}, /*required=*/false);
  ModelArgs chat_args = parse_model_args(args);
  knowledge::SearchOptions o;
  parse_similarity_floor(args, o);
  o.k = static_cast<size_t>(args.get_int({"-k"}, 8));
  int max_tokens = static_cast<int>(args.get_int({"-n", "--max-tokens"}, 512));
  knowledge::KnowledgeBase kb = open_knowledge_base(args);
  auto engine = load_engine(chat_args);
  runtime::GenerateOptions gen = engine->default_generate_options();
  gen.sampling = parse_sampling(args, gen.sampling);
  gen.max_tokens = max_tokens;
  std::vector<std::string> pos = args.positionals();
  args.finish();
  require(pos.size() == 2, "usage: vole ask NAME \"question\" -m CHAT_DIR [-e EMBED_DIR | --document FILE]");
  require(max_tokens > 0, "-n must be positive");
  knowledge::Collection c = find_collection(kb, pos[0]);
  if (document) return walk_whole_document(kb, c, *document, pos[1], *engine, gen);
  std::unique_ptr<runtime::EmbeddingModel> model;
  std::unique_ptr<runtime::ModelEmbedder> embedder;
  if (e.dir) {
    model = load_embedding_model(e);
    embedder = std::make_unique<runtime::ModelEmbedder>(*model, e.dims);
  }
  knowledge::Retriever retriever(kb, c.id, embedder.get());
  auto hits = retriever.search(pos[1], o);

  // Half the context for the sources and question, the rest for the answer.
  knowledge::TokenizerCounter counter(engine->tokenizer(), "chat");
  knowledge::ContextOptions co;
  co.token_budget = static_cast<size_t>(std::max<int64_t>(256, engine->context_length() / 2));
  if (c.folders.size() == 1) co.relative_to = c.folders[0];
  knowledge::AnswerContext ctx = knowledge::build_answer_context(pos[1], hits, counter, co);
  if (ctx.sources.empty()) {
    std::printf("No passage of %s answers this question.\n", c.name.c_str());
    return 0;
  }
  runtime::Chat chat(*engine);
  runtime::ChatRequest req;
  req.messages.push_back({{"role", "user"}, {"content", ctx.prompt}});
  req.generation = gen;
  std::string answer;
  chat.reply(req, [&](const runtime::ChatDelta& d) {
    answer += d.content;
    std::fwrite(d.content.data(), 1, d.content.size(), stdout);
    std::fflush(stdout);
  });
  std::printf("\n\nSources:\n");
  std::vector<int> cited = knowledge::cited_sources(answer, ctx.sources.size());
  for (const auto& s : ctx.sources) {
    bool is_cited = std::find(cited.begin(), cited.end(), s.number) != cited.end();
    std::printf("[%d]%s %s\n    %s\n", s.number, is_cited ? "" : " (not cited)", s.label.c_str(), s.snippet.c_str());
  }
  return 0;
}

}  // namespace

VOLE_COMMAND("ask",
             "NAME \"question\" -m CHAT_DIR [-e EMBED_DIR] [-k N] [-n N] [--db PATH]  answer from a collection with "
             "cited sources, streamed; --document FILE: a task over that whole document (summarise, count...), read "
             "in parts",
             run_ask);

}  // namespace vole::cli
