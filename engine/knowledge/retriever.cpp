#include "knowledge/retriever.h"

#include <algorithm>
#include <map>

#include "knowledge/keyword_search.h"
#include "memory/sqlite.h"
#include "util/error.h"

namespace vole::knowledge {

Retriever::Retriever(KnowledgeBase& kb, CollectionId collection, Embedder* embedder)
    : kb_(kb), collection_(collection), embedder_(embedder) {
  kb_.collection(collection);  // NotFound early
  register_keyword_functions(kb_.connection());
}

Retriever::~Retriever() = default;

const VectorIndex* Retriever::vectors() {
  Collection c = kb_.collection(collection_);
  if (c.revision == index_revision_) return index_.get();
  // While an indexer commits every few seconds, reloading 100k vectors for every search would
  // cost more than the searches: keep the loaded ones for reload_interval.
  auto now = std::chrono::steady_clock::now();
  if (index_ && now - loaded_at_ < reload_interval_) return index_.get();
  loaded_at_ = now;
  index_.reset();
  index_revision_ = c.revision;
  if (!c.model_row || c.model_dims == 0) return nullptr;
  if (embedder_ && (embedder_->model_id() != c.model || embedder_->dims() != c.model_dims)) return nullptr;
  auto& conn = kb_.connection();
  int64_t count = 0;
  {
    auto st = conn.prepare(
        "SELECT count(*) FROM documents d JOIN chunks c ON c.document_id = d.id AND c.generation = d.generation WHERE "
        "d.collection_id = ?1");
    st.bind(1, collection_);
    if (st.step()) count = st.int64(0);
  }
  auto index = std::make_unique<VectorIndex>(c.settings.vector_encoding, c.model_dims);
  index->reserve(static_cast<size_t>(count));
  // Encodings of the stored vectors follow the model row (name, dims, encoding).
  auto st = conn.prepare(
      "SELECT c.id, v.data, m.encoding FROM documents d JOIN chunks c ON c.document_id = d.id AND c.generation = "
      "d.generation JOIN vectors v ON v.model_id = ?2 AND v.embed_hash = c.embed_hash JOIN models m ON m.id = "
      "v.model_id WHERE d.collection_id = ?1 ORDER BY c.id");
  st.bind(1, collection_).bind(2, *c.model_row);
  while (st.step()) {
    if (st.text(2) != encoding_name(c.settings.vector_encoding)) break;  // settings changed; the next run re-embeds
    index->add(st.int64(0), st.blob(1));
  }
  if (index->size() > 0) index_ = std::move(index);
  return index_.get();
}

size_t Retriever::vector_count() {
  const VectorIndex* v = vectors();
  return v ? v->size() : 0;
}

size_t Retriever::vector_memory_bytes() {
  const VectorIndex* v = vectors();
  return v ? v->memory_bytes() : 0;
}

std::vector<SearchHit> Retriever::search(std::string_view question, const SearchOptions& options) {
  std::vector<float> query;
  const VectorIndex* index = options.use_vectors && embedder_ ? vectors() : nullptr;
  if (index) {
    query.resize(embedder_->dims());
    std::string_view text = question;
    embedder_->embed(std::span<const std::string_view>(&text, 1), EmbedKind::Query, query);
    normalize(query);
  }
  return search(question, query, options);
}

std::vector<SearchHit> Retriever::search(std::string_view question, std::span<const float> query_vector,
                                         const SearchOptions& options) {
  struct Entry {
    std::optional<float> similarity;
    std::optional<double> bm25, coverage;
    size_t vector_rank = 0, keyword_rank = 0;
  };
  std::map<ChunkId, Entry> fused;

  // Vector ranking, and every chunk's similarity for the keyword floor.
  std::vector<float> scores;
  const VectorIndex* index = options.use_vectors && !query_vector.empty() ? vectors() : nullptr;
  if (index) {
    require(query_vector.size() == index->dims(), "the query vector has " + std::to_string(query_vector.size()) +
                                                      " dimensions, the collection's vectors " +
                                                      std::to_string(index->dims()));
    scores.resize(index->size());
    index->score_all(query_vector, scores);
    std::vector<ScoredChunk> top = best_scores(scores, index->ids(), options.candidates, options.min_similarity);
    for (size_t i = 0; i < top.size(); ++i) {
      Entry& e = fused[top[i].chunk];
      e.similarity = top[i].similarity;
      e.vector_rank = i + 1;
    }
  }

  if (options.use_keywords) {
    std::vector<KeywordHit> hits =
        keyword_search(kb_.connection(), collection_, query_terms(question), options.candidates, options.min_coverage);
    size_t rank = 0;
    for (const KeywordHit& h : hits) {
      std::optional<float> sim;
      if (index) {  // rows are in ascending chunk id order (vectors() loads them so)
        const auto& ids = index->ids();
        auto it = std::lower_bound(ids.begin(), ids.end(), h.chunk);
        if (it != ids.end() && *it == h.chunk) sim = scores[static_cast<size_t>(it - ids.begin())];
      }
      if (sim && *sim < options.keyword_min_similarity) continue;
      Entry& e = fused[h.chunk];
      e.bm25 = h.bm25;
      e.coverage = h.coverage;
      e.keyword_rank = ++rank;
      if (sim) e.similarity = sim;
    }
  }

  std::vector<SearchHit> out;
  for (const auto& [id, e] : fused) {
    SearchHit h;
    h.chunk.id = id;
    h.similarity = e.similarity;
    h.bm25 = e.bm25;
    h.coverage = e.coverage;
    h.vector_rank = e.vector_rank;
    h.keyword_rank = e.keyword_rank;
    if (e.vector_rank) h.score += 1.0 / (options.rrf_k + double(e.vector_rank));
    if (e.keyword_rank) h.score += 1.0 / (options.rrf_k + double(e.keyword_rank));
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.chunk.id < b.chunk.id;
  });
  // Read the hits; a chunk gone since the vectors were loaded (a reload held back by the
  // reload interval) is dropped.
  std::vector<SearchHit> result;
  for (auto& h : out) {
    if (result.size() == options.k) break;
    if (auto record = kb_.chunk(h.chunk.id)) {
      h.chunk = std::move(*record);
      result.push_back(std::move(h));
    }
  }
  return result;
}

}  // namespace vole::knowledge
