// The PostgreSQL decision archive (libpq): one archive shared by several servers. The chain
// head row is locked (SELECT ... FOR UPDATE) by each batch's transaction, so writers from every
// server take turns and the chain stays one line.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>

#include "archive_chain.h"
#include "review_map.h"

namespace steward::archive_internal {
namespace {

constexpr const char* kColumns =
    "seq, decision_id, time, agreement_id, agreement_digest, agreement, pack_name, "
    "pack_version, pack_digest, decision, document, caller, prev_hash, hash";
// The same, for queries that join the standing table.
constexpr const char* kQualifiedColumns =
    "decisions.seq, decisions.decision_id, decisions.time, decisions.agreement_id, "
    "decisions.agreement_digest, decisions.agreement, decisions.pack_name, "
    "decisions.pack_version, decisions.pack_digest, decisions.decision, decisions.document, "
    "decisions.caller, decisions.prev_hash, decisions.hash";

// An arbitrary key for pg_advisory_xact_lock: servers starting together create the schema
// one at a time (CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin).
constexpr const char* kSchemaLockKey = "7365776172640001";

// Owns a PGresult.
class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  ~Result() { PQclear(r_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  PGresult* get() const { return r_; }
  bool ok() const {
    auto s = PQresultStatus(r_);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  int rows() const { return PQntuples(r_); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
  }

 private:
  PGresult* r_;
};

// libpq's last message on one line ("; " between its lines, indentation dropped), without the
// URL's passwords: libpq quotes a token it cannot read, a password among them.
std::string libpq_message(PGconn* conn, const std::string& url) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      size_t j = i + 1;
      while (j < m.size() && (m[j] == '\t' || m[j] == ' ')) ++j;
      m.replace(i, j - i, "; ");
    }
  }
  return redact_archive_message(m, url);
}

class PostgresArchive : public ChainedArchive {
 public:
  PostgresArchive(PGconn* conn, std::string url) : conn_(conn), url_(std::move(url)) {}
  bool reads_wait_on_network() const override { return true; }
  std::optional<int64_t> known_without_reviews(std::string_view agreement_id) override {
    return reviews_.without_reviews(agreement_id);
  }
  bool checks_reviews_at_commit() const override { return true; }
  // Telling a batch of 24 (each answer posted to its connection's I/O thread, a wake-up) took
  // 0.3 ms of the writer's 2.7 ms, and the writer was busy through the whole of a run at 48
  // connections: with a teller 8,428/s against 7,389/s (mean of five alternated runs each).
  bool tells_on_own_thread() const override { return true; }
  ~PostgresArchive() override {
    finish_checkpoints();
    PQfinish(conn_);
    for (Reader& rd : readers_) PQfinish(rd.conn);
  }

  bool init(ArchiveMode mode, std::string* error) {
    if (!session_settings()) {
      *error = fmt::format("cannot prepare the archive: {}", message());
      return false;
    }
    // A server's role may lack CREATE (see docs/archive.md): when the tables exist, touch no DDL.
    {
      Result r(PQexec(conn_,
                      "SELECT to_regclass('decisions') IS NOT NULL AND "
                      "to_regclass('chain_head') IS NOT NULL, to_regclass('standing') IS NOT NULL "
                      "AND has_table_privilege('standing', 'INSERT') AND "
                      "has_table_privilege('standing', 'UPDATE');"));
      if (r.ok() && r.rows() == 1 && r.text(0, 0) == "t") {
        // A role without the standing grants (docs/archive.md) neither keeps nor reads it.
        standing_ = r.text(0, 1) == "t";
        // An archive from before the standing table gets it if this role may create it;
        // otherwise the queues are found by scanning, as before.
        if (!standing_ && mode == ArchiveMode::kCreate) {
          const std::string add = fmt::format(
              "BEGIN; SELECT pg_advisory_xact_lock({}); {} {} COMMIT;", kSchemaLockKey,
              kStandingSchema,
              "INSERT INTO standing (agreement_id, seq, decision) SELECT agreement_id, seq, "
              "decision FROM (SELECT d.agreement_id, d.seq, d.decision FROM decisions d WHERE "
              "d.decision <> 'review' AND NOT EXISTS (SELECT 1 FROM decisions e WHERE "
              "e.agreement_id = d.agreement_id AND e.seq > d.seq AND e.decision <> 'review')) n "
              "ON CONFLICT (agreement_id) DO NOTHING;");
          Result a(PQexec(conn_, add.c_str()));
          if (a.ok())
            standing_ = true;
          else
            rollback();
        }
        return true;
      }
    }
    if (mode == ArchiveMode::kExisting) {
      *error = "the database holds no steward archive (no decisions table)";
      return false;
    }
    std::string schema = fmt::format(R"(
BEGIN;
SELECT pg_advisory_xact_lock({});
CREATE TABLE IF NOT EXISTS decisions (
  seq BIGINT PRIMARY KEY,
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
CREATE TABLE IF NOT EXISTS chain_head (
  id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '{}') ON CONFLICT (id) DO NOTHING;
{}
COMMIT;
)",
                                     kSchemaLockKey, kGenesis, kStandingSchema);
    Result r(PQexec(conn_, schema.c_str()));
    if (!r.ok()) {
      *error = fmt::format("cannot prepare the archive: {}", message());
      rollback();
      return false;
    }
    standing_ = true;
    return true;
  }

