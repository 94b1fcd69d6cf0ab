// Review records: a reviewer body's verdict on a `needs_review` decision, checked against the
// archived decision it names and appended to the same chain.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "approvals.h"
#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/document.h"
#include "steward/source.h"

namespace steward {
namespace {

constexpr size_t kMaxNote = 4096;
constexpr size_t kMaxName = 200;

bool is_verdict(const std::string& v) {
  return v == "approve" || v == "deny" || v == "request_changes";
}

// Valid UTF-8 without controls or bidirectional overrides (newlines and tabs in a note): they
// would reach every page and log that shows it.
bool printable(const std::string& s, bool newlines) {
  return find_invalid_utf8(s) == std::string_view::npos &&
         !find_control(s, newlines ? "\t\n" : "").found();
}

nlohmann::json parse_document(const std::string& text) {
  if (json_nesting(text) > 64) return nlohmann::json();
  return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

std::optional<Review> review_in(const ArchiveRecord& r) {
  if (!r.is_review()) return std::nullopt;
  const nlohmann::json doc = parse_document(r.document);
  if (!doc.is_object() || !doc.contains("review") || !doc["review"].is_object())
    return std::nullopt;
  const nlohmann::json& j = doc["review"];
  Review out;
  for (auto [key, field] : {std::pair{"decision_id", &out.decision_id},
                            {"body", &out.body},
                            {"verdict", &out.verdict},
                            {"note", &out.note},
                            {"reviewer", &out.reviewer}}) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    *field = j[key].get<std::string>();
  }
  if (!is_verdict(out.verdict)) return std::nullopt;
  out.agreement_digest = r.agreement_digest;
  return out;
}

std::vector<std::string> reviewers_asked(const ArchiveRecord& decision) {
  std::vector<std::string> out;
  if (decision.is_review()) return out;
  const nlohmann::json doc = parse_document(decision.document);
  if (!doc.is_object() || !doc.contains("reviewers") || !doc["reviewers"].is_array()) return out;
  for (const auto& b : doc["reviewers"])
    if (b.is_string()) out.push_back(b.get<std::string>());
  return out;
}

std::string review_refusal(const Review& review, const ArchiveRecord& reviewed,
                           const ArchiveRecord& latest) {
  if (!is_verdict(review.verdict))
    return fmt::format("the verdict `{}` is not approve, deny or request_changes", review.verdict);
  if (review.reviewer.empty() || review.reviewer.size() > kMaxName ||
      !printable(review.reviewer, false))
    return "the reviewer needs a name of printable characters";
  if (review.note.size() > kMaxNote || !printable(review.note, true))
    return fmt::format("the note must be at most {} bytes of text (newlines and tabs allowed)",
                       kMaxNote);
  if (reviewed.is_review())
    return fmt::format("`{}` is a review, not a decision", reviewed.decision_id);
  if (reviewed.decision != "needs_review")
    return fmt::format("`{}` is `{}`: only a needs_review decision is reviewed",
                       reviewed.decision_id, reviewed.decision);
  const std::vector<std::string> asked = reviewers_asked(reviewed);
  if (std::find(asked.begin(), asked.end(), review.body) == asked.end())
    return fmt::format("`{}` did not ask `{}` for review; it asked: {}", reviewed.decision_id,
                       review.body,
                       asked.empty() ? "nobody" : fmt::format("`{}`", fmt::join(asked, "`, `")));
  if (review.agreement_digest != reviewed.agreement_digest)
    return fmt::format(
        "the text reviewed ({}) is not the text `{}` decided on ({}): review what was decided",
        review.agreement_digest.empty() ? "no digest given" : review.agreement_digest,
        reviewed.decision_id, reviewed.agreement_digest);
  if (latest.agreement_digest != reviewed.agreement_digest)
    return fmt::format(
        "agreement `{}` has changed since `{}`: the latest decision on it, `{}` ({}), is on "
        "other text; review that one",
        reviewed.agreement_id, reviewed.decision_id, latest.decision_id, latest.time);
  return "";
}

bool Archive::append_review(const Review& review, ArchiveRecord* out, std::string* error,
                            bool* refused) {
  auto refuse = [&](std::string why) {
    if (refused) *refused = true;
    *error = std::move(why);
    return false;
  };
  if (refused) *refused = false;
  std::optional<ArchiveRecord> reviewed = get(review.decision_id);
  if (!reviewed) return refuse(fmt::format("there is no decision `{}`", review.decision_id));
  // The newest decision on the same agreement (review records left out). Reviews are few and
  // a person's, so a race with a new decision on the same id in the next instant is not
  // guarded here: `archive verify` and re-evaluation both bind every review to its text.
  std::optional<ArchiveRecord> newest = latest_decision(reviewed->agreement_id);
  const ArchiveRecord& latest = newest && newest->seq > reviewed->seq ? *newest : *reviewed;
  if (std::string why = review_refusal(review, *reviewed, latest); !why.empty())
    return refuse(std::move(why));
  ArchiveRecord r;
  r.agreement_id = reviewed->agreement_id;
  r.agreement_digest = reviewed->agreement_digest;
  r.pack_name = reviewed->pack_name;
  r.pack_version = reviewed->pack_version;
  r.pack_digest = reviewed->pack_digest;
  r.decision = ArchiveRecord::kReviewKind;
  r.caller = review.reviewer;
  nlohmann::ordered_json doc = {
      {"decision", ArchiveRecord::kReviewKind},
      {"agreement", reviewed->agreement_id},
      {"policy", {{"name", r.pack_name}, {"version", r.pack_version}, {"digest", r.pack_digest}}},
      {"review",
       {{"decision_id", reviewed->decision_id},
        {"body", review.body},
        {"verdict", review.verdict},
        {"note", review.note},
        {"reviewer", review.reviewer}}}};
  r.document = doc.dump();
  return append_record(std::move(r), out, error);
}

std::vector<ArchiveRecord> Archive::reviews_of(const ArchiveRecord& decision) {
  std::vector<ArchiveRecord> out;
  for (ArchiveRecord& r : reviews_on(decision.agreement_id, 1000)) {
    std::optional<Review> review = review_in(r);
    if (review && review->decision_id == decision.decision_id) out.push_back(std::move(r));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

namespace {

// How many of an agreement's review records a decision looks at, newest first.
constexpr size_t kReviewScan = 1000;

// Each body's latest verdict on the text with `agreement_digest` among `reviews` (newest
// first), as approvals_for describes.
std::vector<ApprovalEvidence> approvals_in(const std::vector<ArchiveRecord>& reviews,
                                           std::string_view agreement_digest) {
  std::vector<ApprovalEvidence> out;
  std::vector<std::string> seen;  // bodies whose latest verdict was read
  // Newest first: the first verdict of each body is its latest.
  for (const ArchiveRecord& r : reviews) {
    if (r.agreement_digest != agreement_digest) continue;
    std::optional<Review> review = review_in(r);
    if (!review) continue;
    if (std::find(seen.begin(), seen.end(), review->body) != seen.end()) continue;
    seen.push_back(review->body);
    int32_t day = 0;
    if (review->verdict == "request_changes" || !parse_iso_date(r.time.substr(0, 10), &day))
      continue;
    out.push_back({review->body, review->verdict == "approve", day, r.decision_id});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

LoadResult load_with_reviews(Archive& archive, const CompiledPack& pack, std::string_view text,
                             std::string file, const LoadLimits& limits, DocumentFormat format,
                             const std::vector<ScanReport>* observed, int64_t* no_reviews_as_of,
                             bool* needs_read) {
  int64_t vouched = -1;  // needs_read asks for the archive's word even without no_reviews_as_of
  if (needs_read) {
    *needs_read = false;
    if (!no_reviews_as_of) no_reviews_as_of = &vouched;
  }
  if (no_reviews_as_of) *no_reviews_as_of = -1;
  std::string known_id;  // the id no_reviews_as_of was given for
  const detail::ApprovalRecords records = [&](const std::string& id) {
    if (no_reviews_as_of) {
      *no_reviews_as_of = -1;
      if (std::optional<int64_t> seq = archive.known_without_reviews(id)) {
        *no_reviews_as_of = *seq;
        known_id = id;
        return std::vector<ApprovalEvidence>{};
      }
    }
    if (needs_read) {
      *needs_read = true;
      return std::vector<ApprovalEvidence>{};
    }
    const std::vector<ArchiveRecord> reviews = archive.reviews_on(id, kReviewScan);
    // The text's digest only when there are records to match it against: most agreements
    // have none, and the archive hashes the text again for the decision's record.
    if (reviews.empty()) return std::vector<ApprovalEvidence>{};
    return approvals_in(reviews, "sha256:" + sha256_hex(text));
  };
  LoadResult loaded =
      detail::load_document_with(pack, text, file, limits, format, observed, &records);
  // The commit checks the decision's agreement id: the seq must be for that id, or the
  // records are read after all.
  if (no_reviews_as_of && *no_reviews_as_of >= 0) {
    if (!loaded.ok()) {
      *no_reviews_as_of = -1;  // no decision comes of it
    } else if (loaded.document->id() != known_id) {
      *no_reviews_as_of = -1;
      if (needs_read)
        *needs_read = true;
      else
        return load_with_reviews(archive, pack, text, std::move(file), limits, format, observed);
    }
  }
  if (needs_read && *needs_read) {
    // Approvals left out are not evidence of their absence: nothing may be decided from this.
    *no_reviews_as_of = -1;  // set above whenever needs_read is
    LoadResult unread;
    unread.errors.push_back(
        {"archive.unread", "", 0, 0, "the agreement's review records were not read"});
    return unread;
  }
  return loaded;
}

std::vector<ApprovalEvidence> Archive::approvals_for(std::string_view agreement_id,
                                                     std::string_view agreement_digest) {
  return approvals_in(reviews_on(agreement_id, kReviewScan), agreement_digest);
}

bool ArchiveQuery::matches(const ArchiveRecord& r) const {
  if (!agreement_id.empty() && r.agreement_id != agreement_id) return false;
  if (!decision.empty() && r.decision != decision) return false;
  if (!caller.empty() && r.caller != caller) return false;
  if ((decisions_only || latest_only) && r.is_review()) return false;
  if (before_seq > 0 && r.seq >= before_seq) return false;
  const std::string_view day = std::string_view(r.time).substr(0, 10);
  if (!from.empty() && day < from) return false;
  if (!to.empty() && day > to) return false;
  if (!clause.empty() && r.document.find(clause_needle(clause)) == std::string::npos) return false;
  return true;
}

std::string ArchiveQuery::clause_needle(std::string_view clause) {
  // As the decision writer escapes a string; an id with other characters matches nothing.
  return "\"clause\":" + nlohmann::json(std::string(clause))
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<ArchiveRecord> Archive::latest_decision(std::string_view agreement_id) {
  ArchiveQuery q;
  q.agreement_id = std::string(agreement_id);
  q.decisions_only = true;
  q.limit = 1;
  std::vector<ArchiveRecord> r = list(q);
  if (r.empty()) return std::nullopt;
  return std::move(r.front());
}

std::vector<WaitingReview> Archive::waiting_for_review(size_t scan, bool* cut) {
  ArchiveQuery q;
  q.decision = "needs_review";
  q.latest_only = true;
  q.oldest_first = true;
  q.limit = scan + 1;
  std::vector<ArchiveRecord> standing = list(q);
  if (cut) *cut = standing.size() > scan;
  if (standing.size() > scan) standing.resize(scan);
  std::vector<WaitingReview> out;
  for (ArchiveRecord& d : standing) {
    std::vector<std::string> bodies = reviewers_asked(d);
    // A verdict on the same text counts whichever decision on it was reviewed: the decision
    // derived again after one body's review still asks the others.
    for (const ArchiveRecord& r : reviews_on(d.agreement_id, 1000)) {
      if (r.agreement_digest != d.agreement_digest) continue;
      if (std::optional<Review> review = review_in(r))
        bodies.erase(std::remove(bodies.begin(), bodies.end(), review->body), bodies.end());
    }
    if (!bodies.empty()) out.push_back({std::move(d), std::move(bodies)});
  }
  return out;
}

}  // namespace steward
