// One evaluation of a compiled plan over a document (internal to the runtime): the values it
// computes, the scratch state each thread reuses across decisions, and the interpreter.
// plan_run.cpp interprets the plan, plan_tests.cpp runs its compiled tests; reasons.cpp writes
// what a firing rule says.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "steward/decision.h"
#include "steward/document.h"
#include "steward/evaluator.h"
#include "steward/program.h"

namespace steward::detail {

// A runtime value. `node` is the document position it came from (kNoIndex for constants and
// computed values), which evidence and messages use.
struct Value {
  TypeKind kind = TypeKind::kNull;  // kNull: missing
  uint32_t node = kNoIndex;
  uint32_t count = 0;  // lists: items; strings: bytes
  union {
    bool b;
    int64_t i;
    double d;
    int32_t date;
    uint32_t member;
    const char* str;
    const uint32_t* items;  // lists: document node ids
  };
  const Type* type = nullptr;

  Value() : i(0) {}
  std::string_view sv() const { return {str, count}; }
};
static_assert(sizeof(Value) <= 32, "Value is copied on every step of evaluation: keep it small");

// Where a fired reason sorts: strongest outcome first, then clause, rule and evidence
// position, then firing order (so the sort needs no stability and no buffer).
struct FiredKey {
  size_t rank;
  const std::string* clause;
  size_t rule;
  uint32_t line, column;
  uint32_t index;  // into Frame::fired
  bool operator<(const FiredKey& o) const {
    if (rank != o.rank) return rank < o.rank;
    if (int c = clause->compare(*o.clause)) return c < 0;
    return std::tie(rule, line, column, index) < std::tie(o.rule, o.line, o.column, o.index);
  }
};

// What one test (detail::Test) computes, chosen once per evaluator.
enum class TestOp : uint8_t {
  kValue,       // anything else: eval(node), then its bool
  kDef,         // a: definition slot
  kPresent,     // a: path node
  kEmpty,       // a: path node
  kIsMember,    // a: path node == enum member b (flag 1: `!=`)
  kIsBool,      // a: path node == bool b (flag 1: `!=`)
  kInEnums,     // a: path node of an enum type, b: enum bitset
  kQuantifier,  // any, all, none; b: the first test of its condition
  kCompare,     // a: path node; flag, b: the right operand (CompareWith); node's op: ==, <...
  kInSet,       // a: path node; node: its `in` of a set of strings (folded or not)
  kContains,    // a: path node of a list, b: a constant (node: `b in a`)
  // The four commonest leaves again, for the three commonest path shapes held in the test
  // (specialize_path_tests): from the root through one step (R1) or two (R2), or from an
  // element through one (L1). Each reads its path without the general loop's bookkeeping.
  kPresentR1,
  kPresentR2,
  kPresentL1,
  kEmptyR1,
  kEmptyR2,
  kEmptyL1,
  kIsMemberR1,
  kIsMemberR2,
  kIsMemberL1,
  kIsBoolR1,
  kIsBoolR2,
  kIsBoolL1,
  // Actions of Prepared::rules_entry, not leaves: a is the rule's index, on_true the next test.
  kFire,  // the rule's condition held: it fires
  kEach,  // a rule with a range. node: the part of its condition that reads no element (tested
          // once, or kNoIndex); b: the rest, tested for each element
};

// Gives the tests of the four commonest leaves whose path the test holds (Test::path_len) in
// one of the three commonest shapes the op for that shape. Run once the tests are final: every
// other pass (thread_known_tests) reads the general ops.
void specialize_path_tests(std::vector<Test>& tests);

// What a kCompare test's right operand is (Test::flag): a constant (b: its index in
// CompiledPack::constants), the evaluation date, a path (b: its plan node), or a date path
// plus or minus a constant number of days (b: the `+` or `-` node; `term.end + 90`).
enum class CompareWith : uint8_t { kConstant, kAsOf, kPath, kShiftedPath };

// Scratch state, one per thread, reused across decisions: evaluation allocates only its output.
struct Frame {
  // Each rule's or quantifier's element, as its document node (an element always is one):
  // loops write four bytes, and eval() makes the Value when a message or expression asks.
  std::vector<uint32_t> locals;
  std::vector<Value> defs;
  // defs[i] holds this decision's value when def_stamp[i] == stamp: definitions are computed
  // when first needed, and a new decision needs only a new stamp.
  std::vector<uint32_t> def_stamp;
  uint32_t stamp = 0;
  std::vector<std::vector<uint32_t>> filters;
  std::vector<Reason> fired;
  std::vector<FiredKey> keys;
  // Strings a decision makes (`lower`): values point into them until the next decision.
  // Kept across decisions (scratch_used counts this decision's) so that their room is reused;
  // a deque, so that making one never moves another a value points into.
  std::deque<std::string> scratch;
  size_t scratch_used = 0;
  size_t scratch_bytes = 0;  // this decision's; past kKeptScratch they are not kept
  // Buffers reused across decisions: a folded set key (in_set), a message being written.
  std::string fold;
  std::string text;
};

class Run {
 public:
  // Starts a decision: `frame` is sized for the pack (Frame::reserve) and gets a new stamp.
  // `tests`: the compiled tests it takes where it can (none: the general evaluator alone).
  Run(const CompiledPack& pack, const Prepared& prep, const CompiledTests& tests,
      const Document& doc, Frame& frame, uint64_t max_steps, int32_t as_of);

