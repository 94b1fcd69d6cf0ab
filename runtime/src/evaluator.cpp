// The evaluator: prepares a pack's plan for fast runs (flat paths, filter slots), runs it over a
// document (plan_run.h) and assembles the decision: reasons in a stable order, reviewers, the
// outcome from the pack's precedence.
#include "steward/evaluator.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>

#include "plan_run.h"
#include "steward/source.h"
#include "test_threading.h"

namespace steward {

using detail::FiredKey;
using detail::Frame;
using detail::Run;
using detail::Value;

namespace {

// Operators whose result is never missing.
bool always_bool(Op op) {
  switch (op) {
    case Op::kNot:
    case Op::kAnd:
    case Op::kOr:
    case Op::kEq:
    case Op::kNe:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
    case Op::kInSet:
    case Op::kInList:
    case Op::kPresent:
    case Op::kEmpty:
    case Op::kAny:
    case Op::kAll:
    case Op::kNone:
    case Op::kStartsWith:
    case Op::kEndsWith:
    case Op::kMatches:
      return true;
    default:
      return false;
  }
}

}  // namespace

namespace {

// Compiles conditions into tests (detail::Test): `and`, `or` and `not` become the jump targets
// of their leaves, each leaf gets the cheapest shape that computes exactly what eval() would.
class TestCompiler {
 public:
  TestCompiler(const CompiledPack& pack, const detail::Prepared& prep, detail::CompiledTests& out)
      : pack_(pack), prep_(prep), out_(out) {}

  // The first test of the condition `id`, compiled once per node.
  uint32_t entry(uint32_t id) {
    if (out_.entry[id] == kNoIndex) out_.entry[id] = gen(id, detail::kTestTrue, detail::kTestFalse);
    return out_.entry[id];
  }

  // Prepared::rules_entry: built last to first, so each rule knows where the next begins. A
  // rule's condition gets tests of its own, ending at its action or the next rule, instead of
  // a call per rule into tests that end in true or false.
  //
  // Rules run in an order of their own: the order of firing decides nothing (reasons are
  // sorted by rule index, which each action keeps). Rules that open with the same test run
  // side by side, so that when it fails for one, the next ones are skipped without asking again
  // (thread_known_tests: a test's result cannot change within a decision).
  void chain_rules() {
    std::vector<uint32_t> order(pack_.rules.size());
    std::vector<uint64_t> key(pack_.rules.size());
    for (uint32_t ri = 0; ri < order.size(); ++ri) {
      order[ri] = ri;
      key[ri] = opening_leaf(pack_.rules[ri]);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t x, uint32_t y) { return key[x] < key[y]; });
    uint32_t next = detail::kTestTrue;
    for (size_t k = order.size(); k-- > 0;) {
      const RulePlan& r = pack_.rules[order[k]];
      detail::Test action;
      action.op =
          static_cast<uint8_t>(r.range == kNoIndex ? detail::TestOp::kFire : detail::TestOp::kEach);
      action.a = order[k];
      action.on_true = action.on_false = next;
      if (r.range != kNoIndex) {
        // `when: A and B` where A does not read the element: A is asked once, before the
        // first element (never for an empty list, as before), and B for each element.
        action.node = kNoIndex;
        action.b = r.condition;
        const PlanNode& c = pack_.nodes[r.condition];
        if (c.op == Op::kAnd && !reads_local(c.a, r.local)) {
          action.node = c.a;
          action.b = c.b;
          entry(c.a);
        }
        entry(action.b);
      }
      out_.tests.push_back(action);
      const uint32_t act = static_cast<uint32_t>(out_.tests.size() - 1);
      next = r.range == kNoIndex ? gen(r.condition, act, next) : act;
    }
    out_.rules_entry = next;
    // Every test a run starts at: the chain, the conditions eval_bool asks, quantifier bodies.
    std::vector<uint32_t> entries{out_.rules_entry};
    for (uint32_t e : out_.entry)
      if (e != kNoIndex) entries.push_back(e);
    for (const detail::Test& t : out_.tests)
      if (t.op == static_cast<uint8_t>(detail::TestOp::kQuantifier)) entries.push_back(t.b);
    detail::thread_known_tests(out_.tests, prep_, entries);
  }

