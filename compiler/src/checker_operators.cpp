// The expression checker's binary operators: `and`/`or` (with flow typing), `??`, `in`,
// comparisons, and `+`/`-`; and the string functions (lower, length, starts_with, ends_with,
// matches).
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>

#include "checker.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

// Key paths that are present whenever `e` evaluates to `positive`.
void presence_facts(const ast::Expr& e, bool positive, std::vector<std::string>& out) {
  if (e.kind == ast::ExprKind::kCall && e.args.size() == 1 && e.args[0]) {
    std::string path = dotted(*e.args[0]);
    if (path.empty()) return;
    if ((e.name == "present" && positive) || (e.name == "empty" && !positive)) out.push_back(path);
  } else if (e.kind == ast::ExprKind::kNot && !e.args.empty()) {
    presence_facts(*e.args[0], !positive, out);
  } else if (e.kind == ast::ExprKind::kBinary && e.args.size() == 2) {
    if ((e.op == ast::BinaryOp::kAnd && positive) || (e.op == ast::BinaryOp::kOr && !positive)) {
      presence_facts(*e.args[0], positive, out);
      presence_facts(*e.args[1], positive, out);
    }
  }
}

Op compare_op(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::kNe:
      return Op::kNe;
    case ast::BinaryOp::kLt:
      return Op::kLt;
    case ast::BinaryOp::kLe:
      return Op::kLe;
    case ast::BinaryOp::kGt:
      return Op::kGt;
    case ast::BinaryOp::kGe:
      return Op::kGe;
    default:
      return Op::kEq;
  }
}

}  // namespace

uint32_t Checker::literal_set(const ast::Expr& list) {
  SetPlan s;
  s.name = "[...]";
  s.span = list.span;
  for (const auto& a : list.args) {
    if (a->kind != ast::ExprKind::kString) {
      cx_.diags.error("check.set", a->span, "a list after `in` may hold only string literals",
                      "declare a named `set`, or test list membership with `any(...)`");
      return kNoIndex;
    }
    s.members.push_back(a->text);
  }
  std::sort(s.members.begin(), s.members.end());
  s.members.erase(std::unique(s.members.begin(), s.members.end()), s.members.end());
  // Interned in the pack's set table now: the checked `in` refers to it by index.
  cx_.pack->sets.push_back(std::move(s));
  return static_cast<uint32_t>(cx_.pack->sets.size() - 1);
}

Checked Checker::check_binary(const ast::Expr& e) {
  using ast::BinaryOp;
  const ast::Expr& l = *e.args[0];
  const ast::Expr& r = *e.args[1];
  const Type* kBool = cx_.builtin(TypeKind::kBool);  // first, as the pack's type order shows
  switch (e.op) {
    case BinaryOp::kAnd:
    case BinaryOp::kOr: {
      const char* what = e.op == BinaryOp::kAnd ? "each side of `and`" : "each side of `or`";
      Checked a = check_bool(l, what);
      size_t mark = known_present_.size();
      presence_facts(l, e.op == BinaryOp::kAnd, known_present_);
      Checked b = check_bool(r, what);
      known_present_.resize(mark);
      if (!a.ok() || !b.ok()) return {};
      Checked c = checked_node(e.op == BinaryOp::kAnd ? Op::kAnd : Op::kOr, kBool, e.span);
      c.expr.args.push_back(std::move(a.expr));
      c.expr.args.push_back(std::move(b.expr));
      return c;
    }
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
      return check_arith(e);
    case BinaryOp::kCoalesce: {
      Checked a = check(l);
      if (!a.ok()) return {};
      bool matched = false;
      Checked b = const_for(r, a.expr.type, &matched);
      if (!matched) b = check(r);
      if (!b.ok()) return {};
      if (a.set != kNoIndex || b.set != kNoIndex || a.expr.type != b.expr.type) {
        bool numeric = a.expr.type && b.expr.type && a.expr.type->kind == TypeKind::kNumber &&
                       b.expr.type->kind == TypeKind::kInt;
        if (!numeric) {
          cx_.diags.error("check.type", e.span,
                          fmt::format("both sides of `??` must have the same type, not {} and {}",
                                      quote(type_name(a)), quote(type_name(b))));
          return {};
        }
      }
      if (!a.expr.optional) {
        cx_.diags.warning(
            "lint.never-missing", l.span,
            fmt::format("{} is never missing, so `??` has no effect", quote(cx_.source_of(l))));
      }
      Checked c = checked_node(Op::kCoalesce, a.expr.type, e.span);
      c.expr.optional = b.expr.optional;
      c.expr.args.push_back(std::move(a.expr));
      c.expr.args.push_back(std::move(b.expr));
      return c;
    }
    case BinaryOp::kIn:
    case BinaryOp::kNotIn:
      return check_in(e);
    default:
      return check_compare(e);
  }
}

