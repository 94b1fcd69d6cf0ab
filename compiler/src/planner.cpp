// The planner: each checked expression becomes plan nodes after its operands (post-order), so
// a node's operands always precede it and the evaluator can run a definition front to back.
#include "planner.h"

#include <algorithm>

namespace steward::detail {

uint32_t Planner::emit(Op op, const CheckedExpr& e, uint32_t a, uint32_t b, uint32_t c) {
  pack_.nodes.push_back({op, e.type->kind, a, b, c, e.type, e.span});
  return static_cast<uint32_t>(pack_.nodes.size() - 1);
}

uint32_t Planner::enum_bitset(uint32_t set, const Type* type) {
  auto key = std::make_pair(set, type);
  auto it = bitsets_.find(key);
  if (it != bitsets_.end()) return it->second;
  const SetPlan& sp = pack_.sets[set];
  std::vector<bool> bits(type->members.size(), false);
  for (size_t i = 0; i < bits.size(); ++i)
    bits[i] = std::binary_search(sp.members.begin(), sp.members.end(), type->members[i]);
  pack_.enum_bitsets.push_back(std::move(bits));
  uint32_t index = static_cast<uint32_t>(pack_.enum_bitsets.size() - 1);
  bitsets_.emplace(key, index);
  return index;
}

namespace {

// How many of `e`'s operands lower() lowers before `e`: at most two, as a node has room for two
// operand indices (the checker builds none with more). count_nodes follows the same rule.
size_t lowered_operands(const CheckedExpr& e) { return std::min<size_t>(e.args.size(), 2); }

// Where the node of one expression plan_rule lowers goes in the rule's plan.
enum class RuleRoot { kRange, kCondition, kMessage };

// Calls f(root, part, expr) for each expression of `r` that plan_rule lowers, in the order it
// lowers them (`part` indexes the message). reserve() counts from the same walk, so a new
// expression in a rule's plan cannot be lowered without being counted.
template <class F>
void for_each_root(const CheckedRule& r, F&& f) {
  if (r.range) f(RuleRoot::kRange, size_t{0}, *r.range);
  f(RuleRoot::kCondition, size_t{0}, r.condition);
  for (size_t i = 0; i < r.message.size(); ++i)
    if (r.message[i].expr) f(RuleRoot::kMessage, i, *r.message[i].expr);
}

// The nodes and constants lower(e) appends.
void count_nodes(const CheckedExpr& e, size_t* nodes, size_t* constants) {
  for (size_t i = 0; i < lowered_operands(e); ++i) count_nodes(e.args[i], nodes, constants);
  ++*nodes;
  if (e.op == Op::kConst) ++*constants;
}

}  // namespace

void Planner::reserve(const CheckedPack& checked) {
  size_t nodes = 0, constants = 0;
  auto count = [&](auto, size_t, const CheckedExpr& e) { count_nodes(e, &nodes, &constants); };
  for (const auto& d : checked.defs) count_nodes(d.value, &nodes, &constants);
  for (const auto& r : checked.rules) for_each_root(r, count);
  for (const auto& a : checked.asserts) count_nodes(a.condition, &nodes, &constants);
  pack_.nodes.reserve(pack_.nodes.size() + nodes);
  pack_.constants.reserve(pack_.constants.size() + constants);
  pack_.defs.reserve(pack_.defs.size() + checked.defs.size());
  pack_.rules.reserve(pack_.rules.size() + checked.rules.size());
  pack_.asserts.reserve(pack_.asserts.size() + checked.asserts.size());
}

uint32_t Planner::lower(const CheckedExpr& e) {
  // Operands first; what each of a, b and c holds is the op's contract in program.h.
  uint32_t ops[2] = {0, 0};
  for (size_t i = 0; i < lowered_operands(e); ++i) ops[i] = lower(e.args[i]);
  switch (e.op) {
    case Op::kConst:
      pack_.constants.push_back(e.value);
      return emit(e.op, e, static_cast<uint32_t>(pack_.constants.size() - 1), 0, 0);
    case Op::kRoot:
    case Op::kAsOf:
      return emit(e.op, e, 0, 0, 0);
    case Op::kLocal:
    case Op::kDef:
      return emit(e.op, e, e.slot, 0, 0);
    case Op::kField:
      return emit(e.op, e, ops[0], e.field, 0);
    case Op::kInSet: {
      const Type* value = e.args[0].type;
      uint32_t bits = value->kind == TypeKind::kEnum ? enum_bitset(e.set, value) : kNoIndex;
      return emit(e.op, e, ops[0], e.set, bits);
    }
    case Op::kEq:
    case Op::kNe:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return emit(e.op, e, ops[0], ops[1], static_cast<uint32_t>(e.compare));
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod:
      return emit(e.op, e, ops[0], ops[1], e.mixed ? 1 : 0);
    case Op::kAny:
    case Op::kAll:
    case Op::kNone:
    case Op::kCountWhere:
    case Op::kFilter:
      return emit(e.op, e, ops[0], ops[1], e.slot);
    case Op::kMatches: {
      // One entry per distinct pattern: the evaluator compiles each once.
      auto& patterns = pack_.patterns;
      auto it = std::find(patterns.begin(), patterns.end(), e.value.s);
      if (it == patterns.end()) it = patterns.insert(patterns.end(), e.value.s);
      return emit(e.op, e, ops[0], static_cast<uint32_t>(it - patterns.begin()), 0);
    }
    case Op::kLower:
    case Op::kLength:
    case Op::kStartsWith:
    case Op::kEndsWith:
    case Op::kNot:
    case Op::kNeg:
    case Op::kPresent:
    case Op::kEmpty:
    case Op::kCount:
    case Op::kAnd:
    case Op::kOr:
    case Op::kCoalesce:
    case Op::kInList:
      return emit(e.op, e, ops[0], ops[1], 0);
  }
  return emit(e.op, e, ops[0], ops[1], 0);
}

void Planner::plan_def(const CheckedDef& d) {
  uint32_t node = lower(d.value);
  pack_.defs.push_back({d.name, node, d.slot, d.span});
}

void Planner::plan_rule(const CheckedRule& r) {
  RulePlan rp;
  rp.id = r.id;
  rp.clause = r.clause;
  rp.citation = r.citation;
  rp.outcome = r.outcome;
  rp.reviewers = r.reviewers;
  rp.message.reserve(r.message.size());
  for (const auto& part : r.message) rp.message.push_back({part.text, kNoIndex});
  for_each_root(r, [&](RuleRoot root, size_t part, const CheckedExpr& e) {
    uint32_t node = lower(e);
    switch (root) {
      case RuleRoot::kRange:
        rp.range = node;
        rp.local = r.local;
        break;
      case RuleRoot::kCondition:
        rp.condition = node;
        break;
      case RuleRoot::kMessage:
        rp.message[part].node = node;
        break;
    }
  });
  rp.evidence = r.evidence;
  rp.file = r.file;
  rp.position = r.position;
  rp.span = r.span;
  pack_.rules.push_back(std::move(rp));
}

void Planner::release_lowered(CheckedRule& r) {
  // Every expression for_each_root walks, and the message parts plan_rule copied.
  r.range.reset();
  r.condition = {};
  r.message.clear();
  r.message.shrink_to_fit();
}

void Planner::plan_assert(const CheckedAssert& a) {
  pack_.asserts.push_back(
      {a.name, lower(a.condition), a.expect, a.message, a.file, a.position, a.span});
}

}  // namespace steward::detail
