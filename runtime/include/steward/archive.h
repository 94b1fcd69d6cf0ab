// The decision archive: append-only, hash-chained records of decisions, so that an edited or
// deleted record is detected. Backends: an embedded SQLite file, or a PostgreSQL database that
// several servers share (their writes take turns on one chain).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "steward/decision.h"
#include "steward/document.h"

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
  std::string decision;  // allow | deny | needs_review; `review` for a review record
  std::string document;  // the decision document, or the review document (JSON)
  std::string caller;    // who asked (a token's name, "cli", ...); for a review, the reviewer
  std::string prev_hash;
  std::string hash;
  bool is_review() const { return decision == kReviewKind; }
  static constexpr const char* kReviewKind = "review";
};

// A reviewer body's verdict on a `needs_review` decision, bound to the exact text it judged.
// Archived as a record of its own (`decision` is `review`, the id starts `r-`, the agreement
// text is the reviewed record's and not repeated) whose document is
// {"decision": "review", "agreement": id, "policy": {...}, "review": {decision_id, body,
// verdict, note, reviewer}}.
struct Review {
  std::string decision_id;       // the needs_review decision reviewed
  std::string agreement_digest;  // "sha256:..." of the text the reviewer read
  std::string body;              // one of the bodies that decision asked for
  std::string verdict;           // approve | deny | request_changes
  std::string note;              // up to 4096 bytes; newlines and tabs, no other control
  std::string reviewer;          // who: a token's name, a CLI user
};

// The review a review record holds; nullopt for a decision or a record whose document is not
// a review.
std::optional<Review> review_in(const ArchiveRecord& record);

// The reviewer bodies a `needs_review` decision record asks for (its document's `reviewers`).
std::vector<std::string> reviewers_asked(const ArchiveRecord& decision);

// Why `review` may not be recorded against `reviewed` (the archived decision it names) and
// `latest` (the newest decision on the same agreement id), or "": each refusal a user can act on.
std::string review_refusal(const Review& review, const ArchiveRecord& reviewed,
                           const ArchiveRecord& latest);

// What `verify` found: ok, or each problem with the record it concerns.
struct ArchiveVerification {
  bool ok = true;
  size_t records = 0;
  std::vector<std::string> problems;
};

struct ArchiveQuery {
  std::string agreement_id;  // "" : any
  std::string decision;      // "" : any; `review` for review records
  size_t limit = 100;
  std::string caller{};      // "" : any; who asked, or for a review record the reviewer
  std::string clause{};      // "" : any; a decision with a reason citing this clause id
  std::string from{}, to{};  // "" : open; UTC days YYYY-MM-DD the record's time falls in, inclusive
  int64_t before_seq = 0;    // > 0: only records older than this one (paging)
  bool decisions_only = false;  // leave review records out
  // Only the newest decision on each agreement id, what stands now (no review records).
  bool latest_only = false;
  bool oldest_first = false;  // default: newest first

  // Whether `r` passes the filters that concern one record alone (every one but latest_only):
  // the reference the backends' SQL is tested against.
  bool matches(const ArchiveRecord& r) const;
  // The text a decision document holds when a reason cites `clause` (compact JSON, as the
  // archive writes it): a reason's message cannot hold it, since quotes in a message are
  // escaped.
  static std::string clause_needle(std::string_view clause);
};

// A `needs_review` decision that stands (the newest on its agreement id) and the bodies it
// still waits for: those it asked that have recorded no verdict on its text.
struct WaitingReview {
  ArchiveRecord decision;
  std::vector<std::string> bodies;
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

// `url` with every password in it (a URL's user info, a `password` or `sslpassword` query
// parameter, a libpq keyword/value pair) replaced by `***`: what may be printed or logged of an
// archive's address.
std::string redact_archive_url(std::string_view url);

class Archive {
 public:
  // Opens the archive at `url`: `sqlite:PATH`, a plain file path, or
  // `postgresql://user@host:port/db` (any libpq URL). A plain path that begins `keyword=`
  // (libpq's keyword/value form) is refused, not made a file. kCreate creates what is missing;
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
  // `no_reviews_as_of`: for a decision that counted no review records on its agreement because
  // known_without_reviews said there were none as of that chain seq, that seq (else -1). The
  // record is then stored only if no review on the agreement was committed since; otherwise
  // the append fails with kReviewsChanged and the decision must be taken again (reading the
  // records).
  virtual bool append(const Decision& decision, std::string_view agreement_text,
                      std::string_view caller, ArchiveRecord* out, std::string* error,
                      int64_t no_reviews_as_of = -1) = 0;

  // What append_async calls when the record's batch is committed (`ok`, with the stored
  // record) or has failed (`error`; the decision must then not be given).
  using AppendDone = std::function<void(bool ok, ArchiveRecord record, std::string error)>;

  // append() without waiting: the record is prepared before this returns, and `done` is called
  // exactly once, on a thread of the archive's own (its writer's, or a teller's), after the
  // commit (so a server thread that decided need not sleep through it, and batches are not
  // bounded by how many threads wait).
  // The archive must outlive every pending `done`; its destructor writes what is queued first.
  // `done` must not call append() on the same archive (it would wait for its own thread).
  // Throws nothing of its own: a record that cannot be prepared or queued reaches `done`.
  // This default calls append() and then `done` on the calling thread.
  // `no_reviews_as_of` as for append().
  virtual void append_async(const Decision& decision, std::string_view agreement_text,
                            std::string_view caller, AppendDone done,
                            int64_t no_reviews_as_of = -1);

