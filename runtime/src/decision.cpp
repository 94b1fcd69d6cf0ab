// The decision document of the spec, written directly: keys in the spec's order, same decision,
// same bytes. (A general JSON library costs more than the evaluation itself on this path; the
// layout matches nlohmann::json's dump, which the tests use to read it back.)
#include "steward/decision.h"

#include <memory>
#include <string>
#include <vector>

#include "decision_writer.h"
#include "steward/date.h"

namespace steward {
namespace {

using detail::key_fragments;
using detail::KeyFragment;
using detail::Writer;
using namespace detail::keys;

// The parts of a decision that come from its pack alone, written once per pack, indent and
// thread (issue 21: a reason's clause, rule, citation, reviewers and policy location were
// about 700 instructions of each reason's 2,000, written again for every decision).
//
// A layout is used only where the decision's views are the pack's own (pointer and size), in
// a pack this thread's table was made for: the table holds a weak reference, so that the
// pack's control block, by which it is told apart, cannot be reused for another pack while
// the table names it.
class PackLayouts {
 public:
  // The layouts of `pack` at `indent`, this thread's; null where a decision has no pack.
  static PackLayouts* of(const std::shared_ptr<const CompiledPack>& pack, int indent) {
    if (pack == nullptr) return nullptr;
    thread_local PackLayouts table;
    if (table.pack_raw_ != pack.get() || table.indent_ != indent ||
        table.pack_.owner_before(pack) || pack.owner_before(table.pack_)) {
      table.reset(pack, indent);
    }
    return &table;
  }

  // The policy block, after `agreement` and `decision`, when `d`'s policy is the pack's.
  std::string_view policy(const PolicyRef& p) {
    const CompiledPack& pack = *pack_raw_;
    if (!same(p.name, pack.name) || !same(p.version, pack.version) || !same(p.digest, pack.digest))
      return {};
    if (policy_.empty()) {
      const KeyFragment* k = key_fragments(indent_);
      Writer w(indent_, 1, 2);
      w.key(k[kPolicy]).begin_object();
      w.key(k[kPolicyName]).value(pack.name);
      w.key(k[kPolicyVersion]).value(pack.version);
      w.key(k[kPolicyDigest]).value(pack.digest);
      w.end_object();
      policy_ = w.take();
    }
    return policy_;
  }

  // A reason's three layouts: before its message, between its message and its evidence, and
  // after its evidence; none (an empty first) when the reason is not its rule's as made.
  struct Parts {
    std::string_view head, middle, tail;
  };
  Parts reason(const Reason& r) {
    const std::vector<RulePlan>& rules = pack_raw_->rules;
    const RulePlan* p = r.plan;
    if (p == nullptr || p < rules.data() || p >= rules.data() + rules.size()) return {};
    if (r.outcome != p->outcome || !same(r.clause, p->clause) || !same(r.rule, p->id) ||
        !same(r.citation, p->citation) || !same(r.policy_file, p->file) ||
        r.reviewers.data() != p->reviewers.data() || r.reviewers.size() != p->reviewers.size() ||
        r.policy_position.line != p->position.line ||
        r.policy_position.column != p->position.column)
      return {};
    const size_t i = static_cast<size_t>(p - rules.data());
    if (made_.empty()) made_.assign(rules.size(), kNotMade);
    if (made_[i] == kNotMade) {
      if (bytes_.size() > kMaxBytes) return {};  // a huge pack's many rules: written each time
      make(*p, i);
    }
    const Made& m = layouts_[made_[i]];
    const char* at = bytes_.data() + m.begin;  // made by make(): inside bytes_
    return {{at, m.head}, {at + m.head, m.middle}, {at + m.head + m.middle, m.tail}};
  }

 private:
  static constexpr uint32_t kNotMade = UINT32_MAX;
  static constexpr size_t kMaxBytes = size_t{1} << 20;
  struct Made {
    size_t begin;
    uint32_t head, middle, tail;
  };

  // The same bytes where they are: a view into the pack, as the evaluator makes them.
  static bool same(std::string_view a, const std::string& b) {
    return a.data() == b.data() && a.size() == b.size();
  }

  void reset(const std::shared_ptr<const CompiledPack>& pack, int indent) {
    pack_ = pack;
    pack_raw_ = pack.get();
    indent_ = indent;
    policy_.clear();
    bytes_.clear();
    made_.clear();
    layouts_.clear();
  }

  // Written by writers in the states to_json reaches them in: a reason object just opened
  // (depth 3, no items), after its message (four items), after its evidence (seven).
  void make(const RulePlan& p, size_t i) {
    const KeyFragment* k = key_fragments(indent_);
    Writer head(indent_, 3, 0);
    head.key(k[kOutcome]).value(outcome_name(p.outcome));
    head.key(k[kClause]).value(p.clause);
    head.key(k[kRule]).value(p.id);
    head.key(k[kMessage]);
    Writer middle(indent_, 3, 4);
    middle.key(k[kCitation]).value(p.citation);
    middle.key(k[kReasonReviewers]).strings(p.reviewers);
    middle.key(k[kEvidence]);
    Writer tail(indent_, 3, 7);
    tail.key(k[kPolicyLocation]).begin_object();
    tail.key(k[kLocationFile]).value(p.file);
    tail.key(k[kLocationLine]).value(p.position.line);
    tail.key(k[kLocationColumn]).value(p.position.column);
    tail.end_object();
    const std::string a = head.take(), b = middle.take(), c = tail.take();
    made_[i] = static_cast<uint32_t>(layouts_.size());
    layouts_.push_back({bytes_.size(), static_cast<uint32_t>(a.size()),
                        static_cast<uint32_t>(b.size()), static_cast<uint32_t>(c.size())});
    bytes_ += a;
    bytes_ += b;
    bytes_ += c;
  }

