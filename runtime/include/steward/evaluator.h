// Evaluating a compiled pack on a document: the flat plan, run once per decision.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "steward/date.h"
#include "steward/decision.h"
#include "steward/document.h"
#include "steward/program.h"

namespace re2 {
class RE2;
}

namespace steward {

// One part of a condition (a maximal operand of `and`/`or`) with its value.
struct TracePart {
  std::string text;   // the source text of the part
  std::string value;  // its value in this document
};

// How one rule went: once, or once per element for rules that range over a list.
struct TraceRule {
  std::string id;
  std::string clause;
  Outcome outcome = Outcome::kDeny;
  std::string element;  // key path of the element, for rules with `for`
  bool fired = false;
  std::string condition;  // source text of `when`
  std::vector<TracePart> parts;
  std::string message;  // when fired
};

struct TraceDefinition {
  std::string name;
  std::string expression;  // source text
  std::string value;
};

// The whole evaluation as a person can read it: `steward explain`.
struct Trace {
  std::vector<TraceDefinition> definitions;  // in evaluation order
  std::vector<TraceRule> rules;              // in declaration order
  Decision decision;
};

namespace detail {
// A plan node's field path: fields path_steps[begin, begin + length) from `base`.
struct FlatPath {
  uint32_t base = 0;            // kNoIndex: the root; otherwise a local slot
  uint32_t begin = UINT32_MAX;  // UINT32_MAX: the node is not a flat path
  uint32_t length = 0;
};

// One test of a condition compiled for eval_bool: `and`, `or` and `not` become jumps between
// tests, so a condition runs as a loop over its leaves (a field path compared with a constant,
// a definition, a quantifier, or any other expression) instead of a recursion over every node.
// The leaf's shape is decided once when the evaluator is made. See plan_tests.cpp.
struct Test {
  uint8_t op = 0;    // a TestOp (plan_run.h)
  uint8_t flag = 0;  // kIsMember, kIsBool: 1 for `!=`; kCompare: a CompareWith
  // The field path of `a` when it has at most two steps, held here so that reading it needs no
  // other table: from `base` (a local slot, or kNoIndex for the root) through `steps`.
  uint8_t path_len = UINT8_MAX;  // UINT8_MAX: not held here (use Prepared::paths)
  uint32_t base = UINT32_MAX;
  uint32_t steps[2] = {0, 0};
  uint32_t a = 0, b = 0;
  uint32_t node = 0;                   // the plan node this leaf computes
  uint32_t on_true = 0, on_false = 0;  // the next test, or kTestTrue / kTestFalse
};
inline constexpr uint32_t kTestTrue = UINT32_MAX;
inline constexpr uint32_t kTestFalse = UINT32_MAX - 1;

// A set of strings (CompiledPack::sets) looked up by length first: a value whose length no
// member has is out at once, and the rest is compared with the members of its length only.
// The binary search over the whole set compared bytes at every step, most of it in vain.
class SetIndex {
 public:
  explicit SetIndex(const std::vector<std::string>& members);
  // Whether `key` is a member (byte for byte).
  bool contains(std::string_view key) const;

