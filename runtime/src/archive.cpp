// The backend-independent half of the archive: hashing, group commit, verification, open().
#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>

#include "archive_chain.h"
#include "steward/compiler.h"
#include "steward/document.h"
#include "steward/signing.h"

namespace steward {
namespace archive_internal {
namespace {

// Length-prefixed fields, so no two records share a byte stream.
std::string canonical(const ArchiveRecord& r) {
  std::string out;
  out.reserve(r.agreement.size() + r.document.size() + 512);
  auto field = [&](std::string_view s) {
    fmt::format_to(std::back_inserter(out), "{}:{}\n", s.size(), s);
  };
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

}  // namespace

namespace {

std::string decision_id_for(const ArchiveRecord& r) {
  return fmt::format(
      "{}-{:010x}{}", r.is_review() ? 'r' : 'd', r.seq,
      sha256_hex(fmt::format("{}|{}|{}|{}", r.prev_hash, r.seq, r.time, r.agreement_digest))
          .substr(0, 14));
}

// Why a record's columns disagree with its own decision document and agreement text, or "".
// A review record repeats no text: its digest is checked against the reviewed record instead.
std::string inconsistency(const ArchiveRecord& r) {
  if (r.is_review()) {
    if (!r.agreement.empty()) return "a review record carries agreement text";
    std::optional<Review> review = review_in(r);
    if (!review) return "its review document is not a review";
    if (review->reviewer != r.caller) return "the reviewer differs from its caller column";
  } else if (r.agreement_digest != "sha256:" + sha256_hex(r.agreement)) {
    return "the agreement text does not have the recorded digest";
  }
  if (r.decision_id != decision_id_for(r)) return "its decision id is not the one it was given";
  if (json_nesting(r.document) > 64) return "its decision document is not a decision";
  nlohmann::json doc = nlohmann::json::parse(r.document, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "its decision document is not JSON";
  auto str = [&](const nlohmann::json& j, const char* key) -> std::string {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                  : std::string("\x01");
  };
  if (str(doc, "decision") != r.decision)
    return fmt::format("the decision column says `{}`, its decision document `{}`", r.decision,
                       str(doc, "decision"));
  const std::string agreement = doc.contains("agreement") && doc["agreement"].is_null()
                                    ? std::string()
                                    : str(doc, "agreement");
  if (agreement != r.agreement_id) return "the agreement id differs from its decision document";
  const nlohmann::json policy = doc.contains("policy") ? doc["policy"] : nlohmann::json();
  if (str(policy, "name") != r.pack_name || str(policy, "version") != r.pack_version ||
      str(policy, "digest") != r.pack_digest)
    return "the policy columns differ from its decision document";
  return "";
}

// The review records a decision document says its approvals came from (`approvals.records`).
std::vector<std::string> approval_records_named(const ArchiveRecord& r) {
  std::vector<std::string> out;
  if (r.document.find("\"review_records\"") == std::string::npos || json_nesting(r.document) > 64)
    return out;
  const nlohmann::json doc = nlohmann::json::parse(r.document, nullptr, false);
  if (!doc.is_object() || !doc.contains("approvals") || !doc["approvals"].is_object()) return out;
  const nlohmann::json& a = doc["approvals"];
  if (!a.contains("records") || !a["records"].is_array()) return out;
  for (const auto& id : a["records"])
    out.push_back(id.is_string() ? id.get<std::string>() : std::string("(not a string)"));
  return out;
}

}  // namespace

SqlQuery sql_query(const ArchiveQuery& q, std::string (*placeholder)(size_t), bool postgres,
                   bool standing) {
  SqlQuery out;
  std::vector<std::string> terms;
  auto param = [&](std::string value) {
    out.params.push_back(std::move(value));
    return placeholder(out.params.size());
  };
  out.from = "decisions";
  if (q.latest_only && standing) {
    // The standing table holds each agreement's newest decision: a join reads only those.
    out.from = "standing JOIN decisions ON decisions.seq = standing.seq";
    if (!q.decision.empty()) terms.push_back("standing.decision = " + param(q.decision));
  } else if (q.latest_only) {
    terms.push_back(
        "NOT EXISTS (SELECT 1 FROM decisions e WHERE e.agreement_id = decisions.agreement_id AND "
        "e.seq > decisions.seq AND e.decision <> 'review')");
  }
  if (!q.agreement_id.empty()) terms.push_back("decisions.agreement_id = " + param(q.agreement_id));
  if (!q.decision.empty()) terms.push_back("decisions.decision = " + param(q.decision));
  if (!q.caller.empty()) terms.push_back("decisions.caller = " + param(q.caller));
  if (q.decisions_only || q.latest_only) terms.push_back("decisions.decision <> 'review'");
  if (q.before_seq > 0)
    terms.push_back("decisions.seq < CAST(" + param(std::to_string(q.before_seq)) + " AS BIGINT)");
  if (!q.from.empty()) terms.push_back("substr(decisions.time, 1, 10) >= " + param(q.from));
  if (!q.to.empty()) terms.push_back("substr(decisions.time, 1, 10) <= " + param(q.to));
  // strpos in PostgreSQL, instr in SQLite: both case-sensitive, unlike LIKE in SQLite.
  if (!q.clause.empty())
    terms.push_back(fmt::format("{}(decisions.document, {}) > 0", postgres ? "strpos" : "instr",
                                param(ArchiveQuery::clause_needle(q.clause))));
  out.where = terms.empty() ? "TRUE" : fmt::format("{}", fmt::join(terms, " AND "));
  // Ordered by the standing table's own column when it leads, so its index gives the order.
  out.tail = fmt::format(" ORDER BY {}.seq {} LIMIT CAST({} AS BIGINT)",
                         q.latest_only && standing ? "standing" : "decisions",
                         q.oldest_first ? "ASC" : "DESC", param(std::to_string(q.limit)));
  return out;
}

ChainHead link(const std::vector<ArchiveRecord*>& batch, ChainHead head) {
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string time = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", now);
  for (ArchiveRecord* r : batch) {
    r->time = time;
    r->seq = head.seq + 1;
    r->prev_hash = head.hash;
    // The sequence number first makes ids unique and ascending, so the id index grows at its
    // end instead of touching a random page per record (which halved archive throughput); the
    // hash part makes an id hard to guess.
    r->decision_id = decision_id_for(*r);
    r->hash = archive_record_hash(*r);
    head = {r->seq, r->hash};
  }
  return head;
}

namespace {

// Everything of a decision's record that does not depend on the chain, prepared by the
// caller's thread, in parallel with others.
ArchiveRecord record_of(const Decision& d, std::string_view agreement_text,
                        std::string_view caller) {
  ArchiveRecord r;
  r.agreement_id = d.agreement;
  r.agreement_digest = "sha256:" + sha256_hex(agreement_text);
  r.agreement = std::string(agreement_text);
  r.pack_name = d.policy.name;
  r.pack_version = d.policy.version;
  r.pack_digest = d.policy.digest;
  r.decision = outcome_name(d.outcome);
  r.document = to_json(d, -1);
  r.caller = std::string(caller);
  return r;
}

}  // namespace

bool ChainedArchive::append(const Decision& d, std::string_view agreement_text,
                            std::string_view caller, ArchiveRecord* out, std::string* error,
                            int64_t no_reviews_as_of) {
  Pending p;
  p.record = record_of(d, agreement_text, caller);
  p.no_reviews_as_of = no_reviews_as_of;
  return wait_for(p, out, error);
}

void ChainedArchive::append_async(const Decision& d, std::string_view agreement_text,
                                  std::string_view caller, AppendDone done,
                                  int64_t no_reviews_as_of) {
  std::string refused;
  try {
    auto p = std::make_unique<Pending>();
    p->record = record_of(d, agreement_text, caller);
    p->no_reviews_as_of = no_reviews_as_of;
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (writer_stop_) {
      refused = "the archive is closing; no decision is given";
    } else {
      if (!writer_.joinable()) {
        if (!teller_.joinable() && tells_on_own_thread())
          teller_ = std::thread([this] { teller_loop(); });
        writer_ = std::thread([this] { writer_loop(); });
      }
      queue_.push_back(p.get());
      // Taken only once nothing can throw: until then a failure still answers through it.
      p->then = std::move(done);
      p.release();
      writer_cv_.notify_one();
      return;
    }
  } catch (const std::exception& e) {
    // No memory for the record, or no thread to write it: the caller still hears, once.
    refused = fmt::format("the archive cannot be written: {}", e.what());
  }
  done(false, {}, std::move(refused));
}

bool ChainedArchive::append_record(ArchiveRecord record, ArchiveRecord* out, std::string* error) {
  Pending p;
  p.record = std::move(record);
  return wait_for(p, out, error);
}

bool ChainedArchive::wait_for(Pending& p, ArchiveRecord* out, std::string* error) {
  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_.push_back(&p);
  if (writer_.joinable()) writer_cv_.notify_one();
  while (!p.done) {
    // With a writer thread it writes every batch; without, whoever finds none being written
    // leads: it writes whatever has queued up, its own record among it.
    if (writing_ || writer_.joinable()) {
      p.cv.wait(lock);
      continue;
    }
    write_next_batch(lock);
  }
  if (!p.ok) {
    *error = p.error;
    return false;
  }
  if (out) *out = std::move(p.record);
  return true;
}

void ChainedArchive::write_next_batch(std::unique_lock<std::mutex>& lock) {
  writing_ = true;
  size_t n = std::min(queue_.size(), kMaxBatch);
  std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
  lock.unlock();
  std::string batch_error;
  bool ok = false;
  // One item per member of the batch, in order; write_batch marks the ones not stored because
  // a review came since their decision.
  std::vector<BatchItem> items;
  try {
    // A decision that counted no reviews on the word of known_without_reviews is stored only
    // where the backend checks that word at commit; elsewhere it is refused here.
    const bool checks = checks_reviews_at_commit();
    items.reserve(batch.size());
    for (Pending* p : batch)
      items.push_back({&p->record, p->no_reviews_as_of, p->no_reviews_as_of >= 0 && !checks});
    if (checkpoint_broken_) {
      batch_error = "the archive's checkpoints cannot be written; no decision is given";
    } else if (store_intact(&batch_error)) {
      ok = write_batch(items, &batch_error);
      const ArchiveRecord* last = nullptr;  // the batch's last stored record
      for (const BatchItem& item : items)
        if (!item.stale) last = item.record;
      // A batch whose checkpoint fails is withheld: its records exist, but nothing outside
      // the database could vouch for them later.
      if (ok && checkpoint_fd_ >= 0 && last != nullptr &&
          !checkpoint({last->seq, last->hash}, false, &batch_error))
        ok = false;
    }
  } catch (const std::exception& e) {
    batch_error = fmt::format("the archive cannot be written: {}", e.what());
  }
  if (!ok && batch_error.empty()) batch_error = "the archive cannot be written";
  // Async callers are told outside the lock (their `done` may take time, or append again),
  // by the teller thread where the store has one (tells_on_own_thread), else here; each only
  // now that its batch is committed or has failed.
  std::vector<std::unique_ptr<Pending>> told;
  lock.lock();
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending* q = batch[i];
    // A stale decision is refused even when the rest of its batch was stored.
    const bool stale = i < items.size() && items[i].stale;
    q->ok = ok && !stale;
    q->error = stale && ok ? std::string(kReviewsChanged) : batch_error;
    if (q->then) {
      told.emplace_back(q);
    } else {
      q->done = true;
      q->cv.notify_one();
    }
  }
  if (!told.empty() && teller_.joinable()) {
    try {
      to_tell_.push_back(std::move(told));
      told.clear();
      teller_cv_.notify_one();
    } catch (const std::bad_alloc&) {
      // No room in the teller's list: `told` is still whole, and told here.
    }
  }
  if (!told.empty()) {
    lock.unlock();
    tell(told);
    lock.lock();
  }
  writing_ = false;
  // Whoever queued during the write leads the next batch, or the writer thread writes it.
  if (writer_.joinable())
    writer_cv_.notify_one();
  else if (!queue_.empty())
    queue_.front()->cv.notify_one();
}

void ChainedArchive::writer_loop() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  for (;;) {
    if (queue_.empty() || writing_) {
      // A batch a synchronous leader started before this thread ran ends with a notify.
      if (queue_.empty() && writer_stop_) return;
      writer_cv_.wait(lock);
      continue;
    }
    write_next_batch(lock);
  }
}

void ChainedArchive::tell(std::vector<std::unique_ptr<Pending>>& told) {
  for (auto& q : told) {
    try {
      q->then(q->ok, std::move(q->record), std::move(q->error));
    } catch (...) {
      // A caller's `done` that throws must not stop the answers of every other caller.
    }
  }
  told.clear();
}

void ChainedArchive::teller_loop() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  std::vector<std::vector<std::unique_ptr<Pending>>> batches;
  for (;;) {
    if (to_tell_.empty()) {
      if (teller_stop_) return;
      teller_cv_.wait(lock);
      continue;
    }
    batches.swap(to_tell_);
    lock.unlock();
    for (auto& told : batches) tell(told);
    batches.clear();
    lock.lock();
  }
}

void ChainedArchive::stop_writer() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    writer_stop_ = true;
    writer_cv_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
  // Only once the writer has told it every batch: the teller then answers all it was given.
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    teller_stop_ = true;
    teller_cv_.notify_one();
  }
  if (teller_.joinable()) teller_.join();
}

