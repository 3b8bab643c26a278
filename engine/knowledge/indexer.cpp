#include "knowledge/indexer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "knowledge/file_reader.h"
#include "knowledge/folder_scan.h"
#include "knowledge/index_writer.h"
#include "memory/store_error.h"
#include "util/error.h"
#include "util/hash.h"

namespace vole::knowledge {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* phase_name(IndexProgress::Phase phase) {
  switch (phase) {
    case IndexProgress::Phase::Scanning:
      return "scanning";
    case IndexProgress::Phase::Indexing:
      return "indexing";
    case IndexProgress::Phase::Removing:
      return "removing";
    case IndexProgress::Phase::Embedding:
      return "embedding";
    case IndexProgress::Phase::Done:
      return "done";
    case IndexProgress::Phase::Cancelled:
      return "cancelled";
  }
  return "?";
}

namespace {

// One indexing run per knowledge index at a time, across processes: an flock on
// "<index>-indexer.lock", released when the run ends or its process dies.
class RunLock {
 public:
  explicit RunLock(const fs::path& db) {
    std::string path = db.string() + "-indexer.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return;  // no lock file possible (read-only folder): the database will refuse writes anyway
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw memory::StoreError(memory::StoreProblem::Locked,
                               "cannot index: another indexing run is using the knowledge index " + db.string() +
                                   " (wait for it to finish)");
    }
  }
  ~RunLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

bool is_store_error(const Error& e) { return dynamic_cast<const memory::StoreError*>(&e) != nullptr; }

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

struct Indexer::Run {
  Indexer& self;
  Collection collection;
  IndexWriter writer;
  std::string chunking;
  std::optional<int64_t> model;
  size_t batch_size;
  ExtractLimits limits;
  IndexProgress progress;
  IndexReport report;
  Clock::time_point started = Clock::now();
  Clock::time_point indexing_started = Clock::now();
  Clock::time_point last_progress{};
  uint64_t file_bytes_done = 0;  // within the current file
  std::exception_ptr embed_error;

  Run(Indexer& s, Collection c)
      : self(s), collection(std::move(c)), writer(s.kb_, collection.id), batch_size(0), limits(s.options_.limits) {
    chunking = "extract-v" + std::to_string(kExtractorVersion) + "|" + s.counter_.id() + "|" +
               std::to_string(collection.settings.chunk_tokens) + "/" +
               std::to_string(collection.settings.overlap_tokens) + "|epoch-" +
               std::to_string(collection.chunking_epoch);
    batch_size = s.options_.batch ? s.options_.batch : (s.embedder_ ? s.embedder_->preferred_batch() : 32);
    batch_size = std::max<size_t>(batch_size, 1);
    limits.cancel = s.control_ ? &s.control_->cancel_flag() : nullptr;
  }

  void emit(bool force = false) {
    if (!self.on_progress_) return;
    auto now = Clock::now();
    if (!force && now - last_progress < self.options_.progress_interval) return;
    last_progress = now;
    double elapsed = seconds_since(indexing_started);
    uint64_t bytes = progress.bytes_done + file_bytes_done;
    if (elapsed > 0) progress.chunks_per_second = double(progress.chunks_done) / elapsed;
    if (bytes > 0 && progress.chunks_done > 0) {
      double per_byte = double(progress.chunks_done) / double(bytes);
      progress.chunks_total =
          progress.chunks_done +
          static_cast<size_t>(double(progress.bytes_to_read - std::min(bytes, progress.bytes_to_read)) * per_byte);
    }
    if (bytes > 0 && elapsed > 0.5) {
      double rate = double(bytes) / elapsed;
      progress.eta_seconds = double(progress.bytes_to_read - std::min(bytes, progress.bytes_to_read)) / rate;
    }
    self.on_progress_(progress);
  }

  void checkpoint() {
    if (!self.control_) return;
    self.control_->checkpoint([&] {
      progress.paused = true;
      emit(true);
    });
    if (progress.paused) {
      progress.paused = false;
      emit(true);
    }
  }

  void issue(const fs::path& path, const std::string& reason) {
    report.issues.push_back({path, reason});
    progress.issues = report.issues.size();
    progress.last_issue = report.issues.back();
  }