// `x in set`, `x in ["a", "b"]` and `x in list`, and their `not in`.
Checked Checker::check_in(const ast::Expr& e) {
  const ast::Expr& l = *e.args[0];
  const ast::Expr& r = *e.args[1];
  const Type* kBool = cx_.builtin(TypeKind::kBool);
  Checked a = check(l);
  if (!a.ok()) return {};
  if (a.set != kNoIndex) {
    cx_.diags.error("check.type", l.span, "a set can only stand on the right of `in`");
    return {};
  }
  Checked c;
  uint32_t set = kNoIndex;
  if (r.kind == ast::ExprKind::kList) {
    set = literal_set(r);
    if (set == kNoIndex) return {};
  } else if (r.kind == ast::ExprKind::kName && cx_.set_index.count(r.name) &&
             !cx_.defs.count(r.name)) {
    bool shadowed = std::any_of(locals_.begin(), locals_.end(),
                                [&](const Local& x) { return x.name == r.name; });
    if (!shadowed) {
      set = cx_.set_index[r.name];
      cx_.used_sets.insert(r.name);
    }
  }
  if (set != kNoIndex) {
    const Type* at = a.expr.type;
    if (at->kind != TypeKind::kString && at->kind != TypeKind::kEnum) {
      cx_.diags.error("check.type", l.span,
                      fmt::format("only strings and enums can be tested against a set, not {}",
                                  quote(type_name(a))));
      return {};
    }
    if (at->kind == TypeKind::kEnum && cx_.pack->sets[set].fold) {
      cx_.diags.error("check.type", l.span,
                      fmt::format("{} matches folded text, so it takes a string, not {}",
                                  quote(cx_.pack->sets[set].name), quote(type_name(a))));
      return {};
    }
    if (at->kind == TypeKind::kEnum) {
      // Every member of the set must be a member of the enum, or the test hides a typo.
      const SetPlan& sp = cx_.pack->sets[set];
      for (const auto& m : sp.members) {
        if (at->find_member(m) < 0) {
          cx_.diags.error(
              "check.enum-member", r.span,
              fmt::format("set {} holds {}, which is not a member of enum {}{}", quote(sp.name),
                          quote(m), quote(at->name), did_you_mean(m, at->members)));
        }
      }
    }
    c = checked_node(Op::kInSet, kBool, e.span);
    c.expr.set = set;
    c.expr.args.push_back(std::move(a.expr));
  } else {
    Checked b = check(r);
    if (!b.ok()) return {};
    if (b.set != kNoIndex || b.expr.type->kind != TypeKind::kList) {
      cx_.diags.error(
          "check.type", r.span,
          fmt::format("the right of `in` must be a set or a list, not {}", quote(type_name(b))));
      return {};
    }
    const Type* et = b.expr.type->element;
    const Type* at = a.expr.type;
    if (et != at && !(et->kind == TypeKind::kString && at->kind == TypeKind::kString)) {
      bool matched = false;
      if (l.kind == ast::ExprKind::kString) {
        a = const_for(l, et, &matched);
        if (!a.ok()) return {};
      }
      if (!matched) {
        cx_.diags.error("check.type", e.span,
                        fmt::format("cannot look for {} in a list of {}", quote(type_name(a)),
                                    quote(et->name)));
        return {};
      }
    }
    if (et->kind == TypeKind::kRecord || et->kind == TypeKind::kList) {
      cx_.diags.error("check.type", e.span,
                      "`in` compares scalars; use `any(x in list: ...)` for records");
      return {};
    }
    c = checked_node(Op::kInList, kBool, e.span);
    c.expr.args.push_back(std::move(a.expr));
    c.expr.args.push_back(std::move(b.expr));
  }
  if (e.op == ast::BinaryOp::kNotIn) {
    Checked n = checked_node(Op::kNot, kBool, e.span);
    n.expr.args.push_back(std::move(c.expr));
    return n;
  }
  return c;
}

