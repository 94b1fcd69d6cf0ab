// The compiled tests (detail::Test): the rule chain's loop and each leaf shape, which read the
// document where it is instead of building Values; what they cannot do goes through eval().
#include <algorithm>

#include "plan_run.h"
#include "steward/source.h"

namespace steward::detail {

inline uint32_t Run::test_path(const Test& t) const {
  if (t.path_len == UINT8_MAX) [[unlikely]]
    return path_node(t.a);
  // A path from the root has a first step (TestCompiler::gen): a field of the root record.
  uint32_t cur, i;
  if (t.base == kNoIndex) {
    cur = root_kids_[t.steps[0]];
    i = 1;
  } else {
    cur = locals_[t.base];
    i = 0;
  }
  for (; i < t.path_len; ++i) {
    if (cur == kNoIndex) return kNoIndex;
    const DocNode& rec = node(cur);
    if (rec.kind != TypeKind::kRecord) return kNoIndex;
    cur = kids(rec)[t.steps[i]];
  }
  return cur;
}

template <Run::Shape kShape>
inline uint32_t Run::shaped_path(const Test& t) const {
  if constexpr (kShape == Shape::kR1) {
    return root_kids_[t.steps[0]];
  } else {
    const uint32_t cur = kShape == Shape::kL1 ? locals_[t.base] : root_kids_[t.steps[0]];
    if (cur == kNoIndex) return kNoIndex;
    const DocNode& rec = node(cur);
    if (rec.kind != TypeKind::kRecord) return kNoIndex;
    return kids(rec)[t.steps[kShape == Shape::kL1 ? 0 : 1]];
  }
}

inline bool Run::empty_at(uint32_t d) const {
  if (d == kNoIndex) return true;
  const DocNode& dn = node(d);
  switch (dn.kind) {
    case TypeKind::kNull:
      return true;
    case TypeKind::kString:
      return is_blank(doc_.string(dn));
    case TypeKind::kList:
      return kids(dn).empty();
    default:
      return false;
  }
}

void specialize_path_tests(std::vector<Test>& tests) {
  for (Test& t : tests) {
    TestOp first;
    switch (static_cast<TestOp>(t.op)) {
      case TestOp::kPresent:
        first = TestOp::kPresentR1;
        break;
      case TestOp::kEmpty:
        first = TestOp::kEmptyR1;
        break;
      case TestOp::kIsMember:
        first = TestOp::kIsMemberR1;
        break;
      case TestOp::kIsBool:
        first = TestOp::kIsBoolR1;
        break;
      default:
        continue;
    }
    int shape;  // in the order of Shape and of the ops
    if (t.path_len == 1 && t.base == kNoIndex)
      shape = 0;
    else if (t.path_len == 2 && t.base == kNoIndex)
      shape = 1;
    else if (t.path_len == 1 && t.base != kNoIndex)
      shape = 2;
    else
      continue;
    t.op = static_cast<uint8_t>(static_cast<int>(first) + shape);
  }
}

// Conditions are most of the plan: they run as compiled tests (detail::Test) that build no
// Values; a node that was not compiled (explain asks for any part) goes through eval()
// (eval_bool, in plan_run.h).
bool Run::run_tests(uint32_t i) {
  const Test* tests = tests_;
  for (;;) {
    const Test& t = tests[i];
    i = leaf(t) ? t.on_true : t.on_false;
    if (i >= kTestFalse) return i == kTestTrue;
  }
}

uint32_t Run::next_action(uint32_t i) {
  const Test* tests = tests_;
  while (i < kTestFalse) {
    const Test& t = tests[i];
    if (t.op >= static_cast<uint8_t>(TestOp::kFire)) return i;
    i = leaf(t) ? t.on_true : t.on_false;
  }
  return i;
}

inline bool Run::leaf(const Test& t) {
  switch (static_cast<TestOp>(t.op)) {
    case TestOp::kDef:
      return def(t.a).b;
    case TestOp::kPresent:
      return present_at(test_path(t));
    case TestOp::kPresentR1:
      return present_at(shaped_path<Shape::kR1>(t));
    case TestOp::kPresentR2:
      return present_at(shaped_path<Shape::kR2>(t));
    case TestOp::kPresentL1:
      return present_at(shaped_path<Shape::kL1>(t));
    case TestOp::kIsMember:
      return is_member_at(test_path(t), t);
    case TestOp::kIsMemberR1:
      return is_member_at(shaped_path<Shape::kR1>(t), t);
    case TestOp::kIsMemberR2:
      return is_member_at(shaped_path<Shape::kR2>(t), t);
    case TestOp::kIsMemberL1:
      return is_member_at(shaped_path<Shape::kL1>(t), t);
    case TestOp::kIsBool:
      return is_bool_at(test_path(t), t);
    case TestOp::kIsBoolR1:
      return is_bool_at(shaped_path<Shape::kR1>(t), t);
    case TestOp::kIsBoolR2:
      return is_bool_at(shaped_path<Shape::kR2>(t), t);
    case TestOp::kIsBoolL1:
      return is_bool_at(shaped_path<Shape::kL1>(t), t);
    case TestOp::kEmpty:
      return empty_at(test_path(t));
    case TestOp::kEmptyR1:
      return empty_at(shaped_path<Shape::kR1>(t));
    case TestOp::kEmptyR2:
      return empty_at(shaped_path<Shape::kR2>(t));
    case TestOp::kEmptyL1:
      return empty_at(shaped_path<Shape::kL1>(t));
    case TestOp::kInEnums:
      return in_enums(t);
    case TestOp::kQuantifier:
      return quantifier(t);
    case TestOp::kCompare:
      return compare_leaf(t);
    case TestOp::kInSet:
      return in_set_leaf(t);
    case TestOp::kContains:
      return contains(t);
    case TestOp::kValue:
      break;
    case TestOp::kFire:
    case TestOp::kEach:
      // Actions are handled by the rule loop (next_action) and never reach a condition.
      return false;
    default:
      // Every op is one of the above: the evaluator makes the tests (TestCompiler), never a
      // pack or a bundle. Said so, the dispatch needs no range check (two instructions a test).
      __builtin_unreachable();
  }
  return eval(t.node).b;
}

[[gnu::noinline]] bool Run::in_enums(const Test& t) {
  uint32_t d = test_path(t);
  if (d == kNoIndex) return false;
  const DocNode& dn = node(d);
  if (dn.kind == TypeKind::kEnum) return pack_.enum_bitsets[t.b][dn.member];
  return eval(t.node).b;
}

// `path in set`, the value read where it is (eval() would build it through the path's nodes).
[[gnu::noinline]] bool Run::in_set_leaf(const Test& t) {
  const uint32_t d = test_path(t);
  if (d == kNoIndex) return false;
  Value v;
  set_node(v, d);
  return in_set(v, pack_.nodes[t.node]);
}

// `constant in path`: eval()'s kInList without building the constant or the list as Values
// first; the same comparison and the same tick per element.
[[gnu::noinline]] bool Run::contains(const Test& t) {
  const Value a = constant(pack_.constants[t.b]);
  if (a.kind == TypeKind::kNull) return false;
  const uint32_t d = test_path(t);
  if (d == kNoIndex) return false;
  const DocNode& list = node(d);
  if (list.kind != TypeKind::kList) return false;
  Value x;
  for (uint32_t item : kids(list)) {
    tick();
    set_node(x, item);
    if (x.kind != TypeKind::kNull && compare(a, x, a.kind) == 0) return true;
  }
  return false;
}

namespace {

// A bool, whole number, date or enum member as one integer that orders as compare() does.
template <class T>
int64_t scalar_key(const T& v, TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
      return v.b;
    case TypeKind::kInt:
      return v.i;
    case TypeKind::kDate:
      return v.date;
    default:
      return v.member;
  }
}

}  // namespace

