// The SQLite decision archive: WAL journal, synchronous commits, one transaction per batch.
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <map>
#include <mutex>

#include "archive_chain.h"

namespace steward::archive_internal {
namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS decisions (
  seq INTEGER PRIMARY KEY,
  decision_id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  agreement_digest TEXT NOT NULL,
  agreement TEXT NOT NULL,
  pack_name TEXT NOT NULL,
  pack_version TEXT NOT NULL,
  pack_digest TEXT NOT NULL,
  decision TEXT NOT NULL,
  document TEXT NOT NULL,
  caller TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_agreement ON decisions(agreement_id);
CREATE INDEX IF NOT EXISTS decisions_reviews ON decisions(agreement_id, seq) WHERE decision = 'review';
CREATE TABLE IF NOT EXISTS chain_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
)";

class SqliteArchive : public ChainedArchive {
 public:
  SqliteArchive(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteArchive() override {
    finish_checkpoints();
    for (auto& [sql, stmt] : writer_stmts_.prepared) sqlite3_finalize(stmt);
    for (Reader& rd : readers_) {
      for (auto& [sql, stmt] : rd.prepared) sqlite3_finalize(stmt);
      if (rd.db) sqlite3_close(rd.db);
    }
    sqlite3_close(db_);
  }

  bool init(ArchiveMode mode, std::string* error) {
    if (mode == ArchiveMode::kExisting) {
      // Read what is there; create nothing. An emptied or foreign file has no archive tables.
      if (!exec("PRAGMA busy_timeout=5000;", error)) return false;
      Stmt s(db_,
             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
             "('decisions', 'chain_head');");
      if (s.step() != SQLITE_ROW || sqlite3_column_int64(s.get(), 0) != 2) {
        *error = fmt::format(
            "`{}` is not a steward archive (it has no decisions table): it "
            "was emptied, replaced or never written",
            path_);
        return false;
      }
      // A reader of an archive written before the standing table finds the queues by scanning.
      Stmt t(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'standing';");
      standing_ = t.step() == SQLITE_ROW && sqlite3_column_int64(t.get(), 0) == 1;
    } else {
      for (const char* sql : {"PRAGMA page_size=16384;", "PRAGMA journal_mode=WAL;",
                              "PRAGMA synchronous=FULL;", "PRAGMA busy_timeout=5000;", kSchema}) {
        if (!exec(sql, error)) return false;
      }
      if (!create_standing(error)) return false;
    }
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) {
      dev_ = st.st_dev;
      ino_ = st.st_ino;
    }
    return true;
  }

  // Creates the standing table, filled from the records when it is new (an archive written
  // before it existed), in one transaction so that two processes opening it do not both fill.
  bool create_standing(std::string* error) {
    if (!exec("BEGIN IMMEDIATE;", error)) return false;
    bool fill = false;
    {
      Stmt t(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'standing';");
      fill = t.step() == SQLITE_ROW && sqlite3_column_int64(t.get(), 0) == 0;
    }
    if (!exec(kStandingSchema, error) || (fill && !exec(kStandingFill, error)) ||
        !exec("COMMIT;", error))
      return rollback(error);
    standing_ = true;
    return true;
  }

  // The file at the archive's path must still be the one opened: if it was unlinked or
  // replaced, a commit would land in a file nobody will read again, so nothing is decided.
  bool store_intact(std::string* error) override {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      *error = fmt::format("the archive file `{}` was removed; no decision is given", path_);
      return false;
    }
    if (st.st_dev != dev_ || st.st_ino != ino_) {
      *error = fmt::format("the archive file `{}` was replaced; no decision is given", path_);
      return false;
    }
    return true;
  }

  bool write_batch(std::vector<BatchItem>& items, std::string* error) override {
    // known_without_reviews gives no seqs here, so nothing is checked: an item with one
    // arrives marked stale (ChainedArchive), and only stale items are left out.
    std::vector<ArchiveRecord*> batch;
    batch.reserve(items.size());
    for (const BatchItem& item : items)
      if (!item.stale) batch.push_back(item.record);
    if (batch.empty()) return true;
    std::lock_guard<std::mutex> lock(mu_);
    // The batch's statements are prepared once (writer_stmts_, under mu_): preparing them
    // again for every batch was a tenth of the writer's time.
    writer_stmts_.db = db_;
    // IMMEDIATE takes the write lock first, so another process cannot move the head between
    // our read of it and our commit.
    {
      Stmt begin(writer_stmts_, "BEGIN IMMEDIATE;");
      if (begin.step() != SQLITE_DONE) {
        *error = fmt::format("the archive cannot be written: {}", sqlite3_errmsg(db_));
        return false;
      }
    }
    ChainHead head;
    {
      Stmt s(writer_stmts_, "SELECT seq, hash FROM chain_head WHERE id = 1;");
      if (s.step() == SQLITE_ROW) head = {sqlite3_column_int64(s.get(), 0), s.text(1)};
    }
    head = link(batch, head);
    Stmt ins(writer_stmts_,
             "INSERT INTO decisions (seq, decision_id, time, agreement_id, agreement_digest, "
             "agreement, pack_name, "
             "pack_version, pack_digest, decision, document, caller, prev_hash, hash) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?);");
    for (const ArchiveRecord* r : batch) {
      sqlite3_reset(ins.get());
      ins.bind(1, r->seq);
      int i = 2;
      for (const std::string* v :
           {&r->decision_id, &r->time, &r->agreement_id, &r->agreement_digest, &r->agreement,
            &r->pack_name, &r->pack_version, &r->pack_digest, &r->decision, &r->document,
            &r->caller, &r->prev_hash, &r->hash}) {
        ins.bind_kept(i++, *v);
      }
      if (ins.step() != SQLITE_DONE) return rollback(error);
    }
    if (standing_) {
      static const std::string upsert =
          std::string("INSERT INTO standing (agreement_id, seq, decision) VALUES (?, ?, ?)") +
          kStandingUpsertTail + ";";
      Stmt stand(writer_stmts_, upsert);
      for (const ArchiveRecord* r : batch) {
        if (r->is_review()) continue;
        sqlite3_reset(stand.get());
        stand.bind(1, r->agreement_id);
        stand.bind(2, r->seq);
        stand.bind(3, r->decision);
        if (stand.step() != SQLITE_DONE) return rollback(error);
      }
    }
    {
      Stmt upd(writer_stmts_,
               "INSERT INTO chain_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO "
               "UPDATE SET seq = excluded.seq, hash = excluded.hash;");
      upd.bind(1, head.seq);
      upd.bind(2, head.hash);
      if (upd.step() != SQLITE_DONE) return rollback(error);
    }
    Stmt commit(writer_stmts_, "COMMIT;");
    if (commit.step() != SQLITE_DONE) return rollback(error);
    return true;
  }

  std::optional<ChainHead> stored_head() override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s(db_, "SELECT seq, hash FROM chain_head WHERE id = 1;");
    if (s.step() != SQLITE_ROW) return std::nullopt;
    return ChainHead{sqlite3_column_int64(s.get(), 0), s.text(1)};
  }