ArchiveVerification ChainedArchive::verify() {
  ArchiveVerification v;
  // The head first: records a live server appends meanwhile come after it and are still
  // checked, but cannot make the head look wrong.
  std::optional<ChainHead> head = stored_head();
  std::vector<ArchiveRecord> records = all();
  std::string hash_at_head = kGenesis;
  std::string prev = kGenesis;
  int64_t expected = 1;
  std::map<std::string, size_t> decision_at;  // decision id -> its index in `records`
  std::map<std::string, size_t> review_at;    // review id -> its index
  for (size_t i = 0; i < records.size(); ++i) {
    const ArchiveRecord& r = records[i];
    if (!r.is_review()) {
      decision_at.emplace(r.decision_id, i);
      // A decision that took its approvals from review records names them: each must be an
      // earlier verdict on this very text.
      for (const std::string& id : approval_records_named(r)) {
        auto it = review_at.find(id);
        std::optional<Review> used =
            it == review_at.end() ? std::nullopt : review_in(records[it->second]);
        std::string why;
        if (!used)
          why = fmt::format("it counts the approval of `{}`, which is not an earlier review", id);
        else if (records[it->second].agreement_digest != r.agreement_digest ||
                 records[it->second].agreement_id != r.agreement_id)
          why = fmt::format("it counts `{}`, a review of other text", id);
        else if (used->verdict == "request_changes")
          why = fmt::format("it counts `{}`, which approved nothing", id);
        if (!why.empty())
          v.problems.push_back(fmt::format("record {} ({}) does not link to its reviews: {}", r.seq,
                                           r.decision_id, why));
      }
      continue;
    }
    review_at.emplace(r.decision_id, i);
    // A review must name a decision before it, on the same text, by a body it asked for.
    std::optional<Review> review = review_in(r);
    if (!review) continue;  // inconsistency() reports it
    auto it = decision_at.find(review->decision_id);
    std::string why;
    if (it == decision_at.end()) {
      why = fmt::format("it reviews `{}`, which is not an earlier decision", review->decision_id);
    } else {
      const ArchiveRecord& reviewed = records[it->second];
      const std::vector<std::string> asked = reviewers_asked(reviewed);
      if (reviewed.decision != "needs_review")
        why = fmt::format("it reviews `{}`, a decision that asked for no review",
                          reviewed.decision_id);
      else if (std::find(asked.begin(), asked.end(), review->body) == asked.end())
        why = fmt::format("`{}` reviewed `{}`, which did not ask for it", review->body,
                          reviewed.decision_id);
      else if (reviewed.agreement_digest != r.agreement_digest ||
               reviewed.agreement_id != r.agreement_id)
        why = fmt::format("it is not bound to the text of `{}`", reviewed.decision_id);
    }
    if (!why.empty())
      v.problems.push_back(
          fmt::format("review record {} ({}) does not link: {}", r.seq, r.decision_id, why));
  }
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
    // A rewrite that recomputed the hashes still has to agree with itself.
    if (std::string why = inconsistency(r); !why.empty())
      v.problems.push_back(
          fmt::format("record {} ({}) disagrees with itself: {}", r.seq, r.decision_id, why));
    prev = r.hash;
    if (head && r.seq == head->seq) hash_at_head = r.hash;
    ++expected;
  }
  if (head) {
    if (head->seq > expected - 1) {
      v.problems.push_back(
          fmt::format("the archive recorded {} records, but the last one present is {}: "
                      "records after it were deleted",
                      head->seq, expected - 1));
    } else if (head->hash != hash_at_head) {
      v.problems.push_back(
          fmt::format("the last record ({}) does not match the chain head", head->seq));
    }
  } else if (!records.empty()) {
    v.problems.push_back("the chain head is missing");
  }
  v.ok = v.problems.empty();
  return v;
}