// `==`, `!=`, `<`, `<=`, `>`, `>=`.
Checked Checker::check_compare(const ast::Expr& e) {
  const ast::Expr& l = *e.args[0];
  const ast::Expr& r = *e.args[1];
  Checked a, b;
  bool matched = false;
  // A string literal takes its meaning (enum member, date) from the other side.
  if (l.kind == ast::ExprKind::kString && r.kind != ast::ExprKind::kString) {
    b = check(r);
    if (!b.ok()) return {};
    a = const_for(l, b.expr.type, &matched);
    if (!matched) a = check(l);
  } else {
    a = check(l);
    if (!a.ok()) return {};
    if (a.expr.type) b = const_for(r, a.expr.type, &matched);
    if (!matched) b = check(r);
  }
  if (!a.ok() || !b.ok()) return {};
  if (a.set != kNoIndex || b.set != kNoIndex) {
    cx_.diags.error("check.type", e.span, "a set can only be used with `in`");
    return {};
  }
  const Type* ta = a.expr.type;
  TypeKind ka = ta->kind, kb = b.expr.type->kind;
  bool numeric = (ka == TypeKind::kInt || ka == TypeKind::kNumber) &&
                 (kb == TypeKind::kInt || kb == TypeKind::kNumber);
  bool same = ta == b.expr.type || numeric || (ka == TypeKind::kString && kb == TypeKind::kString);
  if (!same) {
    cx_.diags.error(
        "check.type", e.span,
        fmt::format("cannot compare {} with {}", quote(type_name(a)), quote(type_name(b))));
    return {};
  }
  bool equality = e.op == ast::BinaryOp::kEq || e.op == ast::BinaryOp::kNe;
  if (!equality) {
    if (ka == TypeKind::kBool || ka == TypeKind::kEnum || ka == TypeKind::kRecord ||
        ka == TypeKind::kList) {
      cx_.diags.error("check.type", e.span,
                      fmt::format("{} values have no order; use `==` or `!=`", quote(ta->name)));
      return {};
    }
    for (const auto* side : {&a, &b}) {
      if (side->expr.optional) {
        const ast::Expr& x = side == &a ? l : r;
        cx_.diags.error("check.optional", x.span,
                        fmt::format("{} may be missing, and a missing value has no order",
                                    quote(cx_.source_of(x))),
                        fmt::format("give it a default, e.g. `{} ?? ...`, or test `present(...)` "
                                    "first",
                                    cx_.source_of(x)));
        return {};
      }
    }
  } else if (ka == TypeKind::kRecord || ka == TypeKind::kList) {
    cx_.diags.error("check.type", e.span,
                    fmt::format("{} values cannot be compared with `==`", quote(ta->name)));
    return {};
  }
  Checked c = checked_node(compare_op(e.op), cx_.builtin(TypeKind::kBool), e.span);
  c.expr.compare = numeric && ka != kb ? TypeKind::kNumber : ka;
  c.expr.args.push_back(std::move(a.expr));
  c.expr.args.push_back(std::move(b.expr));
  return c;
}

// `+` and `-`: numbers, a date and a number of days, or (`-`) two dates; `*` and `/` numbers,
// `%` whole numbers. Operands must be present, as for `<`: the author says what a missing
// value means.
Checked Checker::check_arith(const ast::Expr& e) {
  const ast::Expr& l = *e.args[0];
  const ast::Expr& r = *e.args[1];
  const char* sym = ast::op_name(e.op);
  Checked a = check(l);
  if (!a.ok()) return {};
  Checked b = check(r);
  if (!b.ok()) return {};
  for (const auto* side : {&a, &b}) {
    const ast::Expr& x = side == &a ? l : r;
    if (side->set != kNoIndex) {
      cx_.diags.error("check.type", x.span, "a set can only be used with `in`");
      return {};
    }
    if (side->expr.optional) {
      cx_.diags.error(
          "check.optional", x.span,
          fmt::format("{} may be missing, and `{}` needs a value", quote(cx_.source_of(x)), sym),
          fmt::format("give it a default, e.g. `{} ?? ...`, or test `present(...)` "
                      "first",
                      cx_.source_of(x)));
      return {};
    }
  }
  TypeKind ka = a.expr.type->kind, kb = b.expr.type->kind;
  auto num = [](TypeKind k) { return k == TypeKind::kInt || k == TypeKind::kNumber; };
  TypeKind result;
  bool mixed = false;
  const bool additive = e.op == ast::BinaryOp::kAdd || e.op == ast::BinaryOp::kSub;
  if (e.op == ast::BinaryOp::kMod) {
    if (ka != TypeKind::kInt || kb != TypeKind::kInt) {
      cx_.diags.error(
          "check.type", e.span,
          fmt::format("cannot compute {} % {}", quote(type_name(a)), quote(type_name(b))),
          "`%` takes two whole numbers");
      return {};
    }
    result = TypeKind::kInt;
  } else if (num(ka) && num(kb)) {
    // A quotient is a number: 7 / 2 is 3.5, not 3 (a truncated ratio would pass a threshold
    // it does not reach).
    result = ka == TypeKind::kInt && kb == TypeKind::kInt && e.op != ast::BinaryOp::kDiv
                 ? TypeKind::kInt
                 : TypeKind::kNumber;
    mixed = ka != kb || (e.op == ast::BinaryOp::kDiv && ka == TypeKind::kInt);
  } else if (!additive) {
    cx_.diags.error(
        "check.type", e.span,
        fmt::format("cannot compute {} {} {}", quote(type_name(a)), sym, quote(type_name(b))),
        "`*` and `/` take numbers");
    return {};
  } else if (ka == TypeKind::kDate && kb == TypeKind::kInt) {
    result = TypeKind::kDate;  // days later or earlier
  } else if (ka == TypeKind::kDate && kb == TypeKind::kDate && e.op == ast::BinaryOp::kSub) {
    result = TypeKind::kInt;  // days between
  } else {
    cx_.diags.error(
        "check.type", e.span,
        fmt::format("cannot compute {} {} {}", quote(type_name(a)), sym, quote(type_name(b))),
        "`+` and `-` take numbers, a date and a whole number of days, or (`-`) two dates");
    return {};
  }
  const Op op = e.op == ast::BinaryOp::kAdd   ? Op::kAdd
                : e.op == ast::BinaryOp::kSub ? Op::kSub
                : e.op == ast::BinaryOp::kMul ? Op::kMul
                : e.op == ast::BinaryOp::kDiv ? Op::kDiv
                                              : Op::kMod;
  Checked c = checked_node(op, cx_.builtin(result), e.span);
  c.expr.mixed = mixed;
  c.expr.args.push_back(std::move(a.expr));
  c.expr.args.push_back(std::move(b.expr));
  return c;
}

