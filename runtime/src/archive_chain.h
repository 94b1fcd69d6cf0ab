// What every archive backend shares: the record's canonical form and hash, group commit, and
// verification of the chain. A backend only stores batches and reads rows back.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "steward/archive.h"

namespace steward::archive_internal {

// The previous hash of the first record.
inline constexpr const char* kGenesis =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

// The chain's last record as the store saw it: (seq, hash); seq 0 and kGenesis when empty.
struct ChainHead {
  int64_t seq = 0;
  std::string hash = kGenesis;
};

// Fills the chain fields of `batch` (time, seq, prev_hash, decision_id, hash) so that it
// continues `head`, and returns the new head.
ChainHead link(const std::vector<ArchiveRecord*>& batch, ChainHead head);

// A query as SQL both backends read: the tables after FROM, the condition after WHERE (only
// the filters in use, so the agreement index serves an agreement query), its text parameters
// in order, and the ORDER BY ... LIMIT tail; columns are named `decisions.<column>`.
// `placeholder(i)` spells parameter i (1-based): `?i` or `$i`; `postgres` picks the dialect's
// substring search; `standing` says the store keeps the standing table (kStandingSchema), which
// then serves latest_only.
struct SqlQuery {
  std::string from;
  std::string where;
  std::vector<std::string> params;
  std::string tail;
};
SqlQuery sql_query(const ArchiveQuery& q, std::string (*placeholder)(size_t), bool postgres,
                   bool standing);

// The standing table: each agreement id's newest decision (review records aside), kept by the
// writers in the batch's transaction, so that the review queues read the decisions that stand
// instead of scanning every record. Derived from the chain and not part of it: rebuilt from
// the decisions when it is created (kStandingFill).
inline constexpr const char* kStandingSchema =
    "CREATE TABLE IF NOT EXISTS standing (agreement_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, "
    "decision TEXT NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS standing_decision ON standing(decision, seq);\n";
inline constexpr const char* kStandingFill =
    "INSERT INTO standing (agreement_id, seq, decision) SELECT d.agreement_id, d.seq, d.decision "
    "FROM decisions d WHERE d.decision <> 'review' AND NOT EXISTS (SELECT 1 FROM decisions e "
    "WHERE e.agreement_id = d.agreement_id AND e.seq > d.seq AND e.decision <> 'review');";
// Moves an agreement's standing decision to a newer one: parameters agreement id, seq, decision.
inline constexpr const char* kStandingUpsertTail =
    " ON CONFLICT (agreement_id) DO UPDATE SET seq = excluded.seq, decision = excluded.decision "
    "WHERE excluded.seq > standing.seq";

// A record of a batch to store, and what its decision counted of review records
// (Archive::append's no_reviews_as_of).
struct BatchItem {
  ArchiveRecord* record;
  int64_t no_reviews_as_of = -1;
  bool stale = false;  // not stored: a review came since (or the backend cannot check)
};

// Group commit: concurrent `append` calls are gathered into one transaction per batch, so
// that many decisions share one durable commit (one fsync) instead of paying one each. A
// caller returns only once the batch holding its record is committed, or with the batch's
// error: no decision leaves without its record.
//
// Until the first append_async, a waiting caller leads: it writes whatever has queued. From
// then on a writer thread of the archive's own writes every batch, synchronous callers' too,
// and calls each async caller's `done` after its batch (or leaves that to a teller thread).
class ChainedArchive : public Archive {
 public:
  ~ChainedArchive() override;
  bool append(const Decision& decision, std::string_view agreement_text, std::string_view caller,
              ArchiveRecord* out, std::string* error, int64_t no_reviews_as_of = -1) final;
  void append_async(const Decision& decision, std::string_view agreement_text,
                    std::string_view caller, AppendDone done, int64_t no_reviews_as_of = -1) final;
  ArchiveVerification verify() final;
  bool append_record(ArchiveRecord record, ArchiveRecord* out, std::string* error) final;
  bool enable_checkpoints(const CheckpointOptions& options, std::string* error) final;

 protected:
  // Derived destructors call this first, while the store can still be read: it writes what
  // is queued, stops the writer thread, and writes a last checkpoint of the head.
  void finish_checkpoints();

