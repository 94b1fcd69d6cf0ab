// Jump threading over compiled tests: a forward "known on every path" analysis over the tests'
// jumps, and the jumps redirected past what it knows.
#include "test_threading.h"

#include <algorithm>
#include <map>
#include <optional>

#include "plan_run.h"

namespace steward::detail {

namespace {

// One answered question: `op` asked of `x` (a path's interned id, a definition slot, or a plan
// node) and `y` (a member, a bool, an enum set). For kIsMember and kIsBool `value` is the
// equality itself, whichever of `==` and `!=` the test asked.
struct Fact {
  uint8_t op;
  bool by_node;  // `x` is the plan node asked (any leaf that is not a path, member or definition)
  uint32_t x, y;
  bool local;  // reads a loop's element: forgotten past a test that may run a loop
  bool value;
};

// Facts carried along a path: the most recent ones. Along the rule chain's paths where no rule
// fires, facts would otherwise pile up with every rule (quadratic in the rules for a large pack).
constexpr size_t kMaxFacts = 32;

using Facts = std::vector<Fact>;

constexpr int kMaxSkips = 256;

class Threader {
 public:
  Threader(std::vector<Test>& tests, const Prepared& prep) : tests_(tests), prep_(prep) {}

  void run(const std::vector<uint32_t>& entries) {
    const size_t n = tests_.size();
    for (size_t i = 0; i < n; ++i)
      for (uint32_t to : {tests_[i].on_true, tests_[i].on_false})
        if (to < kTestFalse && to >= i) return;
    // in_[i]: what is known on every jump into test i seen so far (reached_[i]: one was seen).
    in_.assign(n, {});
    reached_.assign(n, 0);
    entry_.assign(n, 0);
    for (uint32_t e : entries)
      if (e < kTestFalse) entry_[e] = 1;
    // Every jump goes to a lower index: from the last test down, each test's jumps into it are
    // all seen before it is visited.
    for (size_t i = n; i-- > 0;) {
      Test& t = tests_[i];
      const Facts known = std::move(in_[i]);
      in_[i] = Facts();
      if (t.op >= static_cast<uint8_t>(TestOp::kFire)) {
        // An action: the rule loop sets elements and runs conditions of its own before it goes
        // on; only what reads no element is still known after it.
        Facts after;
        if (t.op == static_cast<uint8_t>(TestOp::kFire)) after = forget_local(known);
        arrive(t.on_true, after);
        if (t.on_false != t.on_true) arrive(t.on_false, after);
        continue;
      }
      const std::optional<Fact> q = question(t);
      const Facts kept = may_run_loop(t) ? forget_local(known) : known;
      for (bool result : {true, false}) {
        Facts after = kept;
        if (q) learn(after, answered(*q, t, result));
        uint32_t& jump = result ? t.on_true : t.on_false;
        jump = skip(jump, after);
        arrive(jump, after);
      }
    }
  }

 private:
  // The interned id of the field path of plan node `id` (its start and steps), or nullopt.
  std::optional<uint32_t> path_id(uint32_t id) {
    const FlatPath& p = prep_.paths[id];
    if (p.begin == kNoIndex) return std::nullopt;
    if (path_ids_.empty()) path_ids_.assign(prep_.paths.size(), kNoIndex);
    if (path_ids_[id] == kNoIndex) {
      std::vector<uint32_t> key{p.base};
      key.insert(key.end(), prep_.path_steps.begin() + p.begin,
                 prep_.path_steps.begin() + p.begin + p.length);
      path_ids_[id] =
          paths_.emplace(std::move(key), static_cast<uint32_t>(paths_.size())).first->second;
    }
    return path_ids_[id];
  }
  bool local_path(uint32_t id) const { return prep_.paths[id].base != kNoIndex; }

  // What test `t` asks, without its answer; nullopt for an action.
  std::optional<Fact> question(const Test& t) {
    const auto op = static_cast<TestOp>(t.op);
    switch (op) {
      case TestOp::kDef:
        return Fact{t.op, false, t.a, 0, false, false};
      case TestOp::kPresent:
      case TestOp::kEmpty:
      case TestOp::kIsMember:
      case TestOp::kIsBool:
      case TestOp::kInEnums: {
        const auto id = path_id(t.a);
        const uint32_t y = op == TestOp::kPresent || op == TestOp::kEmpty ? 0 : t.b;
        if (id) return Fact{t.op, false, *id, y, local_path(t.a), false};
        break;
      }
      case TestOp::kFire:
      case TestOp::kEach:
        return std::nullopt;
      default:
        break;
    }
    // Any other leaf: the question is its plan node (the same node asked again), which may
    // read an element.
    return Fact{t.op, true, t.node, 0, true, false};
  }

  static bool is_equality(TestOp op) { return op == TestOp::kIsMember || op == TestOp::kIsBool; }