  // When the archive knows without a read that `agreement_id` had no review records as of
  // chain seq N, N: a decision may then count none, and passes N to append, which checks at
  // commit, under the chain's lock, that none came since (from this server or another). Else
  // nullopt, and the records must be read (reviews_on). The default knows nothing.
  virtual std::optional<int64_t> known_without_reviews(std::string_view agreement_id) {
    (void)agreement_id;
    return std::nullopt;
  }

  // True when a read waits on another machine (a PostgreSQL round trip), so that a server
  // reads on threads that may wait rather than on those that carry every connection's I/O.
  virtual bool reads_wait_on_network() const { return false; }

 protected:
  // Appends a record whose chain fields (time, seq, ids, hashes) are still to be filled.
  virtual bool append_record(ArchiveRecord record, ArchiveRecord* out, std::string* error) = 0;

 public:
  // Appends a review record after checking it against the decision it names (review_refusal):
  // false with `error` when it is refused or cannot be written. `refused` tells the two apart
  // (a refusal is the reviewer's to mend; a write failure the operator's).
  bool append_review(const Review& review, ArchiveRecord* out, std::string* error,
                     bool* refused = nullptr);

  // The review records of a decision, oldest first.
  std::vector<ArchiveRecord> reviews_of(const ArchiveRecord& decision);

  // The decisions that wait for a review, oldest first: at most `scan` standing `needs_review`
  // decisions are looked at (`*cut` tells whether there were more). For the review queues.
  std::vector<WaitingReview> waiting_for_review(size_t scan, bool* cut = nullptr);

  // The newest decision (not a review) on an agreement id, if any.
  std::optional<ArchiveRecord> latest_decision(std::string_view agreement_id);

  // The approvals review records stand for on this exact text (agreement id and digest): each
  // body's latest verdict, approve or deny, dated the day it was recorded. A body whose latest
  // verdict is request_changes has none. For load_document's `approvals`.
  std::vector<ApprovalEvidence> approvals_for(std::string_view agreement_id,
                                              std::string_view agreement_digest);

  // The readers below throw std::runtime_error when the archive cannot be read.
  // Records matching `q`, newest first.
  virtual std::vector<ArchiveRecord> list(const ArchiveQuery& q) = 0;
  virtual std::optional<ArchiveRecord> get(std::string_view decision_id) = 0;
  // The review records on an agreement id, newest first (an index serves it: every decision
  // taken with approvals from records asks).
  virtual std::vector<ArchiveRecord> reviews_on(std::string_view agreement_id, size_t limit) = 0;
  // Every record in order, for export.
  virtual std::vector<ArchiveRecord> all() = 0;

  // Recomputes the chain: an edited record, a deleted one (a gap, or a missing last record) or
  // a broken link is a problem naming the record; so is a record whose columns disagree with
  // its own decision document or agreement text (decision, agreement id and digest, pack,
  // decision id), and a review record that does not name an earlier `needs_review` decision on
  // the same text by a body it asked for.
  virtual ArchiveVerification verify() = 0;

  // verify(), then every checkpoint in `checkpoint_text` (JSON lines) must carry a signature
  // by one of `trusted_public_keys_pem` and name a record that is present with that hash: so
  // nothing up to the last checkpoint was removed or rewritten.
  ArchiveVerification verify_checkpoints(std::string_view checkpoint_text,
                                         const std::vector<std::string>& trusted_public_keys_pem);
};

// load_document taking its approvals from `archive`'s review records instead of the proposer's
// word: the text is read once for its id, then again with approvals_for(id, its digest). A
// read of the archive that fails throws std::runtime_error: no decision without the evidence.
// With `no_reviews_as_of`, an agreement the archive knows has no review records
// (known_without_reviews) is not read: `*no_reviews_as_of` is then that seq, to pass to append,
// else -1. Without it the records are always read.
// With `needs_read` (for a thread that must not wait) nothing is read at all: an agreement the
// archive cannot vouch for sets `*needs_read` and gives no document, only an error
// `archive.unread`; call again without it on a thread that may wait.
LoadResult load_with_reviews(Archive& archive, const CompiledPack& pack, std::string_view text,
                             std::string file, const LoadLimits& limits = {},
                             DocumentFormat format = DocumentFormat::kAuto,
                             const std::vector<ScanReport>* observed = nullptr,
                             int64_t* no_reviews_as_of = nullptr, bool* needs_read = nullptr);

// The error of an append whose decision counted no review records on its agreement when one
// had been committed since (no_reviews_as_of): decide again, reading the records.
inline constexpr std::string_view kReviewsChanged =
    "the archive cannot be written: the agreement's review records changed while it was decided";

// The hash of a record (every field but `hash`), chained to `prev_hash`: "sha256:<hex>".
std::string archive_record_hash(const ArchiveRecord& r);

}  // namespace steward