 private:
  // Whether the expression `id` reads local `slot`. Iterative: plans can be deep.
  bool reads_local(uint32_t id, uint32_t slot) {
    if (seen_.size() < pack_.nodes.size()) seen_.resize(pack_.nodes.size(), 0);
    if (++visit_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      visit_ = 1;
    }
    std::vector<uint32_t> stack{id};
    while (!stack.empty()) {
      const uint32_t x = stack.back();
      stack.pop_back();
      if (seen_[x] == visit_) continue;
      seen_[x] = visit_;
      const PlanNode& n = pack_.nodes[x];
      // Definitions are top level: they see no rule's element.
      if (n.op == Op::kLocal && n.a == slot) return true;
      uint32_t operands[2];
      const size_t k = plan_operands(n, operands);
      stack.insert(stack.end(), operands, operands + k);
    }
    return false;
  }

  // What a rule's condition tests first: the same value for two rules means the same test.
  // Rules with a range test per element and come last.
  uint64_t opening_leaf(const RulePlan& r) const {
    if (r.range != kNoIndex) return UINT64_MAX;
    uint32_t id = r.condition;
    for (;;) {
      const PlanNode& n = pack_.nodes[id];
      if (n.op != Op::kNot && n.op != Op::kAnd && n.op != Op::kOr) break;
      id = n.a;
    }
    const PlanNode& n = pack_.nodes[id];
    return n.op == Op::kDef ? n.a : (uint64_t{1} << 32) + id;
  }

  // Tests for `id` that continue at `t` when it holds and at `f` when not; returns the first.
  uint32_t gen(uint32_t id, uint32_t t, uint32_t f) {
    const PlanNode& n = pack_.nodes[id];
    switch (n.op) {
      case Op::kNot:
        return gen(n.a, f, t);
      case Op::kAnd:
        return gen(n.a, gen(n.b, t, f), f);
      case Op::kOr:
        return gen(n.a, t, gen(n.b, t, f));
      default:
        break;
    }
    detail::Test test = leaf(id);
    test.node = id;
    if (test.op != static_cast<uint8_t>(detail::TestOp::kValue) &&
        test.op != static_cast<uint8_t>(detail::TestOp::kDef) &&
        test.op != static_cast<uint8_t>(detail::TestOp::kQuantifier)) {
      const detail::FlatPath& fp = prep_.paths[test.a];
      // The root itself (no step) is read through Prepared::paths: Run::test_path starts a
      // path from the root at its first step.
      if (fp.begin != kNoIndex && fp.length <= 2 && (fp.length != 0 || fp.base != kNoIndex)) {
        test.path_len = static_cast<uint8_t>(fp.length);
        test.base = fp.base;
        for (uint32_t i = 0; i < fp.length; ++i) test.steps[i] = prep_.path_steps[fp.begin + i];
      }
    }
    test.on_true = t;
    test.on_false = f;
    out_.tests.push_back(test);
    return static_cast<uint32_t>(out_.tests.size() - 1);
  }