  // One step of a loop over a list (quantifiers, membership, a rule's elements): the only
  // work that grows faster than the document. Past the budget the evaluation ends in an
  // error, never in a decision.
  void tick() {
    if (steps_left_-- == 0) throw EvaluationBudgetExceeded();
  }

  // The document's node `i` and a record's or list's children, read through the tables' own
  // pointers: through doc_ each read reloaded the vector's start after every store.
  const DocNode& node(uint32_t i) const { return nodes_[i]; }
  std::span<const uint32_t> kids(const DocNode& n) const { return {kids_ + n.begin, n.size}; }

  Value from_node(uint32_t id) const {
    Value v;
    set_node(v, id);
    return v;
  }

  // Makes `v` the value of document node `id`, writing in place: a Value built on the stack
  // and copied into a slot is read back wider than it was written, which stalls the store
  // buffer on every loop element (measured: half of the rule loop's time).
  void set_node(Value& v, uint32_t id) const { set_node(v, id, node(id)); }

  // The same, for a caller that holds the node already.
  void set_node(Value& v, uint32_t id, const DocNode& n) const {
    v.kind = n.kind;
    v.node = id;
    v.type = n.type;
    v.count = 0;
    switch (n.kind) {
      case TypeKind::kBool:
        v.b = n.b;
        break;
      case TypeKind::kInt:
        v.i = n.i;
        break;
      case TypeKind::kNumber:
        v.d = n.d;
        break;
      case TypeKind::kDate:
        v.date = n.date;
        break;
      case TypeKind::kEnum:
        v.member = n.member;
        break;
      case TypeKind::kString:
        v.str = doc_.string(n).data();
        v.count = n.size;
        break;
      case TypeKind::kList: {
        auto c = kids(n);
        v.items = c.data();
        v.count = static_cast<uint32_t>(c.size());
        break;
      }
      default:
        v.i = 0;
        break;
    }
  }

  static Value boolean(bool b) {
    Value v;
    v.kind = TypeKind::kBool;
    v.b = b;
    return v;
  }

  Value constant(const Constant& c) const {
    Value v;
    v.kind = c.kind;
    switch (c.kind) {
      case TypeKind::kBool:
        v.b = c.b;
        break;
      case TypeKind::kInt:
        v.i = c.i;
        break;
      case TypeKind::kNumber:
        v.d = c.d;
        break;
      case TypeKind::kDate:
        v.date = c.date;
        break;
      case TypeKind::kEnum:
        v.member = c.member;
        break;
      case TypeKind::kString:
        v.str = c.s.data();
        v.count = static_cast<uint32_t>(c.s.size());
        break;
      default:
        break;
    }
    return v;
  }

  // --- interpreting the plan (plan_run.cpp) ---
  static double as_number(const Value& v);
  // -1, 0, 1; both sides present and of comparable kinds (checked at compile time).
  static int compare(const Value& a, const Value& b, TypeKind k);
  // `+` and `-`; a result outside its type's range is an EvaluationError (eval.range).
  Value arith(const PlanNode& n);
  // `date + days` or `date - days` for the date-typed node `n`, as arith() computes it: a
  // result outside the years 1-9999 is an eval.range error.
  static int32_t shift_date(int32_t date, int64_t days, const PlanNode& n);
  bool in_set(const Value& v, const PlanNode& n) const;
  // The document node a path expression denotes, or kNoIndex when a step is missing.
  uint32_t node_of(uint32_t id);
  // A node whose value is a document position node_of finds without evaluating anything.
  bool is_path(uint32_t id) const { return prep_.paths[id].begin != kNoIndex; }
  // The items of a list expression (a rule's range); a field path is read where it is,
  // without building a Value.
  std::span<const uint32_t> items(uint32_t id) {
    if (is_path(id)) {
      const uint32_t d = path_node(id);
      if (d == kNoIndex) return {};
      const DocNode& n = node(d);
      return n.kind == TypeKind::kList ? kids(n) : std::span<const uint32_t>();
    }
    const Value v = eval(id);
    return {v.items, v.count};
  }
  // Runs the tests of Prepared::rules_entry from `i` to the next action (kFire or kEach), whose
  // index it returns, or to the end of the chain (kTestTrue).
  uint32_t next_action(uint32_t i);
  // A condition, without building Values. Inline: the rule loop calls it once per rule.
  bool eval_bool(uint32_t id) {
    const uint32_t entry = ct_.entry[id];
    if (entry == kNoIndex) [[unlikely]]
      return eval(id).b;
    return run_tests(entry);
  }
  Value eval(uint32_t id);
  // A definition's value in this decision, computed on first use.
  const Value& def(uint32_t slot) {
    if (def_stamp_[slot] != stamp_) [[unlikely]]
      compute_def(slot);
    return defs_[slot];
  }