ChainedArchive::~ChainedArchive() {
  // The derived destructor stopped the writer already (finish_checkpoints); this is for one
  // that forgot, as a running std::thread may not be destroyed.
  stop_writer();
  if (checkpoint_fd_ >= 0) ::close(checkpoint_fd_);
}

void ChainedArchive::finish_checkpoints() {
  stop_writer();
  if (checkpoint_fd_ < 0 || checkpoint_broken_) return;
  // A last checkpoint of whatever was written since the previous one.
  std::string error;
  try {
    if (auto head = stored_head(); head && head->seq > checkpoint_seq_)
      checkpoint(*head, true, &error);
  } catch (const std::exception&) {
    // The store is gone; the checkpoints written so far stand.
  }
}

bool ChainedArchive::enable_checkpoints(const CheckpointOptions& options, std::string* error) {
  std::string probe_sig, fp;
  if (!sign_message(options.private_key_pem, "probe", &probe_sig, &fp, error)) return false;
  // Append only: a checkpoint is never rewritten by steward (`chattr +a` makes it so for
  // everyone else too).
  int fd = ::open(options.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error =
        fmt::format("cannot open the checkpoint file `{}`: {}", options.path, std::strerror(errno));
    return false;
  }
  std::lock_guard<std::mutex> lock(queue_mu_);
  checkpoints_ = options;
  checkpoint_fd_ = fd;
  std::optional<ChainHead> head = stored_head();
  return checkpoint(head ? *head : ChainHead{}, true, error);
}