  detail::Test leaf(uint32_t id) {
    using detail::TestOp;
    const PlanNode& n = pack_.nodes[id];
    auto path = [&](uint32_t x) { return prep_.paths[x].begin != kNoIndex; };
    auto make = [](TestOp op, uint32_t a, uint32_t b = 0, uint8_t flag = 0) {
      detail::Test x;
      x.op = static_cast<uint8_t>(op);
      x.a = a;
      x.b = b;
      x.flag = flag;
      return x;
    };
    switch (n.op) {
      case Op::kDef:
        return make(TestOp::kDef, n.a);
      case Op::kField:
        // A bool field as the condition itself (`when: x.on`): `== true`, which is false on a
        // missing value as eval()'s bool of one is.
        if (n.type == TypeKind::kBool && path(id)) return make(TestOp::kIsBool, id, 1);
        break;
      case Op::kPresent:
        if (path(n.a)) return make(TestOp::kPresent, n.a);
        break;
      case Op::kEmpty:
        if (path(n.a)) return make(TestOp::kEmpty, n.a);
        break;
      case Op::kEq:
      case Op::kNe: {
        const PlanNode& b = pack_.nodes[n.b];
        if (!path(n.a) || b.op != Op::kConst) break;
        const Constant& c = pack_.constants[b.a];
        uint8_t ne = n.op == Op::kNe;
        if (c.kind == TypeKind::kEnum) return make(TestOp::kIsMember, n.a, c.member, ne);
        if (c.kind == TypeKind::kBool) return make(TestOp::kIsBool, n.a, c.b, ne);
        return compare_with(n, detail::CompareWith::kConstant);
      }
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        using detail::CompareWith;
        const PlanNode& b = pack_.nodes[n.b];
        if (!path(n.a)) break;
        if (b.op == Op::kConst) return compare_with(n, CompareWith::kConstant);
        if (b.op == Op::kAsOf) return compare_with(n, CompareWith::kAsOf);
        if (path(n.b)) return compare_with(n, CompareWith::kPath);
        if (shifted(b)) return compare_with(n, CompareWith::kShiftedPath);
        break;
      }
      case Op::kInSet:
        if (path(n.a) && n.c < pack_.enum_bitsets.size()) return make(TestOp::kInEnums, n.a, n.c);
        if (path(n.a)) return make(TestOp::kInSet, n.a);
        break;
      case Op::kInList: {
        const PlanNode& a = pack_.nodes[n.a];
        if (a.op == Op::kConst && path(n.b)) return make(TestOp::kContains, n.b, a.a);
        break;
      }
      case Op::kAny:
      case Op::kAll:
      case Op::kNone:
        return make(TestOp::kQuantifier, n.a, entry(n.b));
      default:
        break;
    }
    return make(TestOp::kValue, 0);
  }

  // `path + days` or `path - days` of dates, the days a constant (a pack's parameter is one):
  // a kCompare test reads it where it is (CompareWith::kShiftedPath).
  bool shifted(const PlanNode& x) const {
    if ((x.op != Op::kAdd && x.op != Op::kSub) || x.type != TypeKind::kDate) return false;
    const PlanNode& days = pack_.nodes[x.b];
    if (pack_.nodes[x.a].type != TypeKind::kDate || days.op != Op::kConst) return false;
    const TypeKind k = pack_.constants[days.a].kind;
    return prep_.paths[x.a].begin != kNoIndex && (k == TypeKind::kInt || k == TypeKind::kNull);
  }

  // A kCompare test of `n`: a path on the left, on the right what leaf() found there (a
  // constant, as_of(), a path or a shifted path).
  detail::Test compare_with(const PlanNode& n, detail::CompareWith with) const {
    detail::Test x;
    x.op = static_cast<uint8_t>(detail::TestOp::kCompare);
    x.a = n.a;
    x.flag = static_cast<uint8_t>(with);
    // A constant is read from the pack's constants; the rest from the right side's node.
    x.b = with == detail::CompareWith::kConstant ? pack_.nodes[n.b].a : n.b;
    return x;
  }

  const CompiledPack& pack_;
  const detail::Prepared& prep_;
  detail::CompiledTests& out_;
  std::vector<uint32_t> seen_;  // reads_local's visits: seen_[node] == visit_
  uint32_t visit_ = 0;
};

// A document is read by the field numbers of the pack it was loaded against (its root node
// holds that pack's root type): read with another pack's paths, a rule would see the value of
// another field (a deny read as an allow) or reach past the document's nodes. A document with
// no nodes (default-constructed) has no root to read.
void check_document(const CompiledPack& pack, const Document& doc) {
  if (doc.node_count() == 0)
    throw EvaluationError("eval.document", "the document is empty: load it with load_document");
  const DocNode& root = doc.node(doc.root());
  if (root.type != pack.root)
    throw EvaluationError("eval.document",
                          fmt::format("the document was not loaded against the pack being "
                                      "evaluated (`{}`): load it with that pack",
                                      pack.name));
  // The loaders refuse a root that is not a mapping; a run reads the root's fields unchecked.
  if (root.kind != TypeKind::kRecord)
    throw EvaluationError("eval.document", "the document's root is not a record");
}

}  // namespace