  // --- what a firing rule says (reasons.cpp) ---
  std::string text(const Value& v);
  // Appends a value as messages show it; in place, since messages are built on every reason.
  void append_text(std::string& out, const Value& v);
  std::string message(const RulePlan& r);
  // A value as explain shows it: strings quoted, lists bracketed.
  std::string show(const Value& v);
  std::string show_node(uint32_t node);
  // The maximal operands of and/or below `node`, in source order.
  void parts(uint32_t node, std::vector<uint32_t>& out) const;
  // Where a reason points: the nearest key of the evidence path that exists.
  Evidence evidence(const EvidencePlan& e);

 private:
  uint32_t node_of_computed(uint32_t id);
  // The document node of a flat path (is_path), or kNoIndex.
  uint32_t path_node(uint32_t id) const;
  // The document node of a test's path `a` (Test::path_len), or kNoIndex.
  uint32_t test_path(const Test& t) const;
  // The same for a test whose path has the shape of its specialized op (TestOp::kPresentR1...).
  enum class Shape { kR1, kR2, kL1 };
  template <Shape kShape>
  uint32_t shaped_path(const Test& t) const;
  // The four commonest leaves, given the document node of their path (kNoIndex: missing).
  bool present_at(uint32_t d) const { return d != kNoIndex && node(d).kind != TypeKind::kNull; }
  bool empty_at(uint32_t d) const;
  bool is_member_at(uint32_t d, const Test& t) const {
    const bool eq = d != kNoIndex && node(d).kind == TypeKind::kEnum && node(d).member == t.b;
    return eq != static_cast<bool>(t.flag);
  }
  bool is_bool_at(uint32_t d, const Test& t) const {
    const bool eq =
        d != kNoIndex && node(d).kind == TypeKind::kBool && node(d).b == static_cast<bool>(t.b);
    return eq != static_cast<bool>(t.flag);
  }
  void compute_def(uint32_t slot);
  bool leaf(const Test& t);
  bool quantifier(const Test& t);
  bool in_enums(const Test& t);
  bool compare_leaf(const Test& t);
  bool in_set_leaf(const Test& t);
  bool contains(const Test& t);
  // Runs compiled tests from `entry` to kTestTrue or kTestFalse.
  bool run_tests(uint32_t entry);

  const int32_t as_of_;
  const CompiledPack& pack_;
  const Prepared& prep_;
  const CompiledTests& ct_;
  const Document& doc_;
  Frame& f_;
  uint64_t steps_left_;
  // The root record's fields: most tests read a path from the root, and its first step then
  // needs no look at the root node.
  const uint32_t* root_kids_ = nullptr;
  // The tables a run reads on every test, as pointers held for the decision (the frame's are
  // sized in the constructor and not resized during a run).
  const DocNode* nodes_;
  const uint32_t* kids_;
  const Test* tests_;
  uint32_t* locals_;  // Frame::locals
  Value* defs_;
  uint32_t* def_stamp_;
  uint32_t stamp_;  // f_.stamp, this decision's
};

inline uint32_t Run::path_node(uint32_t id) const {
  const FlatPath& p = prep_.paths[id];
  uint32_t cur = p.base == kNoIndex ? doc_.root() : locals_[p.base];
  const uint32_t* step = prep_.path_steps.data() + p.begin;
  for (const uint32_t* end = step + p.length; step != end; ++step) {
    if (cur == kNoIndex) return kNoIndex;
    const DocNode& rec = node(cur);
    if (rec.kind != TypeKind::kRecord) return kNoIndex;
    cur = kids(rec)[*step];
  }
  return cur;
}

}  // namespace steward::detail
