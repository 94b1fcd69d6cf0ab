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

// Signed checkpoints of the chain head, written outside the database so that removing or
// rewriting records before the last checkpoint is detected even by someone who can rewrite the
// whole database and recompute every hash.
struct CheckpointOptions {
  std::string path;             // appended to (O_APPEND), one JSON line per checkpoint
  std::string private_key_pem;  // Ed25519 (steward keygen)
  size_t every_records = 1000;  // a checkpoint after this many new records...
  double every_seconds = 60;    // ...or this long after the last one, whichever comes first
};

// One line of a checkpoint file.
struct Checkpoint {
  int64_t seq = 0;
  std::string head;  // the hash of record `seq`
  std::string time;
  std::string key;        // fingerprint of the signing key
  std::string signature;  // base64 Ed25519 over checkpoint_message()
};

// What a checkpoint signs: a fixed prefix, the record count and the head hash.
std::string checkpoint_message(int64_t seq, std::string_view head, std::string_view time);

enum class ArchiveMode {
  kCreate,    // create the file and tables when missing (writers)
  kExisting,  // refuse a missing file or one without the archive's tables (readers, verify)
};

class Archive {
 public:
  // Opens the archive at `url`: `sqlite:PATH`, a plain file path, or
  // `postgresql://user@host:port/db` (any libpq URL). kCreate creates what is missing;
  // kExisting never creates anything, so `verify` of a deleted or emptied archive is an error,
  // not a new empty archive that verifies. Returns null and sets `error` when it cannot be
  // opened. An archive object is safe to share between threads.
  static std::unique_ptr<Archive> open(const std::string& url, std::string* error,
                                       ArchiveMode mode = ArchiveMode::kCreate);

  // From now on, writes a signed checkpoint of the head after every batch that reaches the
  // options' interval (and one at once). Returns false with `error` when the file or key
  // cannot be used. A checkpoint that cannot be written makes the next appends fail: no
  // decision is given that the checkpoints cannot later vouch for.
  virtual bool enable_checkpoints(const CheckpointOptions& options, std::string* error) = 0;

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
  // a broken link is a problem naming the record; so is a record whose columns disagree with
  // its own decision document or agreement text (decision, agreement id and digest, pack,
  // decision id).
  virtual ArchiveVerification verify() = 0;

  // verify(), then every checkpoint in `checkpoint_text` (JSON lines) must carry a signature
  // by one of `trusted_public_keys_pem` and name a record that is present with that hash: so
  // nothing up to the last checkpoint was removed or rewritten.
  ArchiveVerification verify_checkpoints(std::string_view checkpoint_text,
                                         const std::vector<std::string>& trusted_public_keys_pem);
};

// The hash of a record (every field but `hash`), chained to `prev_hash`: "sha256:<hex>".
std::string archive_record_hash(const ArchiveRecord& r);

}  // namespace steward