  // Embeds what is missing among `inputs` (hash -> text) and returns the encoded vectors.
  std::unordered_map<uint64_t, std::vector<uint8_t>> embed_missing(
      const std::vector<std::pair<uint64_t, std::string>>& inputs) {
    std::unordered_map<uint64_t, std::vector<uint8_t>> vectors;
    if (!self.embedder_ || !model || inputs.empty()) return vectors;
    size_t dims = self.embedder_->dims();
    std::vector<std::string_view> texts;
    for (const auto& [h, text] : inputs) texts.push_back(text);
    std::vector<float> out(texts.size() * dims);
    try {
      self.embedder_->embed(texts, EmbedKind::Document, out);
    } catch (...) {
      embed_error = std::current_exception();
      throw;
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::span<float> row(out.data() + i * dims, dims);
      normalize(row);
      vectors[inputs[i].first] = encode_vector(row, collection.settings.vector_encoding);
    }
    progress.chunks_embedded += inputs.size();
    report.chunks_embedded += inputs.size();
    return vectors;
  }

  void flush(const IndexWriter::Pending& pending, std::vector<ChunkToStore>& batch) {
    if (batch.empty()) return;
    checkpoint();
    std::vector<std::pair<uint64_t, std::string>> missing;
    if (model) {
      std::vector<uint64_t> hashes;
      for (const auto& c : batch) hashes.push_back(c.embed_hash);
      auto present = writer.vectors_present(*model, hashes);
      for (const auto& c : batch) {
        if (present.count(c.embed_hash)) {
          ++report.vectors_reused;
          continue;
        }
        present.insert(c.embed_hash);  // once per batch
        missing.emplace_back(c.embed_hash, embed_input(c.chunk.location.heading, c.chunk.text));
      }
    }
    auto vectors = embed_missing(missing);
    writer.write(pending, batch, vectors, model);
    progress.chunks_done += batch.size();
    report.chunks_written += batch.size();
    batch.clear();
    emit();
  }

  // Extracts, chunks, embeds and stores one file as a new chunk generation.
  void index_file(const FoundFile& file, std::optional<DocumentId> existing, DocumentFormat format, uint64_t hash) {
    IndexWriter::Pending pending = writer.begin(existing, file, format, hash, chunking);
    std::vector<ChunkToStore> batch;
    uint32_t count = 0;
    Chunker chunker(self.counter_, {collection.settings.chunk_tokens, collection.settings.overlap_tokens},
                    [&](Chunk&& c) {
                      uint64_t h = xxh3_64(embed_input(c.location.heading, c.text));
                      ++count;
                      if (c.ordinal < pending.stored.size()) {
                        if (pending.stored[c.ordinal] == h) return;  // written by an earlier, interrupted run
                        writer.truncate(pending, c.ordinal);
                        pending.stored.resize(c.ordinal);
                      }
                      batch.push_back({std::move(c), h});
                      if (batch.size() >= batch_size) flush(pending, batch);
                    });
    try {
      extract_document(file.path, format, limits, [&](TextBlock&& block) {
        if (block.byte_begin > file_bytes_done) file_bytes_done = std::min<uint64_t>(block.byte_begin, file.size);
        chunker.add(block);
      });
      chunker.finish();
      flush(pending, batch);
      if (count < pending.stored.size()) writer.truncate(pending, count);
      writer.finish(pending, file, hash, chunking, count);
      ++report.files_indexed;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::Cancelled || is_store_error(e) || embed_error) throw;
      writer.mark_skipped(pending.id, file, e.what(), chunking);
      ++report.files_skipped;
      issue(file.path, e.what());
    }
  }

