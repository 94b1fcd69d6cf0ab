// The backend-independent half of the archive: hashing, group commit, verification, open().
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "archive_chain.h"
#include "steward/compiler.h"

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
    r->decision_id = fmt::format(
        "d-{:010x}{}", r->seq,
        sha256_hex(fmt::format("{}|{}|{}|{}", r->prev_hash, r->seq, r->time, r->agreement_digest))
            .substr(0, 14));
    r->hash = archive_record_hash(*r);
    head = {r->seq, r->hash};
  }
  return head;
}

bool ChainedArchive::append(const Decision& d, std::string_view agreement_text,
                            std::string_view caller, ArchiveRecord* out, std::string* error) {
  Pending p;
  ArchiveRecord& r = p.record;
  // Everything that does not depend on the chain is prepared here, in parallel with others.
  r.agreement_id = d.agreement;
  r.agreement_digest = "sha256:" + sha256_hex(agreement_text);
  r.agreement = std::string(agreement_text);
  r.pack_name = d.policy.name;
  r.pack_version = d.policy.version;
  r.pack_digest = d.policy.digest;
  r.decision = outcome_name(d.outcome);
  r.document = to_json(d, -1);
  r.caller = std::string(caller);

  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_.push_back(&p);
  while (!p.done) {
    if (writing_) {
      p.cv.wait(lock);
      continue;
    }
    // This caller leads: it writes whatever has queued up, its own record among it.
    writing_ = true;
    size_t n = std::min(queue_.size(), kMaxBatch);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
    lock.unlock();
    std::vector<ArchiveRecord*> records;
    records.reserve(batch.size());
    for (Pending* q : batch) records.push_back(&q->record);
    std::string batch_error;
    bool ok = false;
    try {
      ok = write_batch(records, &batch_error);
    } catch (const std::exception& e) {
      batch_error = fmt::format("the archive cannot be written: {}", e.what());
    }
    if (!ok && batch_error.empty()) batch_error = "the archive cannot be written";
    lock.lock();
    for (Pending* q : batch) {
      q->ok = ok;
      q->error = batch_error;
      q->done = true;
      if (q != &p) q->cv.notify_one();
    }
    writing_ = false;
    // Whoever queued during the write leads the next batch.
    if (!queue_.empty()) queue_.front()->cv.notify_one();
  }
  if (!p.ok) {
    *error = p.error;
    return false;
  }
  if (out) *out = std::move(p.record);
  return true;
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

}  // namespace archive_internal

std::string archive_record_hash(const ArchiveRecord& r) {
  return "sha256:" + sha256_hex(archive_internal::canonical(r));
}

std::unique_ptr<Archive> Archive::open(const std::string& url, std::string* error) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return archive_internal::open_postgres(url, error);
  std::string path = url;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  if (path.empty()) {
    *error = "the archive needs a file: sqlite:PATH";
    return nullptr;
  }
  return archive_internal::open_sqlite(path, error);
}

}  // namespace steward