namespace detail {

namespace {
// By length, then bytes: the order of SetIndex's members and of its last bucket's search.
bool shorter_or_before(std::string_view x, std::string_view y) {
  return x.size() != y.size() ? x.size() < y.size() : x < y;
}
}  // namespace

SetIndex::SetIndex(const std::vector<std::string>& members) {
  members_.assign(members.begin(), members.end());
  std::sort(members_.begin(), members_.end(), shorter_or_before);
  for (std::string_view m : members_) ++start_[std::min(m.size() + 1, kBuckets)];
  for (size_t n = 1; n <= kBuckets; ++n) start_[n] += start_[n - 1];
}

bool SetIndex::contains(std::string_view key) const {
  const size_t bucket = std::min(key.size(), kBuckets - 1);
  const auto first = members_.begin() + start_[bucket];
  const auto last = members_.begin() + start_[bucket + 1];
  return std::binary_search(first, last, key, shorter_or_before);
}

}  // namespace detail

Evaluator::Evaluator(std::shared_ptr<const CompiledPack> pack, uint64_t max_steps)
    : pack_(std::move(pack)), max_steps_(max_steps) {
  // compile_pack gives no pack when the policy has errors: a caller that did not check gets
  // an exception here, not a crash at its first decision.
  if (pack_ == nullptr)
    throw std::invalid_argument("no compiled pack: compile_pack reported errors (check ok())");
  const auto& nodes = pack_->nodes;
  detail::Prepared& p = prep_;
  p.filter_slot.assign(nodes.size(), kNoIndex);
  p.paths.assign(nodes.size(), detail::FlatPath{});
  std::vector<uint32_t> steps;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].op == Op::kFilter) p.filter_slot[i] = p.filter_count++;
    Op op = nodes[i].op;
    if (op != Op::kField && op != Op::kRoot && op != Op::kLocal) continue;
    steps.clear();
    uint32_t cur = static_cast<uint32_t>(i);
    while (nodes[cur].op == Op::kField) {
      steps.push_back(nodes[cur].b);
      cur = nodes[cur].a;
    }
    if (nodes[cur].op != Op::kRoot && nodes[cur].op != Op::kLocal) continue;
    detail::FlatPath& fp = p.paths[i];
    fp.base = nodes[cur].op == Op::kRoot ? kNoIndex : nodes[cur].a;
    fp.begin = static_cast<uint32_t>(p.path_steps.size());
    fp.length = static_cast<uint32_t>(steps.size());
    p.path_steps.insert(p.path_steps.end(), steps.rbegin(), steps.rend());
  }
  // Every node eval_bool is asked for: conditions inside loops, definitions that are
  // conditions, and (chain_rules) the conditions of rules with a range.
  tests_.entry.assign(nodes.size(), kNoIndex);
  TestCompiler tests(*pack_, p, tests_);
  for (const auto& n : nodes) {
    switch (n.op) {
      case Op::kAny:
      case Op::kAll:
      case Op::kNone:
      case Op::kCountWhere:
      case Op::kFilter:
        tests.entry(n.b);
        break;
      default:
        break;
    }
  }
  for (const std::string& pattern : pack_->patterns) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(pattern, options);
    // The compiler checked every pattern; a pack built otherwise with a bad one decides nothing.
    if (!re->ok())
      throw std::invalid_argument(fmt::format("pattern `{}`: {}", pattern, re->error()));
    p.patterns.push_back(std::move(re));
  }
  for (const SetPlan& set : pack_->sets) p.sets.emplace_back(set.members);
  p.def_node.assign(pack_->def_slots, 0);
  tests_.def_bool.assign(pack_->def_slots, 0);
  for (const auto& d : pack_->defs) {
    p.def_node[d.slot] = d.node;
    // Most definitions are conditions: the bool path avoids building Values. Only operators
    // that always yield a bool qualify; a bool-typed path may be missing, which is not false.
    tests_.def_bool[d.slot] = always_bool(nodes[d.node].op);
    if (tests_.def_bool[d.slot]) tests.entry(d.node);
  }
  tests.chain_rules();
  detail::specialize_path_tests(tests_.tests);
  // explain()'s: no test entries, so every condition goes through eval() and every
  // definition is computed by it, so that the tests can hold the compiled tests to it.
  general_.entry.assign(nodes.size(), kNoIndex);
  general_.def_bool.assign(pack_->def_slots, 0);
  general_.rules_entry = kNoIndex;
}