// A comparison whose operands need no evaluation: the values are read where they are, with
// the same rule as eval() (a missing operand makes `==` and every order false, `!=` true).
// Bools, whole numbers, dates and enum members compare as integers read straight from the
// document and the constant; numbers and strings go through Values and compare().
[[gnu::noinline]] bool Run::compare_leaf(const Test& t) {
  const PlanNode& n = pack_.nodes[t.node];
  const TypeKind k = static_cast<TypeKind>(n.c);
  const uint32_t d = test_path(t);
  const DocNode* ln = d == kNoIndex || node(d).kind == TypeKind::kNull ? nullptr : &node(d);
  bool present;
  int c = 0;
  if (k == TypeKind::kBool || k == TypeKind::kInt || k == TypeKind::kDate || k == TypeKind::kEnum) {
    int64_t y = 0;
    present = ln != nullptr;
    switch (static_cast<CompareWith>(t.flag)) {
      case CompareWith::kConstant: {
        const Constant& rc = pack_.constants[t.b];
        present = present && rc.kind != TypeKind::kNull;
        y = scalar_key(rc, k);
        break;
      }
      case CompareWith::kAsOf:
        y = as_of_;
        break;
      case CompareWith::kPath: {
        const uint32_t e = path_node(t.b);
        present = present && e != kNoIndex && node(e).kind != TypeKind::kNull;
        if (present) y = scalar_key(node(e), k);
        break;
      }
      case CompareWith::kShiftedPath: {
        // Worked out whether or not the left side is there, as eval() does: a date pushed
        // out of range is an error for the document either way.
        const PlanNode& s = pack_.nodes[t.b];
        const Constant& days = pack_.constants[pack_.nodes[s.b].a];
        const uint32_t e = path_node(s.a);
        const bool known =
            e != kNoIndex && node(e).kind != TypeKind::kNull && days.kind != TypeKind::kNull;
        if (known) y = shift_date(node(e).date, days.i, s);
        present = present && known;
        break;
      }
    }
    if (present) {
      const int64_t x = scalar_key(*ln, k);
      c = (x > y) - (x < y);
    }
  } else {
    Value l, r;
    if (ln != nullptr) set_node(l, d, *ln);
    switch (static_cast<CompareWith>(t.flag)) {
      case CompareWith::kConstant:
        r = constant(pack_.constants[t.b]);
        break;
      case CompareWith::kAsOf:
        r.kind = TypeKind::kDate;
        r.date = as_of_;
        break;
      case CompareWith::kPath: {
        const uint32_t e = path_node(t.b);
        if (e != kNoIndex) set_node(r, e);
        break;
      }
      case CompareWith::kShiftedPath:
        r = arith(pack_.nodes[t.b]);
        break;
    }
    present = l.kind != TypeKind::kNull && r.kind != TypeKind::kNull;
    if (present) c = compare(l, r, k);
  }
  switch (n.op) {
    case Op::kEq:
      return present && c == 0;
    case Op::kNe:
      return !present || c != 0;
    case Op::kLt:
      return present && c < 0;
    case Op::kLe:
      return present && c <= 0;
    case Op::kGt:
      return present && c > 0;
    default:
      return present && c >= 0;
  }
}

// any, all, none as conditions: the loop runs here rather than through a list Value.
[[gnu::noinline]] bool Run::quantifier(const Test& t) {
  const PlanNode& n = pack_.nodes[t.node];
  const uint32_t* items = nullptr;
  uint32_t count = 0;
  if (is_path(n.a)) {
    uint32_t d = path_node(n.a);
    if (d != kNoIndex && node(d).kind == TypeKind::kList) {
      auto c = kids(node(d));
      items = c.data();
      count = static_cast<uint32_t>(c.size());
    }
  } else {
    Value l = eval(n.a);
    items = l.items;
    count = l.count;
  }
  for (uint32_t i = 0; i < count; ++i) {
    tick();
    locals_[n.c] = items[i];
    bool c = run_tests(t.b);
    if (n.op == Op::kAny && c) return true;
    if (n.op == Op::kAll && !c) return false;
    if (n.op == Op::kNone && c) return false;
  }
  return n.op != Op::kAny;
}

}  // namespace steward::detail