  std::vector<ArchiveRecord> list(const ArchiveQuery& q) override {
    const SqlQuery sql = sql_query(
        q, [](size_t i) { return "?" + std::to_string(i); }, false, standing_);
    const std::string text =
        "SELECT decisions.* FROM " + sql.from + " WHERE " + sql.where + sql.tail + ";";
    auto [rd, lock] = reader();
    Stmt s(*rd, text);
    for (size_t i = 0; i < sql.params.size(); ++i) s.bind(static_cast<int>(i + 1), sql.params[i]);
    return rows(s);
  }

  std::optional<ArchiveRecord> get(std::string_view decision_id) override {
    auto [rd, lock] = reader();
    Stmt s(*rd, "SELECT * FROM decisions WHERE decision_id = ?1;");
    s.bind(1, std::string(decision_id));
    auto r = rows(s);
    if (r.empty()) return std::nullopt;
    return r.front();
  }

  std::vector<ArchiveRecord> reviews_on(std::string_view agreement_id, size_t limit) override {
    auto [rd, lock] = reader();
    Stmt s(*rd,
           "SELECT * FROM decisions WHERE agreement_id = ?1 AND decision = 'review' "
           "ORDER BY seq DESC LIMIT ?2;");
    s.bind(1, std::string(agreement_id));
    s.bind(2, static_cast<int64_t>(limit));
    return rows(s);
  }

  std::vector<ArchiveRecord> all() override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s(db_, "SELECT * FROM decisions ORDER BY seq;");
    return rows(s);
  }

 private:
  // Reads go through connections of their own (see Reader), each keeping its prepared
  // statements: preparing one cost as much as running it for the per-decision review lookup.
  struct Reader {
    std::mutex mu;
    sqlite3* db = nullptr;
    std::map<std::string, sqlite3_stmt*> prepared;  // by SQL text, under mu
  };