  void skip(const FoundFile& file, std::optional<DocumentId> existing, const std::string& reason) {
    writer.mark_skipped(existing, file, reason, chunking);
    ++report.files_skipped;
    issue(file.path, reason);
  }
};

Indexer::Indexer(KnowledgeBase& kb, CollectionId collection, const TokenCounter& counter, Embedder* embedder,
                 IndexOptions options)
    : kb_(kb), collection_(collection), counter_(counter), embedder_(embedder), options_(std::move(options)) {}

IndexReport Indexer::run() {
  RunLock lock(kb_.path());
  Run r(*this, kb_.collection(collection_));
  try {
    r.checkpoint();
    if (embedder_) {
      require(embedder_->dims() > 0, "the embedder reports 0 dimensions");
      r.model = r.writer.use_model(embedder_->model_id(), embedder_->dims(), r.collection.settings.vector_encoding);
    }

    // 1. Scan.
    r.progress.phase = IndexProgress::Phase::Scanning;
    r.emit(true);
    ScanOptions scan_options;
    scan_options.cancel = r.limits.cancel;
    ScanResult scan = scan_folders(r.collection.folders, scan_options);
    for (const auto& p : scan.problems) r.issue(p.path, p.reason);
    r.report.files_found = r.progress.files_found = scan.files.size();

    // 2. Decide what to read.
    std::map<std::string, DocumentRow> rows;
    for (auto& row : r.writer.documents()) rows.emplace(row.path, std::move(row));
    std::vector<const FoundFile*> to_read;
    std::set<std::string> found;
    for (const auto& f : scan.files) {
      found.insert(f.path.string());
      auto it = rows.find(f.path.string());
      bool unchanged = it != rows.end() && it->second.state != "pending" && !it->second.pending_generation &&
                       it->second.size == static_cast<int64_t>(f.size) && it->second.mtime_ns == f.mtime_ns &&
                       it->second.chunking == r.chunking;
      if (unchanged) {
        ++r.report.files_unchanged;
        continue;
      }
      to_read.push_back(&f);
      r.progress.bytes_to_read += f.size;
    }
    r.progress.files_to_read = to_read.size();
    // Documents whose file was not found: gone, unless their folder could not be listed.
    std::multimap<uint64_t, DocumentId> vanished_by_hash;
    std::set<DocumentId> vanished;
    for (const auto& [path, row] : rows) {
      if (found.count(path)) continue;
      bool unobserved = std::any_of(scan.unobserved.begin(), scan.unobserved.end(),
                                    [&](const fs::path& dir) { return is_within(path, dir); });
      if (unobserved) continue;
      vanished.insert(row.id);
      if (row.state == "indexed" && row.content_hash && row.chunking == r.chunking && !row.pending_generation)
        vanished_by_hash.emplace(*row.content_hash, row.id);
    }

    // 3. Read what is new or changed.
    r.progress.phase = IndexProgress::Phase::Indexing;
    r.indexing_started = Clock::now();
    r.emit(true);
    for (const FoundFile* f : to_read) {
      r.checkpoint();
      r.progress.current_file = f->path.string();
      r.file_bytes_done = 0;
      r.emit();
      auto it = rows.find(f->path.string());
      std::optional<DocumentId> existing;
      if (it != rows.end()) existing = it->second.id;

      FormatGuess guess = detect_format(f->path);
      if (!guess.format) {
        r.skip(*f, existing, guess.skip_reason);
      } else {
        std::optional<uint64_t> hash;
        try {
          hash = hash_file(f->path, r.limits.cancel);
        } catch (const Error& e) {
          if (e.code() == ErrorCode::Cancelled) throw;
          r.skip(*f, existing, e.what());
        }
        if (hash) {
          const DocumentRow* row = it != rows.end() ? &it->second : nullptr;
          if (row && row->state == "indexed" && row->content_hash == hash && row->chunking == r.chunking &&
              !row->pending_generation) {
            r.writer.touch(row->id, *f);
            ++r.report.files_unchanged;
          } else if (auto moved = !row ? vanished_by_hash.find(*hash) : vanished_by_hash.end();
                     moved != vanished_by_hash.end()) {
            r.writer.move(moved->second, *f);
            vanished.erase(moved->second);
            vanished_by_hash.erase(moved);
            ++r.report.files_renamed;
          } else {
            r.index_file(*f, existing, *guess.format, *hash);
          }
        }
      }
      r.progress.bytes_done += f->size;
      r.file_bytes_done = 0;
      ++r.progress.files_done;
      r.emit();
    }
    r.progress.current_file.clear();

    // 4. Forget what is gone.
    r.progress.phase = IndexProgress::Phase::Removing;
    r.emit(true);
    std::vector<DocumentId> gone(vanished.begin(), vanished.end());
    r.writer.remove(gone);
    r.report.files_removed = gone.size();

    // 5. Vectors for live chunks that have none for this model (a model change, an earlier
    //    run without an embedder).
    if (embedder_) {
      r.progress.phase = IndexProgress::Phase::Embedding;
      r.emit(true);
      for (;;) {
        r.checkpoint();
        auto missing = r.writer.unembedded(*r.model, r.batch_size);
        if (missing.empty()) break;
        std::vector<std::pair<uint64_t, std::string>> inputs;
        for (auto& m : missing) inputs.emplace_back(m.embed_hash, std::move(m.input));
        r.writer.store_vectors(*r.model, r.embed_missing(inputs));
        r.emit();
      }
    }
    r.writer.collect_garbage();
    r.progress.phase = IndexProgress::Phase::Done;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Cancelled) throw;
    r.report.cancelled = true;
    r.progress.phase = IndexProgress::Phase::Cancelled;
  }
  r.report.seconds = seconds_since(r.started);
  r.emit(true);
  return r.report;
}

}  // namespace vole::knowledge