 private:
  static constexpr size_t kBuckets = 64;   // lengths from kBuckets up share the last bucket
  std::vector<std::string_view> members_;  // by length, then bytes: views into the pack
  // The members of bucket n: [start_[n], start_[n + 1]).
  std::vector<uint32_t> start_ = std::vector<uint32_t>(kBuckets + 1, 0);
};

// What the evaluator derives from its pack once, for every decision.
struct Prepared {
  std::vector<uint32_t> filter_slot;  // per plan node: its buffer, for kFilter nodes
  uint32_t filter_count = 0;
  // Per plan node: a field path from the root or a local, flattened so that finding its
  // document node is a loop rather than a recursion.
  std::vector<FlatPath> paths;
  std::vector<uint32_t> path_steps;
  // Per definition slot: its expression. Definitions are computed when a rule first needs
  // them, once per decision.
  std::vector<uint32_t> def_node;
  // CompiledPack::patterns, compiled once: RE2 objects are safe to share between threads.
  std::vector<std::shared_ptr<const re2::RE2>> patterns;
  std::vector<SetIndex> sets;  // per CompiledPack::sets
};

// The compiled tests a run takes instead of eval() where it can. With none (no entries, no
// bool definitions, no chain) a run is the general evaluator alone, explain()'s reference.
struct CompiledTests {
  std::vector<Test> tests;
  std::vector<uint32_t> entry;  // per plan node: its first test, for conditions, or kNoIndex
  // Every rule in order as one chain of tests: a rule's condition leads to its action (fire,
  // or loop over its range), and both lead on to the next rule; kTestTrue ends the chain.
  uint32_t rules_entry = UINT32_MAX;
  // Per definition slot: whether it is computed on the bool path (its condition's tests).
  std::vector<uint8_t> def_bool;
};
}  // namespace detail

// Evaluates one compiled pack. Immutable after construction and safe to call from many
// threads at once; it keeps the pack alive.
// Thrown by evaluate() and explain() when one document cannot be decided: it needs more loop
// steps than the evaluator's budget (EvaluationBudgetExceeded), or the policy's arithmetic
// leaves the range of its type for it (`eval.range`). That document gets an error with the
// code, never a decision.
class EvaluationError : public std::runtime_error {
 public:
  EvaluationError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  // A stable diagnostic code: `eval.budget`, `eval.range`.
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

class EvaluationBudgetExceeded : public EvaluationError {
 public:
  EvaluationBudgetExceeded()
      : EvaluationError("eval.budget",
                        "deciding this document takes more steps than the evaluation budget "
                        "allows") {}
};

// Loop steps (over list elements, in quantifiers, membership tests and rules) one evaluation
// may take: far above any real agreement (the DCF pack takes tens), far below minutes.
inline constexpr uint64_t kDefaultMaxSteps = 50'000'000;

// What a decision depends on besides the pack and the document. Recorded in the decision, so
// that replaying an archived agreement with the same context gives the same decision.
struct EvaluationContext {
  // The evaluation date (days since 1970-01-01): `as_of()` in the language. Default: today in
  // UTC, read when the context is made.
  int32_t as_of = today_utc();
};

class Evaluator {
 public:
  // Throws std::invalid_argument for a null pack (a compile that failed) or a pattern RE2
  // cannot read.
  explicit Evaluator(std::shared_ptr<const CompiledPack> pack,
                     uint64_t max_steps = kDefaultMaxSteps);

  // Decides on a document loaded against this evaluator's pack (the same compiled pack, not
  // another compile of its files). Throws EvaluationBudgetExceeded past the step budget, and an
  // EvaluationError `eval.document` for a document loaded against another pack or an empty one
  // (so do broken_asserts and explain).
  Decision evaluate(const Document& doc, const EvaluationContext& context = {}) const;

  // The pack's invariants (`assert`) that `decision`, made on `doc` with `context`, breaks:
  // those whose `when` holds while the outcome is not one they expect, in declaration order.
  std::vector<const AssertPlan*> broken_asserts(const Document& doc, const Decision& decision,
                                                const EvaluationContext& context = {}) const;

  // Decides and records every definition's value and every rule's condition parts. `sources`
  // are the pack's sources (CompileResult::sources), for the text of expressions. The record
  // is made by the general evaluator alone (no compiled test), so that it is a reference for
  // the decision, which the compiled tests make.
  Trace explain(const Document& doc, const SourceMap& sources,
                const EvaluationContext& context = {}) const;

  const CompiledPack& pack() const { return *pack_; }

 private:
  std::shared_ptr<const CompiledPack> pack_;
  uint64_t max_steps_;
  detail::Prepared prep_;
  detail::CompiledTests tests_;
  // No compiled tests: explain()'s general evaluator, the reference the tests hold tests_ to.
  detail::CompiledTests general_;
};

}  // namespace steward