  std::weak_ptr<const CompiledPack> pack_;
  const CompiledPack* pack_raw_ = nullptr;
  int indent_ = 0;
  std::string policy_;
  std::string bytes_;           // every reason layout made
  std::vector<uint32_t> made_;  // per rule: its layouts' index, or kNotMade
  std::vector<Made> layouts_;
};

// A decision's evaluation date as text: the same date for every decision of a batch or a
// day's service, so the last one is kept by the thread (formatting it was about 140
// instructions a decision).
std::string_view as_of_text(int32_t days) {
  thread_local int32_t last = 0;
  thread_local std::string text = format_iso_date(0);
  if (days != last) {
    text = format_iso_date(days);
    last = days;
  }
  return text;
}

}  // namespace

std::string to_json(const Decision& d, int indent) {
  Writer w(indent);
  const KeyFragment* k = key_fragments(indent);
  PackLayouts* layouts = PackLayouts::of(d.pack, indent);
  w.begin_object();
  w.key(k[kAgreement]).value(d.agreement);
  w.key(k[kDecision]).value(outcome_name(d.outcome));
  if (const std::string_view policy = layouts ? layouts->policy(d.policy) : std::string_view();
      !policy.empty()) {
    w.splice(policy, 1, false);
  } else {
    w.key(k[kPolicy]).begin_object();
    w.key(k[kPolicyName]).value(d.policy.name);
    w.key(k[kPolicyVersion]).value(d.policy.version);
    w.key(k[kPolicyDigest]).value(d.policy.digest);
    w.end_object();
  }
  w.key(k[kAsOf]).value(as_of_text(d.as_of));
  w.key(k[kReasons]).begin_array();
  for (const auto& r : d.reasons) {
    w.begin_object();
    const PackLayouts::Parts parts = layouts ? layouts->reason(r) : PackLayouts::Parts();
    if (!parts.head.empty()) {
      w.splice(parts.head, 4, true).value(r.message);
      w.splice(parts.middle, 3, true).begin_array();
    } else {
      w.key(k[kOutcome]).value(outcome_name(r.outcome));
      w.key(k[kClause]).value(r.clause);
      w.key(k[kRule]).value(r.rule);
      w.key(k[kMessage]).value(r.message);
      w.key(k[kCitation]).value(r.citation);
      w.key(k[kReasonReviewers]).strings(r.reviewers);
      w.key(k[kEvidence]).begin_array();
    }
    for (const auto& e : r.evidence) {
      w.begin_object();
      w.key(k[kEvidencePath]).value(e.path);
      w.key(k[kEvidenceLine]).value(e.line);
      w.key(k[kEvidenceColumn]).value(e.column);
      w.end_object();
    }
    w.end_array();
    if (!parts.head.empty()) {
      w.splice(parts.tail, 1, false);
    } else {
      w.key(k[kPolicyLocation]).begin_object();
      w.key(k[kLocationFile]).value(r.policy_file);
      w.key(k[kLocationLine]).value(r.policy_position.line);
      w.key(k[kLocationColumn]).value(r.policy_position.column);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.key(k[kReviewers]).strings(d.reviewers);
  // Only decisions on observed data say so, so that every other decision keeps its bytes.
  if (!d.data.empty()) {
    w.key(k[kData]).begin_array();
    for (const auto& f : d.data) {
      w.begin_object();
      w.key(k[kDataFile]).value(f.file);
      w.key(k[kDataSha256]).value(f.sha256);
      w.key(k[kDataRows]).value(f.rows);
      w.key(k[kDataColumns]).value(f.columns);
      w.end_object();
    }
    w.end_array();
  }
  if (d.approvals.from_records) {
    w.key(k[kApprovals]).begin_object();
    w.key(k[kApprovalsFrom]).value("review_records");
    w.key(k[kApprovalsRecords]).strings(d.approvals.records);
    w.key(k[kNotCounted]).begin_array();
    for (const auto& u : d.approvals.unbacked) {
      w.begin_object();
      w.key(k[kNotCountedPath]).value(u.path);
      w.key(k[kNotCountedBody]).value(u.body);
      w.key(k[kNotCountedLine]).value(u.line);
      w.key(k[kNotCountedColumn]).value(u.column);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_object();
  return w.take();
}

std::string errors_to_json(const std::string& file, const std::vector<InputError>& errors,
                           int indent) {
  Writer w(indent);
  w.begin_object();
  w.key("file").value(file);
  w.key("decision").null();
  w.key("errors").begin_array();
  for (const auto& e : errors) {
    w.begin_object();
    w.key("code").value(e.code);
    w.key("path").value(e.path);
    w.key("line").value(e.line);
    w.key("column").value(e.column);
    w.key("message").value(e.message);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace steward