bool ChainedArchive::checkpoint(const ChainHead& head, bool force, std::string* error) {
  auto now = std::chrono::steady_clock::now();
  bool due =
      force || head.seq - checkpoint_seq_ >= static_cast<int64_t>(checkpoints_.every_records) ||
      std::chrono::duration<double>(now - checkpoint_time_).count() >= checkpoints_.every_seconds;
  if (!due || (head.seq == checkpoint_seq_ && !force)) return true;
  auto wall = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string time = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", wall);
  std::string sig, fp;
  if (!sign_message(checkpoints_.private_key_pem, checkpoint_message(head.seq, head.hash, time),
                    &sig, &fp, error)) {
    checkpoint_broken_ = true;
    return false;
  }
  std::string line =
      nlohmann::ordered_json{
          {"seq", head.seq}, {"head", head.hash}, {"time", time}, {"key", fp}, {"signature", sig}}
          .dump() +
      "\n";
  ssize_t n = ::write(checkpoint_fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()) || ::fsync(checkpoint_fd_) != 0) {
    *error = fmt::format("cannot write the checkpoint file `{}`: {}", checkpoints_.path,
                         n < 0 ? std::strerror(errno) : "short write");
    checkpoint_broken_ = true;
    return false;
  }
  checkpoint_seq_ = head.seq;
  checkpoint_time_ = now;
  return true;
}

}  // namespace archive_internal