Trace Evaluator::explain(const Document& doc, const SourceMap& sources,
                         const EvaluationContext& context) const {
  const CompiledPack& pack = *pack_;
  Trace trace;
  trace.decision = evaluate(doc, context);  // checks the document (check_document)
  Frame frame;
  Run run(pack, prep_, general_, doc, frame, max_steps_, context.as_of);
  // A value as explain shows it, or the range error computing it met. The decision stands
  // (evaluate() above made it): a definition no rule needs, or a part of a condition that the
  // decision's short-circuit never reached, may leave its type's range, and explain shows
  // every one. A definition whose computation throws stays uncomputed (compute_def), so a rule
  // that did need it throws again, as evaluate() would have.
  auto shown = [&](auto&& value) -> std::string {
    try {
      return value();
    } catch (const EvaluationError& e) {
      if (e.code() != "eval.range") throw;
      return fmt::format("(error[{}]: {})", e.code(), e.what());
    }
  };
  for (const auto& d : pack.defs) {
    trace.definitions.push_back({d.name, sources.text_of(pack.nodes[d.node].span), shown([&] {
                                   run.def(d.slot);
                                   return run.show_node(d.node);
                                 })});
  }
  for (const auto& r : pack.rules) {
    auto record = [&](std::string element) {
      TraceRule tr;
      tr.id = r.id;
      tr.clause = r.clause;
      tr.outcome = r.outcome;
      tr.element = std::move(element);
      tr.condition = sources.text_of(pack.nodes[r.condition].span);
      tr.fired = run.eval(r.condition).b;
      std::vector<uint32_t> leaves;
      run.parts(r.condition, leaves);
      for (uint32_t leaf : leaves) {
        tr.parts.push_back(
            {sources.text_of(pack.nodes[leaf].span), shown([&] { return run.show_node(leaf); })});
      }
      if (tr.fired) tr.message = run.message(r);
      trace.rules.push_back(std::move(tr));
    };
    if (r.range == kNoIndex) {
      record("");
      continue;
    }
    Value list = run.eval(r.range);
    if (list.count == 0) {
      TraceRule tr;
      tr.id = r.id;
      tr.clause = r.clause;
      tr.outcome = r.outcome;
      tr.condition =
          fmt::format("(no elements in `{}`)", sources.text_of(pack.nodes[r.range].span));
      trace.rules.push_back(std::move(tr));
    }
    for (uint32_t i = 0; i < list.count; ++i) {
      frame.locals[r.local] = list.items[i];
      record(doc.path(list.items[i]));
    }
  }
  return trace;
}

std::vector<const AssertPlan*> Evaluator::broken_asserts(const Document& doc,
                                                         const Decision& decision,
                                                         const EvaluationContext& context) const {
  std::vector<const AssertPlan*> out;
  if (pack_->asserts.empty()) return out;
  check_document(*pack_, doc);
  Frame frame;
  Run run(*pack_, prep_, tests_, doc, frame, max_steps_, context.as_of);
  for (const AssertPlan& a : pack_->asserts) {
    const bool expected = (a.expect >> static_cast<unsigned>(decision.outcome)) & 1u;
    if (!expected && run.eval_bool(a.condition)) out.push_back(&a);
  }
  return out;
}