  class Stmt {
   public:
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
    // A statement of the reader's cache, prepared on first use; the caller holds rd.mu.
    Stmt(Reader& rd, const std::string& sql) : cached_(true) {
      auto it = rd.prepared.find(sql);
      if (it != rd.prepared.end()) {
        s_ = it->second;
        return;
      }
      if (sqlite3_prepare_v3(rd.db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) ==
              SQLITE_OK &&
          s_ != nullptr)
        rd.prepared.emplace(sql, s_);
      else
        cached_ = false;  // finalized here: nothing failed is kept
    }
    ~Stmt() {
      if (!cached_) {
        sqlite3_finalize(s_);
      } else {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
      }
    }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    sqlite3_stmt* get() { return s_; }
    void bind(int i, const std::string& v) {
      sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    // For text that outlives the statement's step (a batch's records): not copied.
    void bind_kept(int i, const std::string& v) {
      sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    }
    void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
    int step() { return s_ ? sqlite3_step(s_) : SQLITE_ERROR; }
    std::string text(int col) {
      const unsigned char* t = sqlite3_column_text(s_, col);
      return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s_, col))
               : std::string();
    }

   private:
    sqlite3_stmt* s_ = nullptr;
    bool cached_ = false;
  };

  std::vector<ArchiveRecord> rows(Stmt& s) {
    std::vector<ArchiveRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      ArchiveRecord r;
      r.seq = sqlite3_column_int64(s.get(), 0);
      std::string* fields[] = {&r.decision_id, &r.time,      &r.agreement_id, &r.agreement_digest,
                               &r.agreement,   &r.pack_name, &r.pack_version, &r.pack_digest,
                               &r.decision,    &r.document,  &r.caller,       &r.prev_hash,
                               &r.hash};
      for (int i = 0; i < 13; ++i) *fields[i] = s.text(i + 1);
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE)
      throw std::runtime_error(
          fmt::format("cannot read the archive: {}",
                      s.get() ? sqlite3_errmsg(sqlite3_db_handle(s.get())) : "query not prepared"));
    return out;
  }

  bool exec(const char* sql, std::string* error) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      *error = fmt::format("the archive cannot be written: {}", msg ? msg : sqlite3_errmsg(db_));
      sqlite3_free(msg);
      return false;
    }
    return true;
  }

  bool rollback(std::string* error) {
    if (error->empty())
      *error = fmt::format("the archive cannot be written: {}", sqlite3_errmsg(db_));
    sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    return false;
  }

  // Reads (list, get, reviews) go through connections of their own: in WAL mode they then never
  // wait for a batch's commit and fsync under mu_, which every decision taken with approvals
  // from review records would otherwise do; a few, so that deciding threads seldom queue.
  static constexpr size_t kReaders = 4;

  // A reader, locked, its connection opened on first use (pick_reader).
  std::pair<Reader*, std::unique_lock<std::mutex>> reader() {
    return pick_reader(readers_, next_reader_,
                       [this](Reader& rd) -> Reader& { return open_reader(rd); });
  }

  // The caller holds rd.mu.
  Reader& open_reader(Reader& rd) {
    if (rd.db == nullptr) {
      sqlite3* r = nullptr;
      if (sqlite3_open_v2(path_.c_str(), &r, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
                          nullptr) != SQLITE_OK) {
        std::string why = r ? sqlite3_errmsg(r) : "out of memory";
        sqlite3_close(r);
        throw std::runtime_error(fmt::format("cannot read the archive `{}`: {}", path_, why));
      }
      sqlite3_busy_timeout(r, 5000);
      rd.db = r;
    }
    return rd;
  }

  sqlite3* db_;
  std::array<Reader, kReaders> readers_;
  std::atomic<size_t> next_reader_{0};
  std::string path_;
  bool standing_ = false;  // the store keeps the standing table
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::mutex mu_;
  Reader writer_stmts_;  // the writing connection's prepared statements, under mu_
};

}  // namespace

std::unique_ptr<Archive> open_sqlite(const std::string& path, std::string* error,
                                     ArchiveMode mode) {
  sqlite3* db = nullptr;
  const int create = mode == ArchiveMode::kCreate ? SQLITE_OPEN_CREATE : 0;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | create | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    *error = fmt::format("cannot open the archive `{}`: {}", path,
                         db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  auto a = std::make_unique<SqliteArchive>(db, path);
  if (!a->init(mode, error)) return nullptr;
  return a;
}

}  // namespace steward::archive_internal