std::string checkpoint_message(int64_t seq, std::string_view head, std::string_view time) {
  return fmt::format("steward-checkpoint/1\n{}\n{}\n{}\n", seq, head, time);
}

ArchiveVerification Archive::verify_checkpoints(std::string_view text,
                                                const std::vector<std::string>& keys) {
  ArchiveVerification v = verify();
  std::map<int64_t, std::string> hashes;
  for (const auto& r : all()) hashes[r.seq] = r.hash;
  size_t line_no = 0, good = 0;
  int64_t last = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json c =
        json_nesting(line) > 2 ? nlohmann::json() : nlohmann::json::parse(line, nullptr, false);
    if (!c.is_object() || !c.contains("seq") || !c["seq"].is_number_integer() ||
        !c.contains("head") || !c["head"].is_string() || !c.contains("time") ||
        !c["time"].is_string() || !c.contains("signature") || !c["signature"].is_string()) {
      v.problems.push_back(fmt::format("checkpoint line {} is not a checkpoint", line_no));
      continue;
    }
    const int64_t seq = c["seq"].get<int64_t>();
    const std::string head = c["head"].get<std::string>();
    std::string why;
    if (!verify_message(keys, checkpoint_message(seq, head, c["time"].get<std::string>()),
                        c["signature"].get<std::string>(), &why)) {
      v.problems.push_back(
          fmt::format("checkpoint line {} (record {}): its signature {}", line_no, seq, why));
      continue;
    }
    if (seq < last)
      v.problems.push_back(fmt::format(
          "checkpoint line {} (record {}) goes back from record {}: the chain was rewound", line_no,
          seq, last));
    last = std::max(last, seq);
    ++good;
    if (seq == 0) continue;
    auto it = hashes.find(seq);
    if (it == hashes.end()) {
      v.problems.push_back(
          fmt::format("checkpoint line {}: record {} was there when it was signed and is gone now",
                      line_no, seq));
    } else if (it->second != head) {
      v.problems.push_back(fmt::format(
          "checkpoint line {}: record {} is not the one that was signed: it, or a record "
          "before it, was rewritten",
          line_no, seq));
    }
  }
  if (good == 0) v.problems.push_back("the checkpoint file holds no signed checkpoint");
  v.ok = v.problems.empty();
  return v;
}

