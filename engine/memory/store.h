#pragma once
// Vole's conversation store: one SQLite database file (default data_dir()/vole.db) holding
// every conversation as a tree of messages. Plain C++ API, no Qt.
//
// Durability: WAL journal, synchronous=NORMAL. Each commit appends to the write-ahead log;
// the log is fsynced at checkpoints, not at every commit. A killed or crashed Vole loses
// nothing that was committed (the data is in the OS page cache and reaches the disk); a
// power cut or kernel panic can lose the last commits since the previous checkpoint but
// never corrupts the database: WAL frames carry checksums and recovery ignores a torn tail,
// so the database comes back at an earlier consistent commit. In exchange a streaming
// answer costs no fsync per batch.
//
// Threads: a Store may be shared between threads; calls are serialized by an internal mutex.
//
// Files next to the database: "<db>-wal" and "<db>-shm" (SQLite's), "<db>-lock" (marks
// the database as in use, so crash recovery never touches another live Vole's answer),
// and "<db>.v<N>-backup-<time>", a copy taken before each schema upgrade.
//
// Failures raise StoreError (store_error.h) with a problem category and a message for the
// user. Opening has safe fallbacks the app can choose:
//   - AccessMode::ReadOnly: a read-only snapshot of the file, copied into memory (works on
//     read-only files and folders, and for databases a newer migration would change);
//   - Store::open_in_memory(): an empty session store while the problem is fixed;
//   - Store::move_aside(): renames a damaged database (and its WAL) out of the way with a
//     timestamp, so the next open starts fresh. Nothing is ever deleted.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memory/store_error.h"
#include "memory/types.h"

namespace vole::memory {

namespace sqlite {
class Connection;
}

// data_dir() / "vole.db"
std::filesystem::path default_database_path();

enum class AccessMode {
  ReadWrite,
  ReadOnly,  // snapshot in memory; every write fails with StoreError ReadOnly
};

struct OpenOptions {
  std::filesystem::path path;  // empty: default_database_path()
  AccessMode mode = AccessMode::ReadWrite;
  std::chrono::milliseconds busy_timeout{5000};  // how long to wait for another process's lock
  bool create_directories = true;  // create the database's folder if missing (first launch)
  bool verify = true;              // PRAGMA quick_check on open: find damage before writing into it
  // Size limit in bytes (PRAGMA max_page_count): writes beyond it fail as DiskFull, exactly
  // like a full disk. nullopt: no limit.
  std::optional<int64_t> max_size_bytes;
  // Wall clock for timestamps (ms since epoch). Empty: the system clock.
  std::function<int64_t()> clock_ms;
};

struct ListOptions {
  bool deleted = false;  // false: live conversations; true: the trash (soft-deleted ones)
  bool pinned_first = false;
  int64_t limit = -1;  // -1: all
  int64_t offset = 0;
};

class Store {
 public:
  // Opens (creating if needed) and upgrades the database, then marks answers whose
  // writer died mid-stream as interrupted. Throws StoreError.
  static Store open(const OpenOptions& options = {});
  // A fresh store that lives only in memory (nothing is saved): the fallback while the
  // database file cannot be used.
  static Store open_in_memory(std::function<int64_t()> clock_ms = {});
  // Renames the database at `path` and its -wal/-shm files to "<path>.moved-<UTC time>"
  // (+"-wal"/"-shm") and returns the new database path. For starting fresh after the user
  // agreed; the caller must have closed every Store on it. Throws vole::Error.
  static std::filesystem::path move_aside(const std::filesystem::path& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // ---- about this store ----
  const std::filesystem::path& path() const;  // empty when in memory
  bool read_only() const;
  bool in_memory() const;  // open_in_memory() or a read-only snapshot
  // Answers found still streaming at open (their writer died) and now interrupted.
  const std::vector<MessageId>& interrupted_at_open() const;
  // Copy of the database taken before a schema upgrade at open, if one was needed.
  const std::optional<std::filesystem::path>& upgrade_backup() const;
  int64_t commit_count() const;  // transactions committed on this connection (diagnostics, tests)
  // Changes the size limit (see OpenOptions::max_size_bytes); nullopt removes it.
  void set_max_size(std::optional<int64_t> bytes);
  // PRAGMA integrity_check plus the FTS indexes' own check: "ok" or the problems found.
  std::string integrity_check();

  // ---- conversations ----
  Conversation create_conversation(const NewConversation& spec = {});
  std::optional<Conversation> conversation(ConversationId id);
  // Newest activity first (ties: newest id first).
  std::vector<Conversation> list_conversations(const ListOptions& options = {});
  void rename(ConversationId id, std::string_view title);
  void set_model(ConversationId id, std::string_view model_id);
  void set_pinned(ConversationId id, bool pinned);
  void set_system_prompt(ConversationId id, std::optional<std::string_view> prompt);
  // A JSON object of sampling overrides (temperature, top_p, ...); throws InvalidArgument otherwise.
  void set_sampling_json(ConversationId id, std::optional<std::string_view> json);
  void soft_delete(ConversationId id);  // to the trash; undo_delete brings it back
  void undo_delete(ConversationId id);
  // Permanently deletes trashed conversations deleted at or before `deleted_before_ms`
  // (all of them when nullopt); their text is also purged from the search index and the
  // WAL. Returns how many were deleted.
  int64_t purge_deleted(std::optional<int64_t> deleted_before_ms = std::nullopt);

  // ---- messages ----
  // Adds a message under spec.parent_id (default: the active leaf) and makes it the active leaf.
  Message append_message(ConversationId conversation, const NewMessage& spec);
  std::optional<Message> message(MessageId id);
  // Root -> active leaf: what the user sees and what the model is prompted with.
  std::vector<Message> active_path(ConversationId conversation);
  // Root -> `id` (e.g. the context for continuing an interrupted answer).
  std::vector<Message> path_to(MessageId id);
  // "Edit and resend": a new user message beside `user_message` (same parent) with the new
  // text; it becomes the active leaf. The original stays as a sibling branch.
  Message edit_user_message(MessageId user_message, std::string_view new_content);
  // An empty assistant answer (status streaming) under `parent` (default: active leaf), made
  // the active leaf; write it with a StreamWriter.
  Message begin_assistant(ConversationId conversation, std::optional<MessageId> parent = std::nullopt);
  // A new streaming assistant answer beside `assistant_message`; it becomes the active leaf.
  Message regenerate(MessageId assistant_message);
  // Reopens an interrupted, cancelled or failed answer that is a leaf for more streaming
  // (status back to streaming, made the active leaf). The returned message holds the
  // partial content; path_to(id) is the context to continue from.
  Message resume(MessageId assistant_message);
  // Messages sharing `id`'s parent (the roots, for a root), oldest first, `id` included.
  std::vector<Message> siblings(MessageId id);
  // Shows the branch through `id`: the active leaf becomes the newest leaf below it
  // (following the most recent child at each step).
  void select_branch(MessageId id);

  // For engine/memory's own modules (search, stream writer): exclusive use of the connection.
  struct Locked {
    std::unique_lock<std::mutex> lock;
    sqlite::Connection& conn;
    int64_t now_ms;   // the store's clock, read once for this operation
    bool read_only;   // writes must be refused (memory/write.h does)
  };
  Locked lock();

  struct Impl;  // opaque

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vole::memory