  // Called before each batch: false (with `error`) when the store is no longer the one that
  // was opened (an SQLite file unlinked or replaced), so that nothing is decided into it.
  virtual bool store_intact(std::string* error) {
    (void)error;
    return true;
  }
  // Stores `batch` in one transaction, which reads the head under a lock that serializes
  // writers (other processes included), calls `link`, inserts the records and moves the head.
  // All or nothing: on failure nothing of the batch is stored. Items marked `stale` on entry
  // are left out; a backend whose checks_reviews_at_commit() also marks, and leaves out, the
  // items whose decision counted no reviews when one came since. True with nothing written
  // when every item is stale.
  virtual bool write_batch(std::vector<BatchItem>& batch, std::string* error) = 0;
  // Whether write_batch checks no_reviews_as_of (the backend's known_without_reviews gives
  // seqs); where not, an item with one is marked stale before the write.
  virtual bool checks_reviews_at_commit() const { return false; }
  // The head the store recorded, or nullopt if it has none.
  virtual std::optional<ChainHead> stored_head() = 0;
  // Whether async callers are told by a thread of their own, so that the writer goes on to
  // the next batch at once: worth it where the writer is busy all the time, waiting on a
  // server (PostgreSQL); not measurably for SQLite (docs/performance.md).
  virtual bool tells_on_own_thread() const { return false; }

  // At most this many records share a transaction.
  static constexpr size_t kMaxBatch = 256;

 private:
  // A waiting caller. Each has its own condition variable, so that finishing a batch wakes
  // exactly its members and the next leader, not every waiting thread.
  // An async caller's has `then` and is owned by the queue, then by the batch writing it.
  struct Pending {
    ArchiveRecord record;
    int64_t no_reviews_as_of = -1;
    std::condition_variable cv;
    bool done = false;
    bool ok = false;
    std::string error;
    AppendDone then;
  };
  // Queues `p` and waits for its batch (or leads it).
  bool wait_for(Pending& p, ArchiveRecord* out, std::string* error);
  // Writes the queue's first batch; `lock` (on queue_mu_) is held on entry and on return, and
  // released while writing and while async callers are told.
  void write_next_batch(std::unique_lock<std::mutex>& lock);
  // The writer thread's loop: batches while anything is queued, until stop_writer.
  void writer_loop();
  // Writes what is queued, ends the writer thread, then the teller once it has answered all.
  void stop_writer();
  // The teller thread's loop: calls the `then` of each async caller whose batch is done.
  void teller_loop();
  // Calls each caller's `then` (outside queue_mu_) and empties `told`.
  static void tell(std::vector<std::unique_ptr<Pending>>& told);
  // Writes a checkpoint of `head` when the interval is reached (or `force`); called by the
  // batch leader after a commit, so checkpoints are written one at a time.
  bool checkpoint(const ChainHead& head, bool force, std::string* error);

  std::mutex queue_mu_;
  std::vector<Pending*> queue_;
  bool writing_ = false;
  std::thread writer_;  // started by the first append_async
  bool writer_stop_ = false;
  std::condition_variable writer_cv_;  // the writer thread waits here for work
  std::thread teller_;                 // started with the writer thread if tells_on_own_thread
  // Batches done whose async callers are not yet told, oldest first.
  std::vector<std::vector<std::unique_ptr<Pending>>> to_tell_;
  bool teller_stop_ = false;
  std::condition_variable teller_cv_;  // the teller thread waits here for answers to give

  CheckpointOptions checkpoints_;
  int checkpoint_fd_ = -1;
  int64_t checkpoint_seq_ = 0;
  std::chrono::steady_clock::time_point checkpoint_time_;
  bool checkpoint_broken_ = false;
};

// `message` (a libpq error, say, which may quote a token of the URL) with every password of
// `url` in it, as written or percent-decoded, replaced by `***`.
std::string redact_archive_message(std::string_view message, std::string_view url);
// Whether `url` begins as libpq's keyword/value form does (`host=...`): Archive::open refuses
// it rather than take it for a file name.
bool looks_like_connection_pairs(std::string_view url);

// Builds the SQLite archive at `path`.
std::unique_ptr<Archive> open_sqlite(const std::string& path, std::string* error, ArchiveMode mode);
// Builds the PostgreSQL archive for a libpq connection URL.
std::unique_ptr<Archive> open_postgres(const std::string& url, std::string* error,
                                       ArchiveMode mode);

// A backend's read connection, locked: a free one when there is one, so that a long read (a
// queue page) does not hold up the short ones deciding threads make; else the next in turn.
// `open(reader)` opens its connection on first use (the caller then holds reader.mu).
template <typename Reader, size_t N, typename Open>
std::pair<Reader*, std::unique_lock<std::mutex>> pick_reader(std::array<Reader, N>& readers,
                                                             std::atomic<size_t>& next,
                                                             Open&& open) {
  const size_t start = next++;
  for (size_t k = 0; k < N; ++k) {
    Reader& rd = readers[(start + k) % N];
    std::unique_lock<std::mutex> lock(rd.mu, std::try_to_lock);
    if (lock.owns_lock()) return {&open(rd), std::move(lock)};
  }
  Reader& rd = readers[start % N];
  std::unique_lock<std::mutex> lock(rd.mu);
  return {&open(rd), std::move(lock)};
}

}  // namespace steward::archive_internal