std::string archive_record_hash(const ArchiveRecord& r) {
  return "sha256:" + sha256_hex(archive_internal::canonical(r));
}

void Archive::append_async(const Decision& decision, std::string_view agreement_text,
                           std::string_view caller, AppendDone done, int64_t no_reviews_as_of) {
  ArchiveRecord record;
  std::string error;
  bool ok = false;
  try {
    ok = append(decision, agreement_text, caller, &record, &error, no_reviews_as_of);
  } catch (const std::exception& e) {
    error = fmt::format("the archive cannot be written: {}", e.what());
  }
  done(ok, std::move(record), std::move(error));
}

std::unique_ptr<Archive> Archive::open(const std::string& url, std::string* error,
                                       ArchiveMode mode) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return archive_internal::open_postgres(url, error, mode);
  std::string path = url;
  if (path.rfind("sqlite:", 0) == 0) {
    path = path.substr(7);
  } else if (archive_internal::looks_like_connection_pairs(url)) {
    // Taken for a file name it would quietly archive into a new local file (named with the
    // password, if it holds one) instead of the shared database.
    *error = fmt::format(
        "`{}` is libpq's keyword/value form, which the archive does not take; write it as a "
        "`postgresql://` URL, or as `sqlite:PATH` for a file whose name begins so",
        redact_archive_url(url));
    return nullptr;
  }
  if (path.empty()) {
    *error = "the archive needs a file: sqlite:PATH";
    return nullptr;
  }
  return archive_internal::open_sqlite(path, error, mode);
}

}  // namespace steward