std::optional<Checked> Checker::check_string_call(const ast::Expr& e) {
  static const std::map<std::string, Op> kOps = {{"lower", Op::kLower},
                                                 {"length", Op::kLength},
                                                 {"starts_with", Op::kStartsWith},
                                                 {"ends_with", Op::kEndsWith},
                                                 {"matches", Op::kMatches}};
  const auto op = kOps.find(e.name);
  if (op == kOps.end()) return std::nullopt;
  const bool unary = op->second == Op::kLower || op->second == Op::kLength;
  if (e.args.size() != (unary ? 1u : 2u)) {
    cx_.diags.error("check.arity", e.span,
                    fmt::format("`{}` takes {} argument{}, not {}", e.name, unary ? 1 : 2,
                                unary ? "" : "s", e.args.size()));
    return Checked{};
  }
  // Each operand a string; `matches` takes its pattern as a literal, checked here, so that a
  // pattern RE2 cannot read is a located error and never a failure while deciding.
  Checked result;
  const size_t operands = op->second == Op::kMatches ? 1 : e.args.size();
  bool optional = false;
  for (size_t i = 0; i < operands; ++i) {
    Checked a = check(*e.args[i]);
    if (!a.ok()) return Checked{};
    if (a.set != kNoIndex || a.expr.type->kind != TypeKind::kString) {
      cx_.diags.error("check.type", e.args[i]->span,
                      fmt::format("`{}` takes a string, not {}", e.name, quote(type_name(a))));
      return Checked{};
    }
    optional = optional || a.expr.optional;
    result.expr.args.push_back(std::move(a.expr));
  }
  const TypeKind kind = op->second == Op::kLower    ? TypeKind::kString
                        : op->second == Op::kLength ? TypeKind::kInt
                                                    : TypeKind::kBool;
  Checked c = checked_node(op->second, cx_.builtin(kind), e.span);
  c.expr.args = std::move(result.expr.args);
  // lower and length of a missing string are missing; the predicates are false for it.
  c.expr.optional = unary && optional;
  if (op->second == Op::kMatches) {
    const ast::Expr& p = *e.args[1];
    if (p.kind != ast::ExprKind::kString) {
      cx_.diags.error("check.type", p.span,
                      "`matches` takes its pattern as a string literal, such as "
                      "`\"[0-9]{3}-[0-9]{4}\"`");
      return Checked{};
    }
    re2::RE2::Options options;
    options.set_log_errors(false);
    const re2::RE2 re(p.text, options);
    if (!re.ok()) {
      cx_.diags.error("check.pattern", p.span,
                      fmt::format("{} is not a pattern RE2 reads: {}", quote(p.text), re.error()),
                      "RE2 syntax: no backreferences or lookaround, so matching takes linear time");
      return Checked{};
    }
    c.expr.value.kind = TypeKind::kString;
    c.expr.value.s = p.text;
  }
  return c;
}

}  // namespace steward::detail
