// `steward verify`: questions about every agreement a pack's schema admits, answered by an SMT
// solver (Z3) over a translation of the compiled plan, not by examples. No Z3 type appears here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "steward/program.h"

namespace steward::verify {

struct VerifyOptions {
  // Lists hold at most this many elements in the formula; every answer says so.
  uint32_t list_bound = 2;
  // The evaluation date; unset, `as_of()` ranges over every date as well.
  std::optional<int32_t> as_of;
  unsigned timeout_ms = 60000;  // per solver call; past it the answer is "unknown"
};

// Raised when a pack uses something the translation does not cover (the message names the
// rule or definition and the operation), so that no answer is given on a formula that says
// less than the pack.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Status { kProved, kCounterexample, kUnknown };

// `compare`: does any agreement get a more permissive decision under `to` than under `from`?
// More permissive: a lower outcome (deny > needs_review > allow; an evaluation error counts as
// above deny), or the same outcome with a deny clause or a reviewer body fewer.
struct CompareResult {
  Status status = Status::kUnknown;
  std::string agreement_yaml;  // the counterexample, in the new pack's format
  int32_t as_of = 0;           // the evaluation date it needs
  Outcome from_outcome = Outcome::kDeny, to_outcome = Outcome::kDeny;
  std::vector<std::string> lost;  // `deny clause X`, `reviewer Y`, `outcome deny -> allow`
  // Empty when `steward eval`'s evaluator reproduced the difference on agreement_yaml; else
  // what it decided instead (a bug in verify, reported as such).
  std::string check_failure;
  std::string scope;  // "every agreement with lists up to N ..."
};
CompareResult compare_packs(const std::shared_ptr<const CompiledPack>& from,
                            const std::shared_ptr<const CompiledPack>& to,
                            const VerifyOptions& options);

// A finding about one rule of a pack, with a witness agreement where there is one.
struct RuleFinding {
  std::string kind;  // `dead`, `shadowed` (a review rule that fires only with a deny), `redundant`
  std::string rule;
  std::string other;  // for `redundant`: the rule that fires whenever this one does
  std::string file;
  uint32_t line = 0, column = 0;
  std::string message;
};
struct RulesResult {
  std::vector<RuleFinding> findings;
  size_t rules = 0, unknown = 0;  // rules checked; solver calls that gave no answer in time
  std::string scope;
};
RulesResult check_rules(const std::shared_ptr<const CompiledPack>& pack,
                        const VerifyOptions& options);

// `asserts`: each invariant of the pack proved for every agreement, or a counterexample
// (decided again by the evaluator, as compare's are).
struct AssertResult {
  std::string name, file, message;
  uint32_t line = 0;
  Status status = Status::kUnknown;
  std::string agreement_yaml;
  int32_t as_of = 0;
  Outcome outcome = Outcome::kAllow;  // the counterexample's decision
  std::string check_failure;          // as in CompareResult
};
struct AssertsResult {
  std::vector<AssertResult> asserts;
  std::string scope;
};
AssertsResult check_asserts(const std::shared_ptr<const CompiledPack>& pack,
                            const VerifyOptions& options);

// The translation checked against the evaluator: `samples` random agreements drawn from the
// formula's own variables (biased towards the pack's constants), each written as YAML, loaded
// and decided by Evaluator, and decided by the formula. Used by the test suite and by
// `steward verify selftest`.
struct CrossCheck {
  // skipped: the loader refused a text the formula's domain admits (a gap in the domain).
  size_t samples = 0, agreed = 0, skipped = 0;
  std::vector<std::string> disagreements;  // YAML and both decisions, the first few
  std::vector<std::string> refusals;       // why the loader refused, the first few
};
CrossCheck cross_check(const std::shared_ptr<const CompiledPack>& pack, size_t samples,
                       uint64_t seed, const VerifyOptions& options);

}  // namespace steward::verify
