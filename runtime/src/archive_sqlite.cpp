// The SQLite decision archive: WAL journal, synchronous commits, one transaction per record.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <mutex>

#include "steward/archive.h"
#include "steward/compiler.h"

namespace steward {
namespace {

// Length-prefixed fields, so no two records share a byte stream.
std::string canonical(const ArchiveRecord& r) {
  std::string out;
  auto field = [&](std::string_view s) { out += fmt::format("{}:{}\n", s.size(), s); };
  field(std::to_string(r.seq));
  field(r.decision_id);
  field(r.time);
  field(r.agreement_id);
  field(r.agreement_digest);
  field(r.agreement);
  field(r.pack_name);
  field(r.pack_version);
  field(r.pack_digest);
  field(r.decision);
  field(r.document);
  field(r.caller);
  field(r.prev_hash);
  return out;
}

constexpr const char* kGenesis =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

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
CREATE TABLE IF NOT EXISTS chain_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
)";

class SqliteArchive : public Archive {
 public:
  explicit SqliteArchive(sqlite3* db) : db_(db) {}
  ~SqliteArchive() override { sqlite3_close(db_); }

  bool init(std::string* error) {
    for (const char* sql : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;",
                            "PRAGMA busy_timeout=5000;", kSchema}) {
      if (!exec(sql, error)) return false;
    }
    return true;
  }

