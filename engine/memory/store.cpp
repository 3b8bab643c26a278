#include "memory/store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <system_error>

#include "memory/database_file.h"
#include "memory/images.h"
#include "memory/migrations.h"
#include "memory/recordings.h"
#include "memory/sqlite.h"
#include "memory/time_format.h"
#include "memory/write.h"
#include "util/json.h"
#include "util/paths.h"

namespace vole::memory {

namespace fs = std::filesystem;

std::filesystem::path default_database_path() { return data_dir() / "vole.db"; }

struct Store::Impl {
  std::mutex mutex;
  std::unique_ptr<sqlite::Connection> conn;
  fs::path path;
  bool read_only = false;
  bool in_memory = false;
  std::vector<MessageId> interrupted;
  std::optional<fs::path> upgrade_backup;
  std::atomic<int64_t> commits{0};
  std::function<int64_t()> clock;
  int owner_fd = -1;  // flock'ed "<db>-lock": shared while open, exclusive during crash recovery

  ~Impl() {
    conn.reset();  // close the database before giving up the owner lock
    if (owner_fd >= 0) ::close(owner_fd);
  }
  int64_t now() const { return clock ? clock() : system_now_ms(); }
};

namespace {

// ---- reading rows ----

constexpr std::string_view kConversationColumns =
    "c.id, c.title, c.created_at, c.updated_at, c.model_id, c.system_prompt, c.sampling_json, c.pinned, "
    "c.deleted_at, c.active_leaf_id";

Conversation read_conversation(const sqlite::Statement& st) {
  Conversation c;
  c.id = st.int64(0);
  c.title = st.text(1);
  c.created_at_ms = st.int64(2);
  c.updated_at_ms = st.int64(3);
  c.model_id = st.text(4);
  c.system_prompt = st.optional_text(5);
  c.sampling_json = st.optional_text(6);
  c.pinned = st.int64(7) != 0;
  c.deleted_at_ms = st.optional_int64(8);
  c.active_leaf_id = st.optional_int64(9);
  return c;
}

// Sibling position is computed in the query (messages_by_parent makes it an index lookup).
constexpr std::string_view kMessageColumns =
    "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning, m.status, m.error, m.created_at, "
    "m.stats_json, "
    "(SELECT count(*) FROM messages s WHERE s.parent_id IS m.parent_id AND s.conversation_id = m.conversation_id), "
    "(SELECT count(*) FROM messages s WHERE s.parent_id IS m.parent_id AND s.conversation_id = m.conversation_id "
    "AND s.id < m.id)";

Message read_message(const sqlite::Statement& st) {
  Message m;
  m.id = st.int64(0);
  m.conversation_id = st.int64(1);
  m.parent_id = st.optional_int64(2);
  m.role = role_from_name(st.text(3));
  m.content = st.text(4);
  m.reasoning = st.text(5);
  m.status = status_from_name(st.text(6));
  m.error = st.optional_text(7);
  m.created_at_ms = st.int64(8);
  if (auto stats = st.optional_text(9)) m.stats = stats_from_json(*stats);
  m.sibling_count = static_cast<int>(st.int64(10));
  m.sibling_index = static_cast<int>(st.int64(11));
  return m;
}

std::string sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

std::optional<Conversation> find_conversation(sqlite::Connection& conn, ConversationId id) {
  auto st = conn.prepare(sql({"SELECT ", kConversationColumns, " FROM conversations c WHERE c.id = ?1"}));
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_conversation(st);
}

Conversation get_conversation(sqlite::Connection& conn, ConversationId id) {
  auto c = find_conversation(conn, id);
  if (!c) fail(ErrorCode::NotFound, "no conversation " + std::to_string(id) + " in " + conn.display_path());
  return *c;
}

std::optional<Message> find_message(sqlite::Connection& conn, MessageId id) {
  auto st = conn.prepare(sql({"SELECT ", kMessageColumns, " FROM messages m WHERE m.id = ?1"}));
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_message(st);
}

Message get_message(sqlite::Connection& conn, MessageId id) {
  auto m = find_message(conn, id);
  if (!m) fail(ErrorCode::NotFound, "no message " + std::to_string(id) + " in " + conn.display_path());
  return *m;
}

std::vector<Message> path_to_message(sqlite::Connection& conn, MessageId id) {
  // Walk parent links up from `id`; depth orders the result root first. Parents always
  // have smaller ids than their children (they exist first), so the walk cannot cycle.
  auto st =
      conn.prepare(sql({"WITH RECURSIVE up(id, depth) AS ("
                        "  SELECT ?1, 0"
                        "  UNION ALL"
                        "  SELECT p.parent_id, up.depth + 1 FROM messages p JOIN up ON p.id = up.id"
                        "  WHERE p.parent_id IS NOT NULL AND p.parent_id < p.id"
                        ") SELECT ",
                        kMessageColumns, " FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC"}));
  st.bind(1, id);
  std::vector<Message> path;
  while (st.step()) path.push_back(read_message(st));
  if (path.empty()) fail(ErrorCode::NotFound, "no message " + std::to_string(id) + " in " + conn.display_path());
  return path;
}

std::optional<std::string> valid_sampling_json(std::optional<std::string_view> json) {
  if (!json) return std::nullopt;
  auto parsed = parse_json_or_discarded(*json);
  require(parsed.is_object(), "sampling overrides must be a JSON object, got: " + std::string(json->substr(0, 80)));
  return std::string(*json);
}

// ---- writing rows (callers hold a transaction) ----

MessageId insert_message(sqlite::Connection& conn, ConversationId conversation, std::optional<MessageId> parent,
                         const NewMessage& spec, int64_t now) {
  if (parent) {
    auto st = conn.prepare("SELECT conversation_id FROM messages WHERE id = ?1");
    st.bind(1, *parent);
    require(st.step(), "parent message " + std::to_string(*parent) + " does not exist");
    require(st.int64(0) == conversation, "parent message " + std::to_string(*parent) +
                                             " belongs to another conversation than " + std::to_string(conversation));
  }
  auto st = conn.prepare(
      "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, status, error, created_at, "
      "stats_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  st.bind(1, conversation).bind(2, parent).bind(3, role_name(spec.role)).bind(4, spec.content);
  st.bind(5, spec.reasoning).bind(6, status_name(spec.status)).bind(7, spec.error).bind(8, now);
  if (spec.stats) st.bind(9, stats_to_json(*spec.stats));
  st.run();
  return conn.last_insert_rowid();
}

void set_active_leaf(sqlite::Connection& conn, ConversationId conversation, MessageId leaf,
                     std::optional<int64_t> touch_time) {
  auto st =
      conn.prepare("UPDATE conversations SET active_leaf_id = ?2, updated_at = coalesce(?3, updated_at) WHERE id = ?1");
  st.bind(1, conversation).bind(2, leaf).bind(3, touch_time).run();
}

// Adds a message as a new leaf and shows it: the shared core of append, edit, regenerate.
Message add_leaf(sqlite::Connection& conn, ConversationId conversation, std::optional<MessageId> parent,
                 const NewMessage& spec, int64_t now) {
  MessageId id = insert_message(conn, conversation, parent, spec, now);
  set_active_leaf(conn, conversation, id, now);
  return get_message(conn, id);
}

std::string file_uri(const fs::path& path, std::string_view query) {
  // RFC 3986 percent-encoding of everything but unreserved characters and '/'.
  std::string uri = "file:";
  for (unsigned char ch : fs::absolute(path).string()) {
    if (std::isalnum(ch) || ch == '/' || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      uri += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      uri += buf;
    }
  }
  return uri + "?" + std::string(query);
}

// `base`, or `base` + "-2", "-3"... : the first name not taken (timestamps repeat within a second).
fs::path unused_path(const fs::path& base) {
  std::error_code ec;
  fs::path candidate = base;
  for (int n = 2; fs::exists(candidate, ec) || fs::exists(candidate.string() + "-wal", ec); ++n)
    candidate = fs::path(base.string() + "-" + std::to_string(n));
  return candidate;
}

// ---- opening ----

void apply_size_limit(sqlite::Connection& conn, std::optional<int64_t> bytes) {
  int64_t page_size = conn.query_int64("PRAGMA page_size");
  int64_t pages = bytes ? std::max<int64_t>(1, *bytes / page_size) : 0xFFFFFFFE;  // SQLite's own maximum
  conn.exec("PRAGMA max_page_count = " + std::to_string(pages));
}

std::optional<fs::path> backup_before_upgrade(sqlite::Connection& conn, const fs::path& path, int version,
                                              int64_t now) {
  if (version == 0 || version >= kSchemaVersion) return std::nullopt;
  fs::path backup = unused_path(path.string() + ".v" + std::to_string(version) + "-backup-" + file_timestamp_utc(now));
  sqlite::Operation op(conn, "cannot back up the conversation database before upgrading it");
  auto st = conn.prepare("VACUUM INTO ?1");
  st.bind(1, backup.string()).run();
  return backup;
}

std::vector<MessageId> mark_interrupted(sqlite::Connection& conn) {
  sqlite::Operation op(conn, "cannot recover interrupted answers");
  sqlite::Transaction tx(conn);
  std::vector<MessageId> ids;
  auto st = conn.prepare("UPDATE messages SET status = 'interrupted' WHERE status = 'streaming' RETURNING id");
  while (st.step()) ids.push_back(st.int64(0));
  tx.commit();
  return ids;
}

// Streaming answers whose writer died are marked interrupted, but only when no other
// process has the database open: another Vole's live answer is streaming, not dead.
// Each open Store holds a shared flock on "<db>-lock"; recovery needs it exclusively.
void recover_streams(Store::Impl& impl) {
  fs::path lock_path = impl.path;
  lock_path += "-lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    // No lock file possible (odd permissions): recover anyway rather than show answers
    // as streaming forever.
    impl.interrupted = mark_interrupted(*impl.conn);
    return;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) impl.interrupted = mark_interrupted(*impl.conn);
  ::flock(fd, LOCK_SH);  // downgrade, or wait out another opener's short recovery
  impl.owner_fd = fd;
}

void backup_database(sqlite::Connection& from, sqlite::Connection& to) {
  sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (!backup) to.fail(sqlite3_errcode(to.handle()), "cannot read the conversation database");
  int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) from.fail(rc, "cannot read the conversation database");
}

// A private copy of the database file and its WAL in a fresh 0700 temp folder, removed
// when this goes out of scope.
struct PrivateCopy {
  fs::path dir;
  explicit PrivateCopy(const fs::path& db) {
    std::string pattern = (fs::temp_directory_path() / "vole-snapshot-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw StoreError(StoreProblem::Io, "cannot open the conversation database read-only: no temporary folder (" +
                                             std::string(std::strerror(errno)) + ")");
    dir = pattern;
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
      fs::path from = db.string() + suffix;
      if (fs::exists(from, ec)) fs::copy_file(from, dir / (std::string("vole.db") + suffix), ec);
      if (!ec) continue;
      remove();
      throw StoreError(
          ec == std::errc::no_space_on_device ? StoreProblem::DiskFull : StoreProblem::Io,
          "cannot open the conversation database read-only: cannot copy " + from.string() + " (" + ec.message() + ")");
    }
  }
  ~PrivateCopy() { remove(); }
  void remove() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// Fills the in-memory `snapshot` with the database at `path` without writing to it.
void copy_into_memory(sqlite::Connection& snapshot, const fs::path& path, std::chrono::milliseconds busy_timeout) {
  const std::string display = path.string();
  try {
    sqlite::Connection source(file_uri(path, "mode=ro"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, display);
    sqlite3_busy_timeout(source.handle(), static_cast<int>(busy_timeout.count()));
    backup_database(source, snapshot);
    return;
  } catch (const StoreError& e) {
    if (e.problem() == StoreProblem::Corrupt || e.problem() == StoreProblem::Locked) throw;
  }
  // SQLite cannot read a WAL database read-only when the folder does not let it create the
  // WAL index (-shm). Read a private copy instead: the copy's WAL is replayed there, so
  // changes not yet checkpointed into the main file are seen too.
  PrivateCopy copy(path);
  sqlite::Connection source((copy.dir / "vole.db").string(), SQLITE_OPEN_READWRITE, display);
  backup_database(source, snapshot);
}

void install_commit_counter(Store::Impl& impl) {
  sqlite3_commit_hook(
      impl.conn->handle(),
      [](void* counter) {
        static_cast<std::atomic<int64_t>*>(counter)->fetch_add(1);
        return 0;
      },
      &impl.commits);
}

}  // namespace

// ---- Store: opening ----

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Store Store::open(const OpenOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->clock = options.clock_ms;
  impl->path = options.path.empty() ? default_database_path() : options.path;
  const std::string display = impl->path.string();

  if (options.mode == AccessMode::ReadOnly) {
    // A snapshot: copy the file into memory through a read-only connection, then upgrade
    // and recover the copy. The file itself is never written.
    if (!fs::exists(impl->path))
      throw StoreError(StoreProblem::NoDirectory,
                       "cannot open the conversation database read-only: " + display + " does not exist");
    impl->read_only = impl->in_memory = true;
    impl->conn = std::make_unique<sqlite::Connection>(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, display);
    copy_into_memory(*impl->conn, impl->path, options.busy_timeout);
    configure_connection(*impl->conn, options.busy_timeout);
    migrate(*impl->conn);
    try {
      impl->interrupted = mark_interrupted(*impl->conn);
    } catch (const StoreError& e) {
      // Damage (e.g. to the search index, which the update's triggers open) must not keep
      // the user from reading what survives: streaming answers stay as they were, and the
      // reads that meet the damage say so.
      if (e.problem() != StoreProblem::Corrupt) throw;
    }
    impl->conn->exec("PRAGMA query_only = ON");
    install_commit_counter(*impl);
    return Store(std::move(impl));
  }

  ensure_database_directory(impl->path, options.create_directories, "conversation database");
  impl->conn = std::make_unique<sqlite::Connection>(display, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, display);
  auto& conn = *impl->conn;
  install_commit_counter(*impl);
  configure_connection(conn, options.busy_timeout);
  if (sqlite3_db_readonly(conn.handle(), "main") == 1)
    conn.fail(StoreProblem::ReadOnly, "cannot open the conversation database for writing", "the file is read-only");
  {
    sqlite::Operation op(conn, "cannot open the conversation database");
    if (options.verify) verify_database(conn);
    require_known_version(conn);  // before anything writes to a file a newer Vole owns
    enter_wal_mode(conn);
  }
  apply_size_limit(conn, options.max_size_bytes);
  impl->upgrade_backup = backup_before_upgrade(conn, impl->path, schema_version(conn), impl->now());
  migrate(conn);
  recover_streams(*impl);
  return Store(std::move(impl));
}

Store Store::open_in_memory(std::function<int64_t()> clock_ms) {
  auto impl = std::make_unique<Impl>();
  impl->clock = std::move(clock_ms);
  impl->in_memory = true;
  impl->conn = std::make_unique<sqlite::Connection>(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, ":memory:");
  install_commit_counter(*impl);
  configure_connection(*impl->conn, std::chrono::milliseconds(0));
  migrate(*impl->conn);
  return Store(std::move(impl));
}

fs::path Store::move_aside(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(ErrorCode::NotFound, "cannot move aside " + path.string() + ": it does not exist");
  fs::path target = unused_path(path.string() + ".moved-" + file_timestamp_utc(system_now_ms()));
  // The WAL goes first: a database file left without its WAL is an older consistent state,
  // while a fresh database next to a stale WAL could replay foreign pages.
  for (const char* suffix : {"-wal", "-shm", ""}) {
    fs::path from = path.string() + suffix;
    if (!fs::exists(from, ec)) continue;
    fs::rename(from, target.string() + suffix, ec);
    if (ec) fail(ErrorCode::Io, "cannot move " + from.string() + " aside: " + ec.message());
  }
  return target;
}

// ---- Store: about ----

const fs::path& Store::path() const { return impl_->path; }
bool Store::read_only() const { return impl_->read_only; }
bool Store::in_memory() const { return impl_->in_memory; }
const std::vector<MessageId>& Store::interrupted_at_open() const { return impl_->interrupted; }
const std::optional<fs::path>& Store::upgrade_backup() const { return impl_->upgrade_backup; }
int64_t Store::commit_count() const { return impl_->commits.load(); }

Store::Locked Store::lock() {
  std::unique_lock guard(impl_->mutex);
  return Locked{std::move(guard), *impl_->conn, impl_->now(), impl_->read_only};
}

void Store::set_max_size(std::optional<int64_t> bytes) {
  auto l = lock();
  apply_size_limit(l.conn, bytes);
}

std::string Store::integrity_check() {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot check the conversation database");
  std::string report;
  auto st = l.conn.prepare("PRAGMA integrity_check");
  while (st.step()) report += (report.empty() ? "" : "; ") + st.text(0);
  if (report != "ok") return report;
  // rank = 1 also compares the index against the tables it indexes.
  for (const char* table : {"message_fts", "conversation_fts"}) {
    try {
      l.conn.exec(std::string("INSERT INTO ") + table + "(" + table + ", rank) VALUES ('integrity-check', 1)");
    } catch (const Error& e) {
      return std::string(table) + ": " + e.what();
    }
  }
  return "ok";
}

// ---- Store: conversations ----

Conversation Store::create_conversation(const NewConversation& spec) {
  auto sampling = valid_sampling_json(spec.sampling_json);
  auto l = lock();
  Write w(l, "cannot create the conversation");
  auto st = l.conn.prepare(
      "INSERT INTO conversations (title, model_id, created_at, updated_at, system_prompt, sampling_json) "
      "VALUES (?1, ?2, ?3, ?3, ?4, ?5)");
  st.bind(1, spec.title).bind(2, spec.model_id).bind(3, l.now_ms).bind(4, spec.system_prompt).bind(5, sampling).run();
  auto id = l.conn.last_insert_rowid();
  w.commit();
  return get_conversation(l.conn, id);
}

std::optional<Conversation> Store::conversation(ConversationId id) {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot read the conversation");
  return find_conversation(l.conn, id);
}

std::vector<Conversation> Store::list_conversations(const ListOptions& options) {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot list conversations");
  std::string order = options.pinned_first ? "c.pinned DESC, " : "";
  order += options.deleted ? "c.deleted_at DESC, c.id DESC" : "c.updated_at DESC, c.id DESC";
  auto st = l.conn.prepare(sql({"SELECT ", kConversationColumns, " FROM conversations c WHERE c.deleted_at IS ",
                                options.deleted ? "NOT NULL" : "NULL", " ORDER BY ", order, " LIMIT ?1 OFFSET ?2"}));
  st.bind(1, options.limit).bind(2, options.offset);
  std::vector<Conversation> out;
  while (st.step()) out.push_back(read_conversation(st));
  return out;
}

namespace {
// UPDATE conversations SET <assignment> WHERE id = ?1, with the value bound to ?2.
template <class Value>
void update_conversation(Store::Locked& l, ConversationId id, const char* what, std::string_view assignment,
                         const Value& value) {
  Write w(l, what);
  auto st = l.conn.prepare(sql({"UPDATE conversations SET ", assignment, " WHERE id = ?1"}));
  st.bind(1, id).bind(2, value).run();
  if (l.conn.changes() == 0) get_conversation(l.conn, id);  // throws NotFound
  w.commit();
}
}  // namespace

void Store::rename(ConversationId id, std::string_view title) {
  auto l = lock();
  update_conversation(l, id, "cannot rename the conversation", "title = ?2", title);
}

void Store::set_model(ConversationId id, std::string_view model_id) {
  auto l = lock();
  update_conversation(l, id, "cannot change the conversation's model", "model_id = ?2", model_id);
}

void Store::set_pinned(ConversationId id, bool pinned) {
  auto l = lock();
  update_conversation(l, id, "cannot pin the conversation", "pinned = ?2", int64_t{pinned});
}

void Store::set_system_prompt(ConversationId id, std::optional<std::string_view> prompt) {
  auto l = lock();
  update_conversation(l, id, "cannot save the system prompt", "system_prompt = ?2", prompt);
}

void Store::set_sampling_json(ConversationId id, std::optional<std::string_view> json) {
  auto sampling = valid_sampling_json(json);
  auto l = lock();
  update_conversation(l, id, "cannot save the sampling settings", "sampling_json = ?2", sampling);
}

void Store::soft_delete(ConversationId id) {
  auto l = lock();
  update_conversation(l, id, "cannot delete the conversation", "deleted_at = coalesce(deleted_at, ?2)", l.now_ms);
}

void Store::undo_delete(ConversationId id) {
  auto l = lock();
  update_conversation(l, id, "cannot restore the conversation", "deleted_at = ?2", std::nullopt);
}

int64_t Store::purge_deleted(std::optional<int64_t> deleted_before_ms) {
  auto l = lock();
  int64_t purged = 0;
  {
    Write w(l, "cannot empty the trash");
    auto st = l.conn.prepare("DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?1");
    st.bind(1, deleted_before_ms.value_or(INT64_MAX)).run();
    purged = l.conn.changes();
    w.commit();
  }
  if (purged > 0) {
    // Privacy: merge the FTS segments so deleted words leave the index, and truncate the
    // WAL, which may still hold the deleted text. Best effort: the rows are gone already.
    // Optimizing needs free space; on a full disk the words stay in the index (unreachable:
    // their rows are gone) until a later purge optimizes.
    try {
      for (const char* table : {"message_fts", "conversation_fts"})
        l.conn.exec(std::string("INSERT INTO ") + table + "(" + table + ") VALUES ('optimize')");
    } catch (const StoreError&) {
    }
    if (!impl_->in_memory)
      sqlite3_wal_checkpoint_v2(l.conn.handle(), "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    const fs::path db = impl_->in_memory ? fs::path() : impl_->path;
    remove_unreferenced_image_files(l, image_folder_for(db));
    remove_unreferenced_recording_files(l, recording_folder_for(db));
  }
  return purged;
}

// ---- Store: messages ----

Message Store::append_message(ConversationId conversation, const NewMessage& spec) {
  auto l = lock();
  Write w(l, "cannot save the message");
  auto parent = spec.parent_id ? spec.parent_id : get_conversation(l.conn, conversation).active_leaf_id;
  auto m = add_leaf(l.conn, conversation, parent, spec, l.now_ms);
  w.commit();
  return m;
}

std::optional<Message> Store::message(MessageId id) {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot read the message");
  return find_message(l.conn, id);
}

std::vector<Message> Store::active_path(ConversationId conversation) {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot read the conversation");
  auto leaf = get_conversation(l.conn, conversation).active_leaf_id;
  return leaf ? path_to_message(l.conn, *leaf) : std::vector<Message>{};
}

std::vector<Message> Store::path_to(MessageId id) {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot read the conversation");
  return path_to_message(l.conn, id);
}

Message Store::edit_user_message(MessageId user_message, std::string_view new_content) {
  auto l = lock();
  Write w(l, "cannot save the edited message");
  auto original = get_message(l.conn, user_message);
  require(original.role == Role::User, "only user messages can be edited; message " + std::to_string(user_message) +
                                           " is " + std::string(role_name(original.role)));
  NewMessage spec{.role = Role::User, .content = std::string(new_content)};
  auto m = add_leaf(l.conn, original.conversation_id, original.parent_id, spec, l.now_ms);
  copy_message_images(l, user_message, m.id);  // the edit keeps the original's pictures
  w.commit();
  return m;
}

Message Store::begin_assistant(ConversationId conversation, std::optional<MessageId> parent) {
  auto l = lock();
  Write w(l, "cannot start the answer");
  if (!parent) parent = get_conversation(l.conn, conversation).active_leaf_id;
  auto m = add_leaf(l.conn, conversation, parent,
                    NewMessage{.role = Role::Assistant, .status = MessageStatus::Streaming}, l.now_ms);
  w.commit();
  return m;
}

Message Store::regenerate(MessageId assistant_message) {
  auto l = lock();
  Write w(l, "cannot start the new answer");
  auto original = get_message(l.conn, assistant_message);
  require(original.role == Role::Assistant, "only answers can be regenerated; message " +
                                                std::to_string(assistant_message) + " is " +
                                                std::string(role_name(original.role)));
  auto m = add_leaf(l.conn, original.conversation_id, original.parent_id,
                    NewMessage{.role = Role::Assistant, .status = MessageStatus::Streaming}, l.now_ms);
  w.commit();
  return m;
}

Message Store::resume(MessageId assistant_message) {
  auto l = lock();
  Write w(l, "cannot continue the answer");
  auto m = get_message(l.conn, assistant_message);
  std::string name = "message " + std::to_string(assistant_message);
  require(m.role == Role::Assistant,
          "only answers can be continued; " + name + " is " + std::string(role_name(m.role)));
  require(m.status == MessageStatus::Interrupted || m.status == MessageStatus::Cancelled ||
              m.status == MessageStatus::Error,
          "only an interrupted, cancelled or failed answer can be continued; " + name + " is " +
              std::string(status_name(m.status)));
  auto children = l.conn.prepare("SELECT count(*) FROM messages WHERE parent_id = ?1");
  children.bind(1, assistant_message).step();
  require(children.int64(0) == 0, name + " already has replies; regenerate it instead of continuing");
  auto st = l.conn.prepare("UPDATE messages SET status = 'streaming', error = NULL WHERE id = ?1");
  st.bind(1, assistant_message).run();
  set_active_leaf(l.conn, m.conversation_id, assistant_message, l.now_ms);
  auto resumed = get_message(l.conn, assistant_message);
  w.commit();
  return resumed;
}

std::vector<Message> Store::siblings(MessageId id) {
  auto l = lock();
  sqlite::Operation op(l.conn, "cannot read the conversation");
  auto m = get_message(l.conn, id);
  auto st = l.conn.prepare(sql({"SELECT ", kMessageColumns,
                                " FROM messages m WHERE m.conversation_id = ?1 AND m.parent_id IS ?2 ORDER BY m.id"}));
  st.bind(1, m.conversation_id).bind(2, m.parent_id);
  std::vector<Message> out;
  while (st.step()) out.push_back(read_message(st));
  return out;
}

void Store::select_branch(MessageId id) {
  auto l = lock();
  Write w(l, "cannot switch branches");
  auto m = get_message(l.conn, id);
  MessageId leaf = id;
  for (;;) {
    auto st = l.conn.prepare("SELECT id FROM messages WHERE parent_id = ?1 ORDER BY id DESC LIMIT 1");
    st.bind(1, leaf);
    if (!st.step()) break;
    leaf = st.int64(0);
  }
  set_active_leaf(l.conn, m.conversation_id, leaf, std::nullopt);  // browsing is not activity
  w.commit();
}

}  // namespace vole::memory
