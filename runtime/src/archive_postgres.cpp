// The PostgreSQL decision archive (libpq): one archive shared by several servers. The chain
// head row is locked (SELECT ... FOR UPDATE) by each batch's transaction, so writers from every
// server take turns and the chain stays one line.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <map>
#include <mutex>

#include "archive_chain.h"

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

class PostgresArchive : public ChainedArchive {
 public:
  explicit PostgresArchive(PGconn* conn) : conn_(conn) {}
  ~PostgresArchive() override {
    finish_checkpoints();
    PQfinish(conn_);
  }

  bool init(ArchiveMode mode, std::string* error) {
    // A decision is answered only once its record is durable: whatever the server's default,
    // this session's commits wait for the WAL flush.
    {
      Result r(PQexec(conn_, "SET synchronous_commit TO on;"));
      if (!r.ok()) {
        *error = fmt::format("cannot prepare the archive: {}", message());
        return false;
      }
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

  bool write_batch(const std::vector<ArchiveRecord*>& batch, std::string* error) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected(error)) return false;
    if (!exec("BEGIN;", error)) return false;
    Result h(PQexec(conn_, "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE;"));
    if (!h.ok() || h.rows() != 1) {
      *error = h.ok() ? "the archive cannot be written: its chain head row is missing"
                      : fmt::format("the archive cannot be written: {}", message());
      return rollback();
    }
    ChainHead head{std::stoll(h.text(0, 0)), h.text(0, 1)};
    head = link(batch, head);

    // One statement for the whole batch: one round trip.
    std::string sql = fmt::format("INSERT INTO decisions ({}) VALUES ", kColumns);
    std::vector<std::string> seqs;
    seqs.reserve(batch.size());
    std::vector<const char*> values;
    std::vector<int> lengths;
    values.reserve(batch.size() * 14);
    lengths.reserve(batch.size() * 14);
    for (size_t i = 0; i < batch.size(); ++i) {
      const ArchiveRecord* r = batch[i];
      sql += i ? ",(" : "(";
      for (int c = 1; c <= 14; ++c) sql += fmt::format("{}${}", c > 1 ? "," : "", i * 14 + c);
      sql += ")";
      seqs.push_back(std::to_string(r->seq));
      values.push_back(seqs.back().c_str());
      lengths.push_back(static_cast<int>(seqs.back().size()));
      for (const std::string* v :
           {&r->decision_id, &r->time, &r->agreement_id, &r->agreement_digest, &r->agreement,
            &r->pack_name, &r->pack_version, &r->pack_digest, &r->decision, &r->document,
            &r->caller, &r->prev_hash, &r->hash}) {
        values.push_back(v->c_str());
        lengths.push_back(static_cast<int>(v->size()));
      }
    }
    Result ins(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), lengths.data(), nullptr, 0));
    if (!ins.ok()) {
      *error = fmt::format("the archive cannot be written: {}", message());
      return rollback();
    }
    if (standing_ && !write_standing(batch, error)) return rollback();
    std::string seq = std::to_string(head.seq);
    const char* head_values[] = {seq.c_str(), head.hash.c_str()};
    Result upd(PQexecParams(conn_, "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1;", 2,
                            nullptr, head_values, nullptr, nullptr, 0));
    if (!upd.ok()) {
      *error = fmt::format("the archive cannot be written: {}", message());
      return rollback();
    }
    // If the connection drops during COMMIT the outcome is unknown: report a failure. A record
    // without its answer is harmless; an answer without its record is what must never happen.
    if (!exec("COMMIT;", error)) return rollback();
    return true;
  }

  // Moves each agreement's standing decision to the newest of the batch (one statement, so an
  // agreement id appears once in it: PostgreSQL refuses to update one row twice in a statement).
  bool write_standing(const std::vector<ArchiveRecord*>& batch, std::string* error) {
    std::map<std::string, const ArchiveRecord*> newest;
    for (const ArchiveRecord* r : batch)
      if (!r->is_review()) newest[r->agreement_id] = r;  // in seq order: the last is the newest
    if (newest.empty()) return true;
    std::string sql = "INSERT INTO standing (agreement_id, seq, decision) VALUES ";
    std::vector<std::string> seqs;
    seqs.reserve(newest.size());
    std::vector<const char*> values;
    size_t n = 0;
    for (const auto& [id, r] : newest) {
      sql +=
          fmt::format("{}(${}, ${}::bigint, ${})", n ? "," : "", 3 * n + 1, 3 * n + 2, 3 * n + 3);
      seqs.push_back(std::to_string(r->seq));
      values.push_back(r->agreement_id.c_str());
      values.push_back(seqs.back().c_str());
      values.push_back(r->decision.c_str());
      ++n;
    }
    sql += kStandingUpsertTail;
    Result up(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0));
    if (up.ok()) return true;
    *error = fmt::format("the archive cannot be written: {}", message());
    return false;
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
    return query(fmt::format("SELECT {} FROM decisions WHERE agreement_id = $1 AND decision = "
                             "'review' ORDER BY seq DESC LIMIT $2::bigint;",
                             kColumns),
                 2, params);
  }

  std::vector<ArchiveRecord> all() override {
    return query(fmt::format("SELECT {} FROM decisions ORDER BY seq;", kColumns), 0, nullptr);
  }

 private:
  std::vector<ArchiveRecord> query(const std::string& sql, int n, const char* const* params) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ArchiveRecord> out;
    std::string error;
    if (!connected(&error)) throw std::runtime_error(error);
    Result r(PQexecParams(conn_, sql.c_str(), n, nullptr, params, nullptr, nullptr, 0));
    if (!r.ok()) throw std::runtime_error(fmt::format("cannot read the archive: {}", message()));
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

  // Reconnects once if the server went away since the last call (a restart, a failover).
  bool connected(std::string* error) {
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) {
      // A new session: durability settings do not carry over.
      Result r(PQexec(conn_, "SET synchronous_commit TO on;"));
      if (r.ok()) return true;
    }
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

  // libpq's last message, on one line.
  std::string message() const {
    std::string m = PQerrorMessage(conn_);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    for (char& c : m)
      if (c == '\n') c = ' ';
    return m;
  }

  PGconn* conn_;
  bool standing_ = false;  // the store keeps the standing table
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<Archive> open_postgres(const std::string& url, std::string* error,
                                       ArchiveMode mode) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string m = conn ? PQerrorMessage(conn) : "out of memory";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    for (size_t i = 0; i < m.size(); ++i) {
      if (m[i] == '\n') {
        size_t j = i + 1;
        while (j < m.size() && (m[j] == '\t' || m[j] == ' ')) ++j;
        m.replace(i, j - i, "; ");
      }
    }
    *error = fmt::format("cannot open the archive at PostgreSQL: {}", m);
    PQfinish(conn);
    return nullptr;
  }
  // Server notices ("relation already exists, skipping") are not the user's business.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto a = std::make_unique<PostgresArchive>(conn);
  if (!a->init(mode, error)) return nullptr;
  return a;
}

}  // namespace steward::archive_internal
