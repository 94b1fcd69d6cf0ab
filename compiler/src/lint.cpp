// Lint over the compiled plan: rules that can never fire, contradictory comparisons, and rules
// that duplicate each other. Warnings only (`steward check --strict` makes them errors).
#include "lint.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <iterator>
#include <map>
#include <optional>

namespace steward::detail {
namespace {

class Linter {
 public:
  Linter(const CompiledPack& pack, Diagnostics& diags) : pack_(pack), diags_(diags) {}

  void run() {
    std::map<std::string, const RulePlan*> seen;
    for (const auto& r : pack_.rules) {
      std::optional<bool> folded = fold_bool(r.condition);
      if (folded && !*folded) {
        diags_.warning("lint.never-fires", pack_.nodes[r.condition].span,
                       fmt::format("rule `{}` can never fire: its condition is always false", r.id),
                       "remove the rule, or fix its condition");
      } else if (auto why = contradiction(r.condition)) {
        diags_.warning("lint.contradiction", pack_.nodes[r.condition].span,
                       fmt::format("rule `{}` can never fire: {}", r.id, *why),
                       "fix the comparison, or remove the rule");
      }
      std::map<uint32_t, uint32_t> slots;
      std::string key = outcome_name(r.outcome);
      key += '|';
      if (r.range != kNoIndex) canonical(r.range, slots, key);
      key += '|';
      canonical(r.condition, slots, key);
      auto [it, inserted] = seen.emplace(key, &r);
      if (!inserted) {
        Diagnostic d{Severity::kWarning,
                     "lint.duplicate-rule",
                     fmt::format("rule `{}` has the same condition and outcome as rule `{}`", r.id,
                                 it->second->id),
                     r.span,
                     "merge them into one rule",
                     {}};
        d.notes.push_back({it->second->span, fmt::format("`{}` is here", it->second->id)});
        diags_.add(std::move(d));
      }
    }
  }

 private:
  const PlanNode& node(uint32_t i) const { return pack_.nodes[i]; }

  std::optional<Constant> constant(uint32_t i) const {
    const PlanNode& n = node(i);
    if (n.op == Op::kConst) return pack_.constants[n.a];
    return std::nullopt;
  }

  // The value of a boolean node when it does not depend on the document.
  std::optional<bool> fold_bool(uint32_t i) const {
    const PlanNode& n = node(i);
    switch (n.op) {
      case Op::kConst:
        return pack_.constants[n.a].kind == TypeKind::kBool
                   ? std::optional<bool>(pack_.constants[n.a].b)
                   : std::nullopt;
      case Op::kNot: {
        auto a = fold_bool(n.a);
        return a ? std::optional<bool>(!*a) : std::nullopt;
      }
      case Op::kAnd: {
        auto a = fold_bool(n.a), b = fold_bool(n.b);
        if ((a && !*a) || (b && !*b)) return false;
        if (a && b) return true;
        return std::nullopt;
      }
      case Op::kOr: {
        auto a = fold_bool(n.a), b = fold_bool(n.b);
        if ((a && *a) || (b && *b)) return true;
        if (a && b) return false;
        return std::nullopt;
      }
      case Op::kEq:
      case Op::kNe: {
        auto a = constant(n.a), b = constant(n.b);
        if (!a || !b) return std::nullopt;
        int c = compare(*a, *b);
        return n.op == Op::kEq ? c == 0 : c != 0;
      }
      default:
        return std::nullopt;
    }
  }

  static double number(const Constant& c) {
    return c.kind == TypeKind::kInt ? static_cast<double>(c.i) : c.d;
  }

  static int compare(const Constant& a, const Constant& b) {
    switch (a.kind) {
      case TypeKind::kInt:
      case TypeKind::kNumber:
        return number(a) < number(b) ? -1 : number(a) > number(b) ? 1 : 0;
      case TypeKind::kDate:
        return a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
      case TypeKind::kEnum:
        return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
      case TypeKind::kBool:
        return a.b == b.b ? 0 : (a.b ? 1 : -1);
      default:
        return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
    }
  }

  static std::string show(const Constant& c) {
    switch (c.kind) {
      case TypeKind::kInt:
        return fmt::format("{}", c.i);
      case TypeKind::kNumber:
        return fmt::format("{}", c.d);
      case TypeKind::kBool:
        return c.b ? "true" : "false";
      default:
        return fmt::format("\"{}\"", c.s);
    }
  }