  // Questions on a field path's value, which one value of the field answers together.
  static bool is_path_op(TestOp op) {
    return op == TestOp::kPresent || op == TestOp::kEmpty || is_equality(op) ||
           op == TestOp::kInEnums;
  }

  // Between an equality and test `t`'s result: the same unless `t` asks `!=`. Both ways, as
  // flipping twice is the identity.
  static bool as_asked(const Test& t, bool v) {
    return is_equality(static_cast<TestOp>(t.op)) ? v != static_cast<bool>(t.flag) : v;
  }

  static bool same_question(const Fact& a, const Fact& b) {
    return a.op == b.op && a.by_node == b.by_node && a.x == b.x && a.y == b.y;
  }

  // The fact test `t` adds when it gives `result`.
  static Fact answered(Fact q, const Test& t, bool result) {
    q.value = as_asked(t, result);
    return q;
  }

  // Tests that may run a loop (a quantifier, a definition, any expression): an element read
  // before one may not be the element after it.
  static bool may_run_loop(const Test& t) {
    switch (static_cast<TestOp>(t.op)) {
      case TestOp::kDef:
      case TestOp::kValue:
      case TestOp::kQuantifier:
        return true;
      default:
        return false;
    }
  }

  static Facts forget_local(const Facts& f) {
    Facts out;
    for (const Fact& x : f)
      if (!x.local) out.push_back(x);
    return out;
  }

  static void learn(Facts& f, const Fact& x) {
    if (f.size() == kMaxFacts) f.erase(f.begin());
    f.push_back(x);
  }

  // The answer `f` gives to test `t`'s question, if any.
  std::optional<bool> known(const Test& t, const Facts& f) {
    const std::optional<Fact> q = question(t);
    if (!q) return std::nullopt;
    const auto op = static_cast<TestOp>(t.op);
    for (const Fact& x : f) {
      if (same_question(x, *q)) return as_asked(t, x.value);
      if (!is_path_op(op) || q->by_node || x.by_node) continue;
      const auto xop = static_cast<TestOp>(x.op);
      // Path questions of a different kind on the same field path, answered by the value the
      // field holds: an enum member or bool it equals, or its absence.
      if (x.x != q->x || !is_path_op(xop)) continue;
      const bool holds_value = is_equality(xop) && x.value;
      const bool absent = (xop == TestOp::kPresent && !x.value);
      const bool present = holds_value || (xop == TestOp::kEmpty && !x.value);
      switch (op) {
        case TestOp::kIsMember:
        case TestOp::kIsBool:
          // Equal to another member (bool) of the same kind, or absent: not equal to this one.
          if ((holds_value && xop == op && x.y != q->y) || absent) return as_asked(t, false);
          break;
        case TestOp::kPresent:
          if (present) return true;
          break;
        case TestOp::kEmpty:
          // An enum or bool value is never empty; an absent one always is.
          if (absent) return true;
          if (holds_value) return false;
          break;
        default:
          break;
      }
    }
    return std::nullopt;
  }

  // Where a jump to `to` leads once the tests whose answers `f` holds are skipped. At most
  // kMaxSkips of them a jump: the tests it skips are not threaded yet (their own jumps come
  // later in the pass), and a pack could line up many that one jump's facts answer, each still
  // reached from elsewhere, for work quadratic in the pack. Skipping fewer is always sound.
  uint32_t skip(uint32_t to, const Facts& f) {
    for (int n = 0; n < kMaxSkips && to < kTestFalse; ++n) {
      const std::optional<bool> v = known(tests_[to], f);
      if (!v) break;
      to = *v ? tests_[to].on_true : tests_[to].on_false;
    }
    return to;
  }

  // A jump into `to` that carries `f`: what is known there is what every jump carries.
  void arrive(uint32_t to, const Facts& f) {
    if (to >= kTestFalse || entry_[to]) return;  // nothing is known at an entry
    Facts& in = in_[to];
    if (!reached_[to]) {
      reached_[to] = 1;
      in = f;
      return;
    }
    Facts out;
    for (const Fact& x : in)
      if (std::any_of(f.begin(), f.end(),
                      [&](const Fact& y) { return same_question(x, y) && y.value == x.value; }))
        out.push_back(x);
    in = std::move(out);
  }

  std::vector<Test>& tests_;
  const Prepared& prep_;
  std::vector<Facts> in_;
  std::vector<uint8_t> reached_, entry_;
  std::map<std::vector<uint32_t>, uint32_t> paths_;  // a path (its start, then steps): its id
  std::vector<uint32_t> path_ids_;                   // per plan node: its path's id, once asked
};

}  // namespace

void thread_known_tests(std::vector<Test>& tests, const Prepared& prep,
                        const std::vector<uint32_t>& entries) {
  Threader(tests, prep).run(entries);
}

}  // namespace steward::detail