  bool append(const Decision& d, std::string_view agreement_text, std::string_view caller,
              ArchiveRecord* out, std::string* error) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!exec("BEGIN IMMEDIATE;", error)) return false;
    ArchiveRecord r;
    r.prev_hash = kGenesis;
    r.seq = 1;
    {
      Stmt s(db_, "SELECT seq, hash FROM chain_head WHERE id = 1;");
      if (s.step() == SQLITE_ROW) {
        r.seq = sqlite3_column_int64(s.get(), 0) + 1;
        r.prev_hash = s.text(1);
      }
    }
    auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    r.time = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", now);
    r.agreement_id = d.agreement;
    r.agreement_digest = "sha256:" + sha256_hex(agreement_text);
    r.agreement = std::string(agreement_text);
    r.pack_name = d.policy.name;
    r.pack_version = d.policy.version;
    r.pack_digest = d.policy.digest;
    r.decision = outcome_name(d.outcome);
    r.document = to_json(d, -1);
    r.caller = std::string(caller);
    r.decision_id = "d-" + sha256_hex(fmt::format("{}|{}|{}|{}", r.prev_hash, r.seq, r.time,
                                                  r.agreement_digest))
                               .substr(0, 24);
    r.hash = archive_record_hash(r);
    Stmt ins(db_,
             "INSERT INTO decisions (seq, decision_id, time, agreement_id, agreement_digest, "
             "agreement, pack_name, "
             "pack_version, pack_digest, decision, document, caller, prev_hash, hash) "
             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?);");
    ins.bind(1, r.seq);
    int i = 2;
    for (const std::string* v : {&r.decision_id, &r.time, &r.agreement_id, &r.agreement_digest,
                                 &r.agreement, &r.pack_name, &r.pack_version, &r.pack_digest,
                                 &r.decision, &r.document, &r.caller, &r.prev_hash, &r.hash}) {
      ins.bind(i++, *v);
    }
    if (ins.step() != SQLITE_DONE) return rollback(error);
    Stmt head(db_,
              "INSERT INTO chain_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE "
              "SET seq = excluded.seq, hash = excluded.hash;");
    head.bind(1, r.seq);
    head.bind(2, r.hash);
    if (head.step() != SQLITE_DONE) return rollback(error);
    if (!exec("COMMIT;", error)) return rollback(error);
    if (out) *out = std::move(r);
    return true;
  }

  std::vector<ArchiveRecord> list(const ArchiveQuery& q) override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s(db_,
           "SELECT * FROM decisions WHERE (?1 = '' OR agreement_id = ?1) AND (?2 = '' OR decision "
           "= ?2) "
           "ORDER BY seq DESC LIMIT ?3;");
    s.bind(1, q.agreement_id);
    s.bind(2, q.decision);
    s.bind(3, static_cast<int64_t>(q.limit));
    return rows(s);
  }

  std::optional<ArchiveRecord> get(std::string_view decision_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s(db_, "SELECT * FROM decisions WHERE decision_id = ?1;");
    s.bind(1, std::string(decision_id));
    auto r = rows(s);
    if (r.empty()) return std::nullopt;
    return r.front();
  }

  std::vector<ArchiveRecord> all() override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s(db_, "SELECT * FROM decisions ORDER BY seq;");
    return rows(s);
  }

  ArchiveVerification verify() override {
    ArchiveVerification v;
    std::vector<ArchiveRecord> records = all();
    std::lock_guard<std::mutex> lock(mu_);
    std::string prev = kGenesis;
    int64_t expected = 1;
    for (const auto& r : records) {
      ++v.records;
      if (r.seq != expected) {
        v.problems.push_back(fmt::format(
            "record{} {}{} missing: deleted before record {} ({})", r.seq - expected > 1 ? "s" : "",
            expected, r.seq - expected > 1 ? fmt::format(" to {} are", r.seq - 1) : " is", r.seq,
            r.decision_id));
        expected = r.seq;
      } else if (r.prev_hash != prev) {
        v.problems.push_back(fmt::format(
            "record {} ({}) does not link to record {}: that record or its hash was changed", r.seq,
            r.decision_id, r.seq - 1));
      }
      if (archive_record_hash(r) != r.hash) {
        v.problems.push_back(
            fmt::format("record {} ({}) was changed after it was written: its hash does not match",
                        r.seq, r.decision_id));
      }
      prev = r.hash;
      ++expected;
    }
    Stmt head(db_, "SELECT seq, hash FROM chain_head WHERE id = 1;");
    if (head.step() == SQLITE_ROW) {
      int64_t head_seq = sqlite3_column_int64(head.get(), 0);
      std::string head_hash = head.text(1);
      if (head_seq != expected - 1) {
        v.problems.push_back(
            fmt::format("the archive recorded {} records, but the last one present is {}: "
                        "records after it were deleted",
                        head_seq, expected - 1));
      } else if (head_hash != prev) {
        v.problems.push_back(
            fmt::format("the last record ({}) does not match the chain head", head_seq));
      }
    } else if (!records.empty()) {
      v.problems.push_back("the chain head is missing");
    }
    v.ok = v.problems.empty();
    return v;
  }

 private:
  class Stmt {
   public:
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    sqlite3_stmt* get() { return s_; }
    void bind(int i, const std::string& v) {
      sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
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
  };

  std::vector<ArchiveRecord> rows(Stmt& s) {
    std::vector<ArchiveRecord> out;
    while (s.step() == SQLITE_ROW) {
      ArchiveRecord r;
      r.seq = sqlite3_column_int64(s.get(), 0);
      std::string* fields[] = {&r.decision_id, &r.time,      &r.agreement_id, &r.agreement_digest,
                               &r.agreement,   &r.pack_name, &r.pack_version, &r.pack_digest,
                               &r.decision,    &r.document,  &r.caller,       &r.prev_hash,
                               &r.hash};
      for (int i = 0; i < 13; ++i) *fields[i] = s.text(i + 1);
      out.push_back(std::move(r));
    }
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

  sqlite3* db_;
  std::mutex mu_;
};

}  // namespace

std::string archive_record_hash(const ArchiveRecord& r) {
  return "sha256:" + sha256_hex(canonical(r));
}

std::unique_ptr<Archive> Archive::open(const std::string& url, std::string* error) {
  std::string path = url;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  if (path.rfind("postgresql:", 0) == 0 || path.rfind("postgres:", 0) == 0) {
    *error = "PostgreSQL archives are not supported by this build yet; use sqlite:PATH";
    return nullptr;
  }
  if (path.empty()) {
    *error = "the archive needs a file: sqlite:PATH";
    return nullptr;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    *error = fmt::format("cannot open the archive `{}`: {}", path,
                         db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  auto a = std::make_unique<SqliteArchive>(db);
  if (!a->init(error)) return nullptr;
  return a;
}

}  // namespace steward
