// The decision archive: append-only, hash-chained records of decisions, so that an edited or
// deleted record is detected. Backends: an embedded SQLite file, or a PostgreSQL database that
// several servers share (their writes take turns on one chain).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "steward/decision.h"

namespace steward {

// One archived decision. `hash` covers every other field and the previous record's hash.
struct ArchiveRecord {
  int64_t seq = 0;          // 1, 2, 3, ... in append order
  std::string decision_id;  // stable id for clients: "d-" and 24 hex digits
  std::string time;         // UTC, RFC 3339
  std::string agreement_id;
  std::string agreement_digest;  // "sha256:..." of the agreement text
  std::string agreement;         // the agreement text as received
  std::string pack_name, pack_version, pack_digest;
  std::string decision;  // allow | deny | needs_review
  std::string document;  // the decision document (JSON)
  std::string caller;    // who asked (a token's name, "cli", ...)
  std::string prev_hash;
  std::string hash;
};

// What `verify` found: ok, or each problem with the record it concerns.
struct ArchiveVerification {
  bool ok = true;
  size_t records = 0;
  std::vector<std::string> problems;
};

struct ArchiveQuery {
  std::string agreement_id;  // "" : any
  std::string decision;      // "" : any
  size_t limit = 100;
};

class Archive {
 public:
  // Opens (creating tables if needed) the archive at `url`: `sqlite:PATH`, a plain file path,
  // or `postgresql://user@host:port/db` (any libpq URL). Returns null and sets `error` when it
  // cannot be opened. An archive object is safe to share between threads.
  static std::unique_ptr<Archive> open(const std::string& url, std::string* error);

  virtual ~Archive() = default;

  // Appends a decision durably (the call returns after the record is committed to disk).
  // Concurrent calls share commits (group commit). On failure returns false with `error`: the
  // caller must then not give the decision.
  virtual bool append(const Decision& decision, std::string_view agreement_text,
                      std::string_view caller, ArchiveRecord* out, std::string* error) = 0;

  // The readers below throw std::runtime_error when the archive cannot be read.
  // Records matching `q`, newest first.
  virtual std::vector<ArchiveRecord> list(const ArchiveQuery& q) = 0;
  virtual std::optional<ArchiveRecord> get(std::string_view decision_id) = 0;
  // Every record in order, for export.
  virtual std::vector<ArchiveRecord> all() = 0;

  // Recomputes the chain: an edited record, a deleted one (a gap, or a missing last record) or
  // a broken link is a problem naming the record.
  virtual ArchiveVerification verify() = 0;
};

// The hash of a record (every field but `hash`), chained to `prev_hash`: "sha256:<hex>".
std::string archive_record_hash(const ArchiveRecord& r);

}  // namespace steward