  // A structural key of a plan subtree, appended to `out`; local slots are renumbered by first
  // appearance so the same condition in two rules gets the same key. (Appended, not returned:
  // a string per node, copied into its parent's, was most of lint at 10,000 rules.)
  void canonical(uint32_t i, std::map<uint32_t, uint32_t>& slots, std::string& out) const {
    const PlanNode& n = node(i);
    auto slot = [&](uint32_t s) {
      auto it = slots.find(s);
      if (it == slots.end()) it = slots.emplace(s, static_cast<uint32_t>(slots.size())).first;
      return it->second;
    };
    auto put = std::back_inserter(out);
    switch (n.op) {
      case Op::kConst:
        fmt::format_to(put, FMT_COMPILE("c{}"), show(pack_.constants[n.a]));
        return;
      case Op::kRoot:
        out += "root";
        return;
      case Op::kLocal:
        fmt::format_to(put, FMT_COMPILE("l{}"), slot(n.a));
        return;
      case Op::kDef:
        fmt::format_to(put, FMT_COMPILE("d{}"), n.a);
        return;
      case Op::kField:
        canonical(n.a, slots, out);
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(".{}"), n.b);
        return;
      case Op::kInSet:
        out += "in(";
        canonical(n.a, slots, out);
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(",s{})"), n.b);
        return;
      case Op::kAsOf:
        out += "as_of";
        return;
      case Op::kMatches:  // b is a pattern, not a node
        out += "m(";
        canonical(n.a, slots, out);
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(",p{})"), n.b);
        return;
      case Op::kAny:
      case Op::kAll:
      case Op::kNone:
      case Op::kCountWhere:
      case Op::kFilter: {
        fmt::format_to(put, FMT_COMPILE("q{}("), static_cast<int>(n.op));
        canonical(n.a, slots, out);  // the list's slots are numbered before the element's
        fmt::format_to(std::back_inserter(out), FMT_COMPILE(",l{},"), slot(n.c));
        canonical(n.b, slots, out);
        out += ')';
        return;
      }
      default: {
        fmt::format_to(put, FMT_COMPILE("o{}("), static_cast<int>(n.op));
        bool unary = n.op == Op::kNot || n.op == Op::kNeg || n.op == Op::kPresent ||
                     n.op == Op::kEmpty || n.op == Op::kCount || n.op == Op::kLower ||
                     n.op == Op::kLength;
        canonical(n.a, slots, out);
        if (!unary) {
          out += ',';
          canonical(n.b, slots, out);
        }
        out += ')';
        return;
      }
    }
  }

  std::string canonical(uint32_t i, std::map<uint32_t, uint32_t>& slots) const {
    std::string out;
    canonical(i, slots, out);
    return out;
  }

  void conjuncts(uint32_t i, std::vector<uint32_t>& out) const {
    const PlanNode& n = node(i);
    if (n.op == Op::kAnd) {
      conjuncts(n.a, out);
      conjuncts(n.b, out);
    } else {
      out.push_back(i);
    }
  }

  // Why the conjunction under `cond` can never hold, if it cannot.
  std::optional<std::string> contradiction(uint32_t cond) const {
    std::vector<uint32_t> parts;
    conjuncts(cond, parts);
    struct Facts {
      std::optional<Constant> eq;
      std::vector<Constant> ne;
      std::optional<Constant> lo, hi;  // bounds
      bool lo_strict = false, hi_strict = false;
      std::string text;
    };
    std::map<std::string, Facts> facts;
    std::map<std::string, bool> truths;  // boolean leaves and their negations
    for (uint32_t p : parts) {
      const PlanNode& n = node(p);
      std::map<uint32_t, uint32_t> slots;
      bool negated = n.op == Op::kNot;
      std::string leaf = canonical(negated ? n.a : p, slots);
      auto t = truths.find(leaf);
      if (t != truths.end() && t->second == negated) {
        return std::string("it requires a condition and its negation at once");
      }
      truths[leaf] = !negated;
      Op op = n.op;
      std::optional<Constant> k;
      uint32_t subject = kNoIndex;
      if (op >= Op::kEq && op <= Op::kGe) {
        if ((k = constant(n.b)))
          subject = n.a;
        else if ((k = constant(n.a))) {
          subject = n.b;
          // Mirror the comparison so the subject is on the left.
          if (op == Op::kLt)
            op = Op::kGt;
          else if (op == Op::kLe)
            op = Op::kGe;
          else if (op == Op::kGt)
            op = Op::kLt;
          else if (op == Op::kGe)
            op = Op::kLe;
        }
      }
      if (subject == kNoIndex || constant(subject)) continue;
      std::map<uint32_t, uint32_t> s2;
      Facts& f = facts[canonical(subject, s2)];
      switch (op) {
        case Op::kEq:
          if (f.eq && compare(*f.eq, *k) != 0)
            return fmt::format("a value cannot equal both {} and {}", show(*f.eq), show(*k));
          f.eq = k;
          break;
        case Op::kNe:
          f.ne.push_back(*k);
          break;
        case Op::kGt:
        case Op::kGe:
          if (!f.lo || compare(*k, *f.lo) > 0 || (compare(*k, *f.lo) == 0 && op == Op::kGt)) {
            f.lo = k;
            f.lo_strict = op == Op::kGt;
          }
          break;
        case Op::kLt:
        case Op::kLe:
          if (!f.hi || compare(*k, *f.hi) < 0 || (compare(*k, *f.hi) == 0 && op == Op::kLt)) {
            f.hi = k;
            f.hi_strict = op == Op::kLt;
          }
          break;
        default:
          break;
      }
      if (f.eq) {
        for (const auto& x : f.ne)
          if (compare(x, *f.eq) == 0)
            return fmt::format("a value cannot both equal and differ from {}", show(x));
        if (f.lo && (compare(*f.eq, *f.lo) < 0 || (f.lo_strict && compare(*f.eq, *f.lo) == 0)))
          return fmt::format("a value equal to {} is not {} {}", show(*f.eq),
                             f.lo_strict ? ">" : ">=", show(*f.lo));
        if (f.hi && (compare(*f.eq, *f.hi) > 0 || (f.hi_strict && compare(*f.eq, *f.hi) == 0)))
          return fmt::format("a value equal to {} is not {} {}", show(*f.eq),
                             f.hi_strict ? "<" : "<=", show(*f.hi));
      }
      if (f.lo && f.hi) {
        int c = compare(*f.lo, *f.hi);
        if (c > 0 || (c == 0 && (f.lo_strict || f.hi_strict)))
          return fmt::format("no value is both {} {} and {} {}",
                             f.lo_strict ? ">" : ">=", show(*f.lo),
                             f.hi_strict ? "<" : "<=", show(*f.hi));
      }
    }
    return std::nullopt;
  }

  const CompiledPack& pack_;
  Diagnostics& diags_;
};

}  // namespace

void lint_plan(const CompiledPack& pack, Diagnostics& diags) { Linter(pack, diags).run(); }

}  // namespace steward::detail