Decision Evaluator::evaluate(const Document& doc, const EvaluationContext& context) const {
  const CompiledPack& pack = *pack_;
  check_document(pack, doc);
  // One scratch frame per thread, reused across decisions (and across packs: it only grows),
  // so evaluation allocates nothing but the decision it returns.
  thread_local Frame frame;
  Run run(pack, prep_, tests_, doc, frame, max_steps_, context.as_of);

  Decision out;
  out.agreement = doc.id();
  out.file = doc.file();
  out.policy = {pack.name, pack.version, pack.digest};
  out.as_of = context.as_of;
  out.data = doc.data_files();
  out.pack = pack_;
  frame.fired.clear();
  frame.keys.clear();
  auto rank = [&](Outcome o) {
    auto it = std::find(pack.precedence.begin(), pack.precedence.end(), o);
    return static_cast<size_t>(it - pack.precedence.begin());
  };
  // Made once, not per rule: its captures were stores on every rule of every decision.
  auto fire = [&](const RulePlan& r, size_t ri) {
    Reason& reason = frame.fired.emplace_back();
    reason.outcome = r.outcome;
    reason.clause = r.clause;
    reason.rule = r.id;
    reason.citation = r.citation;
    reason.reviewers = r.reviewers;
    reason.message = run.message(r);
    reason.evidence.reserve(r.evidence.size());
    for (const auto& e : r.evidence) reason.evidence.push_back(run.evidence(e));
    reason.policy_file = r.file;
    reason.policy_position = r.position;
    reason.plan = &r;
    uint32_t line = reason.evidence.empty() ? 0 : reason.evidence[0].line;
    uint32_t column = reason.evidence.empty() ? 0 : reason.evidence[0].column;
    frame.keys.push_back({rank(r.outcome), &r.clause, ri, line, column,
                          static_cast<uint32_t>(frame.fired.size() - 1)});
  };
  for (uint32_t i = run.next_action(tests_.rules_entry); i < detail::kTestFalse;
       i = run.next_action(tests_.tests[i].on_true)) {
    const size_t ri = tests_.tests[i].a;
    const RulePlan& r = pack.rules[ri];
    if (tests_.tests[i].op == static_cast<uint8_t>(detail::TestOp::kFire)) {
      fire(r, ri);
      continue;
    }
    const detail::Test& each = tests_.tests[i];
    const std::span<const uint32_t> items = run.items(r.range);
    if (items.empty() || (each.node != kNoIndex && !run.eval_bool(each.node))) continue;
    for (uint32_t item : items) {
      run.tick();
      frame.locals[r.local] = item;
      if (run.eval_bool(each.b)) fire(r, ri);
    }
  }
  // Stable bytes: the order of FiredKey, and one reason per rule, message and position.
  std::sort(frame.keys.begin(), frame.keys.end());
  out.reasons.reserve(frame.keys.size());
  const FiredKey* prev = nullptr;
  for (const FiredKey& k : frame.keys) {
    Reason& reason = frame.fired[k.index];
    if (prev && prev->rule == k.rule && prev->line == k.line && prev->column == k.column &&
        out.reasons.back().message == reason.message)
      continue;
    out.reasons.push_back(std::move(reason));
    prev = &k;
  }
  out.outcome = pack.default_outcome;
  for (Outcome o : pack.precedence) {
    if (std::any_of(out.reasons.begin(), out.reasons.end(),
                    [&](const Reason& r) { return r.outcome == o; })) {
      out.outcome = o;
      break;
    }
  }
  // A reason that asks a body whose stated approval was not counted says why: naming the
  // entries of the list it points at, or, when it points at none of them, every such entry.
  out.approvals = doc.approval_source();
  for (Reason& r : out.reasons) {
    auto in_evidence = [&](const ApprovalSource::Unbacked& u) {
      return std::any_of(r.evidence.begin(), r.evidence.end(), [&](const Evidence& e) {
        return !e.path.empty() && u.path.rfind(e.path + "[", 0) == 0;
      });
    };
    auto asks = [&](const ApprovalSource::Unbacked& u) {
      return std::find(r.reviewers.begin(), r.reviewers.end(), u.body) != r.reviewers.end();
    };
    const bool pointed = std::any_of(out.approvals.unbacked.begin(), out.approvals.unbacked.end(),
                                     [&](const auto& u) { return asks(u) && in_evidence(u); });
    for (const ApprovalSource::Unbacked& u : out.approvals.unbacked) {
      if (!asks(u) || (pointed && !in_evidence(u))) continue;
      r.message += fmt::format(
          "; the approval by `{}` that the agreement states (`{}`, line {}) is not counted: no "
          "review record of `{}` on this text backs it",
          u.body, u.path, u.line, u.body);
    }
  }
  size_t named = 0;
  for (const auto& r : out.reasons) named += r.reviewers.size();
  out.reviewers.reserve(named);
  for (const auto& r : out.reasons)
    out.reviewers.insert(out.reviewers.end(), r.reviewers.begin(), r.reviewers.end());
  std::sort(out.reviewers.begin(), out.reviewers.end());
  out.reviewers.erase(std::unique(out.reviewers.begin(), out.reviewers.end()), out.reviewers.end());
  return out;
}

}  // namespace steward