  // Three round trips a batch: the head, locked; one prepared statement that inserts the
  // records, moves the standing decisions and the head (data-modifying WITH clauses over
  // arrays, so its text and plan never change with the batch's size); the commit. A VALUES list
  // of 14 parameters a record was parsed and planned again for each batch, and six statements
  // in turn each woke the server's backend and this thread: PostgreSQL held 4,000-5,000
  // archived decisions/s with a fifth of the machine idle.
  bool write_batch(std::vector<BatchItem>& batch, std::string* error) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected(error) || !prepared(error)) return false;
    try {
      return write_locked(batch, error);
    } catch (...) {
      // A batch that cannot be built once the head is locked (no memory, a text too long)
      // must not leave its transaction open: the head's row lock would hold up every server's
      // writer until this one's next batch, if one ever came.
      rollback();
      throw;
    }
  }

  bool write_locked(std::vector<BatchItem>& items, std::string* error) {
    Result h(PQexec(conn_, "BEGIN; SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE;"));
    if (!h.ok() || h.rows() != 1) {
      *error = h.ok() ? "the archive cannot be written: its chain head row is missing"
                      : fmt::format("the archive cannot be written: {}", message());
      return rollback();
    }
    ChainHead head{std::stoll(h.text(0, 0)), h.text(0, 1)};
    const int64_t locked_at = head.seq;
    // Under the head's lock, the reviews other servers committed since this writer's last
    // batch (none when the head is where it left it); then the decisions that counted none on
    // an agreement reviewed meanwhile are left out (their callers decide again).
    if (!catch_up_reviews(locked_at, error)) return rollback();
    reviews_.check(items);
    std::vector<ArchiveRecord*> batch;
    batch.reserve(items.size());
    for (const BatchItem& item : items)
      if (!item.stale) batch.push_back(item.record);
    if (batch.empty()) {
      Result r(PQexec(conn_, "ROLLBACK;"));
      return true;
    }
    head = link(batch, head);

    // Columns of the records, then of the standing rows, as arrays in PostgreSQL's binary
    // form: the texts are copied as they are, where array literals had every `"` and `\` of
    // the JSON escaped here and unescaped again by the server's `array_in` (under load the
    // literals took 0.45 ms of a batch of 21-24 records, these 0.15-0.19 ms with the records'
    // hashes).
    std::array<BinaryArray, 17> arrays;
    for (size_t c = 0; c < arrays.size(); ++c)
      arrays[c].start(c == 0 || c == 15 ? kInt8Oid : kTextOid);
    for (const ArchiveRecord* r : batch) {
      arrays[0].add(r->seq);
      size_t c = 1;
      for (const std::string* v :
           {&r->decision_id, &r->time, &r->agreement_id, &r->agreement_digest, &r->agreement,
            &r->pack_name, &r->pack_version, &r->pack_digest, &r->decision, &r->document,
            &r->caller, &r->prev_hash, &r->hash})
        arrays[c++].add(*v);
    }
    // Each agreement's newest decision of the batch (in seq order: the last is the newest);
    // one row an agreement, as PostgreSQL refuses to update one row twice in a statement.
    std::map<std::string_view, const ArchiveRecord*> newest;
    if (standing_)
      for (const ArchiveRecord* r : batch)
        if (!r->is_review()) newest[r->agreement_id] = r;
    for (const auto& [id, r] : newest) {
      arrays[14].add(r->agreement_id);
      arrays[15].add(r->seq);
      arrays[16].add(r->decision);
    }
    const std::string seq = std::to_string(head.seq);
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (BinaryArray& a : arrays) {
      const std::string& bytes = a.finish();
      values.push_back(bytes.data());
      lengths.push_back(static_cast<int>(bytes.size()));
      formats.push_back(1);
    }
    for (const std::string* v : {&seq, static_cast<const std::string*>(&head.hash)}) {
      values.push_back(v->c_str());
      lengths.push_back(static_cast<int>(v->size()));
      formats.push_back(0);
    }
    Result ins(PQexecPrepared(conn_, kInsertStatement, static_cast<int>(values.size()),
                              values.data(), lengths.data(), formats.data(), 0));
    if (!ins.ok() || ins.rows() != 1 || ins.text(0, 0) != std::to_string(batch.size()) ||
        ins.text(0, 1) != "1") {
      *error = ins.ok() ? "the archive cannot be written: a batch was not stored whole"
                        : fmt::format("the archive cannot be written: {}", message());
      return rollback();
    }
    // If the connection drops during COMMIT the outcome is unknown: report a failure. A record
    // without its answer is harmless; an answer without its record is what must never happen.
    if (!exec("COMMIT;", error)) return rollback();
    reviews_.committed(batch, locked_at, head.seq);
    return true;
  }

  // Brings reviews_ up to the head at `head` (read under its lock, in the batch's transaction).
  bool catch_up_reviews(int64_t head, std::string* error) {
    const std::optional<int64_t> after = reviews_.read_after(head);
    if (!after) return true;
    const std::string from = std::to_string(*after);
    const char* params[] = {from.c_str()};
    // After the last batch the primary key finds the few new rows; the first read goes
    // through the reviews' own index.
    Result r(PQexecParams(conn_,
                          "SELECT agreement_id, max(seq) FROM decisions WHERE seq > $1::bigint "
                          "AND decision = 'review' GROUP BY agreement_id;",
                          1, nullptr, params, nullptr, nullptr, 0));
    if (!r.ok()) {
      *error = fmt::format("the archive cannot be written: {}", message());
      return false;
    }
    std::vector<std::pair<std::string, int64_t>> newest;
    newest.reserve(static_cast<size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row)
      newest.emplace_back(r.text(row, 0), std::stoll(r.text(row, 1)));
    reviews_.caught_up(head, newest);
    return true;
  }

  // The element types' oids (pg_type), which the binary form names.
  static constexpr uint32_t kInt8Oid = 20;
  static constexpr uint32_t kTextOid = 25;

  // A one-dimensional array without NULLs in PostgreSQL's binary form (array_recv): the
  // dimensions, flags and element type, then each element as its length and bytes, all
  // integers big-endian. A text that the server finds is not valid in its encoding (a NUL
  // byte, say) fails the batch, as a malformed literal did.
  class BinaryArray {
   public:
    // Begins an array of `oid` elements.
    void start(uint32_t oid) {
      oid_ = oid;
      count_ = 0;
      bytes_.assign(kHeader, '\0');
    }
    void add(std::string_view v) {
      if (v.size() > static_cast<size_t>(INT32_MAX))
        throw std::length_error("a text too long for the archive");
      put(static_cast<uint32_t>(v.size()));
      bytes_.append(v);
      ++count_;
    }
    void add(int64_t v) {
      put(8);
      put(static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32));
      put(static_cast<uint32_t>(static_cast<uint64_t>(v)));
      ++count_;
    }
    // The array's bytes, its header filled in.
    const std::string& finish() {
      const uint32_t header[kHeader / 4] = {1, 0, oid_, count_, 1};
      for (size_t i = 0; i < kHeader / 4; ++i) put_at(i * 4, header[i]);
      return bytes_;
    }

   private:
    static constexpr size_t kHeader = 20;  // ndim, flags, oid, then the one dimension and base
    void put(uint32_t v) {
      bytes_.resize(bytes_.size() + 4);
      put_at(bytes_.size() - 4, v);
    }
    void put_at(size_t at, uint32_t v) {
      for (int i = 0; i < 4; ++i)
        bytes_[at + static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
    }
    std::string bytes_;
    uint32_t oid_ = kTextOid;
    uint32_t count_ = 0;
  };

  static constexpr const char* kInsertStatement = "steward_insert_batch";

  // Prepares the batch statement once a session (the store has its schema by now).
  bool prepared(std::string* error) {
    if (prepared_) return true;
    std::string sql = fmt::format(
        "WITH ins AS (INSERT INTO decisions ({}) SELECT * FROM unnest($1::bigint[], $2::text[], "
        "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
        "$10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) RETURNING 1), ",
        kColumns);
    if (standing_) {
      sql +=
          "st AS (INSERT INTO standing (agreement_id, seq, decision) SELECT * FROM "
          "unnest($15::text[], $16::bigint[], $17::text[])";
      sql += kStandingUpsertTail;
      sql += "), ";
    } else {
      // The parameters are still declared, so that every session sends the same ones.
      sql += "st AS (SELECT $15::text[], $16::bigint[], $17::text[]), ";
    }
    sql +=
        "hd AS (UPDATE chain_head SET seq = $18::bigint, hash = $19::text WHERE id = 1 "
        "RETURNING 1) SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM hd);";
    Result r(PQprepare(conn_, kInsertStatement, sql.c_str(), 19, nullptr));
    if (!r.ok()) {
      *error = fmt::format("the archive cannot be written: {}", message());
      return false;
    }
    prepared_ = true;
    return true;
  }

  std::optional<ChainHead> stored_head() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string error;
    if (!connected(&error)) return std::nullopt;
    Result r(PQexec(conn_, "SELECT seq, hash FROM chain_head WHERE id = 1;"));
    if (!r.ok() || r.rows() != 1) return std::nullopt;
    return ChainHead{std::stoll(r.text(0, 0)), r.text(0, 1)};
  }

  std::vector<ArchiveRecord> list(const ArchiveQuery& q) override {
    const SqlQuery sql = sql_query(
        q, [](size_t i) { return "$" + std::to_string(i); }, true, standing_);
    std::vector<const char*> params;
    for (const std::string& p : sql.params) params.push_back(p.c_str());
    return query(fmt::format("SELECT {} FROM {} WHERE {}{};", kQualifiedColumns, sql.from,
                             sql.where, sql.tail),
                 static_cast<int>(params.size()), params.data());
  }

  std::optional<ArchiveRecord> get(std::string_view decision_id) override {
    std::string id(decision_id);
    const char* params[] = {id.c_str()};
    auto r =
        query(fmt::format("SELECT {} FROM decisions WHERE decision_id = $1;", kColumns), 1, params);
    if (r.empty()) return std::nullopt;
    return r.front();
  }

  std::vector<ArchiveRecord> reviews_on(std::string_view agreement_id, size_t limit) override {
    std::string id(agreement_id), n = std::to_string(limit);
    const char* params[] = {id.c_str(), n.c_str()};
    // Every decision taken with approvals from review records asks this: prepared once a
    // reader, it is not parsed and planned again each time.
    static const std::string sql = fmt::format(
        "SELECT {} FROM decisions WHERE agreement_id = $1 AND decision = 'review' ORDER BY seq "
        "DESC LIMIT $2::bigint;",
        kColumns);
    return query(sql, 2, params, true);
  }

  std::vector<ArchiveRecord> all() override {
    return query(fmt::format("SELECT {} FROM decisions ORDER BY seq;", kColumns), 0, nullptr);
  }

 private:
  // Runs a read on a reader; `prepare`: as a statement the reader prepares on first use (the
  // one statement that is prepared this way, kReviewsStatement).
  std::vector<ArchiveRecord> query(const std::string& sql, int n, const char* const* params,
                                   bool prepare = false) {
    auto [rd, lock] = reader();
    std::vector<ArchiveRecord> out;
    if (prepare && !rd->prepared) {
      Result p(PQprepare(rd->conn, kReviewsStatement, sql.c_str(), n, nullptr));
      if (!p.ok())
        throw std::runtime_error(fmt::format("cannot read the archive: {}", message(rd->conn)));
      rd->prepared = true;
    }
    Result r(prepare
                 ? PQexecPrepared(rd->conn, kReviewsStatement, n, params, nullptr, nullptr, 0)
                 : PQexecParams(rd->conn, sql.c_str(), n, nullptr, params, nullptr, nullptr, 0));
    if (!r.ok())
      throw std::runtime_error(fmt::format("cannot read the archive: {}", message(rd->conn)));
    for (int row = 0; row < r.rows(); ++row) {
      ArchiveRecord rec;
      rec.seq = std::stoll(r.text(row, 0));
      std::string* fields[] = {
          &rec.decision_id, &rec.time,      &rec.agreement_id, &rec.agreement_digest,
          &rec.agreement,   &rec.pack_name, &rec.pack_version, &rec.pack_digest,
          &rec.decision,    &rec.document,  &rec.caller,       &rec.prev_hash,
          &rec.hash};
      for (int i = 0; i < 13; ++i) *fields[i] = r.text(row, i + 1);
      out.push_back(std::move(rec));
    }
    return out;
  }

  // Reads (list, get, reviews, verify) go through connections of their own. On the writer's
  // connection every read waited for the batch being committed (its fsync) under mu_, and with
  // approvals from review records every decision reads before it is archived: 32 deciding
  // threads queued behind each commit and the batches stayed small (2,000 decisions/s against
  // 9,900 with stated approvals). A reader sees what is committed, which is all a decision may
  // count. A free reader when there is one, so a long read (a queue page) does not hold up the
  // short ones deciding threads make.
  static constexpr size_t kReaders = 4;
  struct Reader {
    std::mutex mu;
    PGconn* conn = nullptr;
    bool prepared = false;  // this session has kReviewsStatement
  };
  static constexpr const char* kReviewsStatement = "steward_reviews_on";

  std::pair<Reader*, std::unique_lock<std::mutex>> reader() {
    return pick_reader(readers_, next_reader_,
                       [this](Reader& rd) -> Reader& { return open_reader(rd); });
  }

  // Opens the reader's connection, or reconnects it once if the server went away. The caller
  // holds rd.mu.
  Reader& open_reader(Reader& rd) {
    if (rd.conn != nullptr && PQstatus(rd.conn) == CONNECTION_OK) return rd;
    rd.prepared = false;  // a new session
    if (rd.conn != nullptr) {
      PQreset(rd.conn);
    } else {
      rd.conn = PQconnectdb(url_.c_str());
      if (rd.conn)
        PQsetNoticeProcessor(
            rd.conn, [](void*, const char*) {}, nullptr);
    }
    if (rd.conn == nullptr || PQstatus(rd.conn) != CONNECTION_OK)
      throw std::runtime_error(fmt::format("the archive cannot be reached: {}",
                                           rd.conn ? message(rd.conn) : "out of memory"));
    // A reader never writes: a bug that sent a write its way fails instead of landing outside
    // the chain's lock.
    Result r(PQexec(rd.conn, "SET default_transaction_read_only TO on;"));
    if (!r.ok())
      throw std::runtime_error(fmt::format("cannot read the archive: {}", message(rd.conn)));
    return rd;
  }

  // The writer's session. A decision is answered only once its record is durable: whatever
  // the server's default, this session's commits wait for the WAL flush. Agreement and
  // decision texts are compressed with lz4 where the server has it: pglz took 12% of the
  // server's time under load, lz4 a fraction of that (a server built without lz4 keeps pglz).
  bool session_settings() {
    Result r(PQexec(conn_, "SET synchronous_commit TO on;"));
    if (!r.ok()) return false;
    Result c(PQexec(conn_, "SET default_toast_compression TO lz4;"));
    return true;
  }

  // Reconnects once if the server went away since the last call (a restart, a failover).
  bool connected(std::string* error) {
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    PQreset(conn_);
    // A new session: its settings and prepared statements do not carry over.
    prepared_ = false;
    if (PQstatus(conn_) == CONNECTION_OK && session_settings()) return true;
    *error = fmt::format("the archive cannot be reached: {}", message());
    return false;
  }

  bool exec(const char* sql, std::string* error) {
    Result r(PQexec(conn_, sql));
    if (r.ok()) return true;
    *error = fmt::format("the archive cannot be written: {}", message());
    return false;
  }

  bool rollback() {
    Result r(PQexec(conn_, "ROLLBACK;"));
    return false;
  }

  std::string message() const { return message(conn_); }
  std::string message(PGconn* conn) const { return libpq_message(conn, url_); }

  PGconn* conn_;
  std::string url_;
  bool standing_ = false;  // the store keeps the standing table
  bool prepared_ = false;  // this session has kInsertStatement
  std::mutex mu_;          // the writer's connection
  std::array<Reader, kReaders> readers_;
  std::atomic<size_t> next_reader_{0};
  ReviewMap reviews_;  // kept by the writer's batches, read by deciding threads
};

}  // namespace

std::unique_ptr<Archive> open_postgres(const std::string& url, std::string* error,
                                       ArchiveMode mode) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    *error = fmt::format("cannot open the archive at PostgreSQL: {}",
                         conn ? libpq_message(conn, url) : "out of memory");
    PQfinish(conn);
    return nullptr;
  }
  // Server notices ("relation already exists, skipping") are not the user's business.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto a = std::make_unique<PostgresArchive>(conn, url);
  if (!a->init(mode, error)) return nullptr;
  return a;
}

}  // namespace steward::archive_internal
