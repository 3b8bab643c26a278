#include "knowledge_args.h"

#include <cstdlib>

#include "util/error.h"

namespace vole::cli {

EmbedderArgs parse_embedder_args(Args& args, std::initializer_list<const char*> names, bool required) {
  EmbedderArgs e;
  if (required)
    e.dir = args.require(names);
  else if (auto d = args.get(names))
    e.dir = *d;
  e.device = args.get_or({"-d", "--device"}, "");
  if (auto w = args.get({"--weights"})) {
    auto f = model::parse_format(*w);
    if (!f) fail(ErrorCode::InvalidArgument, "--weights must be one of q4, int4, f16, f32, source (got '" + *w + "')");
    e.options.weights = *f;
  }
  e.dims = args.get_int({"--dims"}, 0);
  require(e.dims >= 0, "--dims must be positive");
  e.options.batch_tokens = args.get_int({"--batch-tokens"}, e.options.batch_tokens);
  require(e.options.batch_tokens > 0, "--batch-tokens must be positive");
  return e;
}

std::unique_ptr<runtime::EmbeddingModel> load_embedding_model(const EmbedderArgs& e) {
  require(e.dir.has_value(), "no embedding model given");
  auto device = std::make_shared<runtime::Device>(runtime::DeviceOptions{e.device, 0});
  auto m = std::make_unique<runtime::EmbeddingModel>(device, *e.dir, e.options);
  require(e.dims <= m->dims(),
          "--dims " + std::to_string(e.dims) + " exceeds the model's " + std::to_string(m->dims()) + " dimensions");
  return m;
}

void parse_similarity_floor(Args& args, knowledge::SearchOptions& o) {
  if (auto v = args.get({"--min-similarity"})) {
    char* end = nullptr;
    float f = std::strtof(v->c_str(), &end);
    require(!v->empty() && *end == 0 && f >= -1 && f <= 1, "--min-similarity must be a number in [-1, 1]");
    o.min_similarity = o.keyword_min_similarity = f;
  }
}

knowledge::KnowledgeBase open_knowledge_base(Args& args) {
  knowledge::KnowledgeBase::OpenOptions o;
  if (auto db = args.get({"--db"})) o.path = *db;
  return knowledge::KnowledgeBase::open(o);
}

knowledge::Collection find_collection(knowledge::KnowledgeBase& kb, const std::string& name) {
  if (auto c = kb.find_collection(name)) return *c;
  std::string known;
  for (const auto& c : kb.collections()) known += (known.empty() ? "" : ", ") + c.name;
  fail(ErrorCode::NotFound,
       "no collection named \"" + name + "\"" +
           (known.empty() ? " (there are none; add one with vole index add)" : " (" + known + ")"));
}

}  // namespace vole::cli
