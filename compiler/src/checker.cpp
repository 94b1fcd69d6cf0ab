// The expression checker: names, fields, literals, functions, quantifiers and the unary
// operators; the binary operators are in checker_operators.cpp.
#include "checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "steward/date.h"
#include "steward/suggest.h"

namespace steward::detail {

std::string dotted(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kName) return e.name;
  if (e.kind == ast::ExprKind::kMember && !e.args.empty() && e.args[0]) {
    std::string base = dotted(*e.args[0]);
    return base.empty() ? "" : base + "." + e.name;
  }
  return "";
}

Checked checked_node(Op op, const Type* type, SourceSpan span) {
  Checked c;
  c.expr.op = op;
  c.expr.type = type;
  c.expr.span = span;
  return c;
}

uint32_t Checker::push_local(const std::string& name, const Type* type) {
  uint32_t slot = cx_.checked->local_slots++;
  locals_.push_back({name, slot, type});
  return slot;
}

void Checker::pop_local() { locals_.pop_back(); }

std::string Checker::type_name(const Checked& c) const {
  if (c.set != kNoIndex) return "set";
  if (!c.expr.type) return "?";
  return c.expr.optional ? c.expr.type->name + "?" : c.expr.type->name;
}

Checked Checker::narrow(const ast::Expr& e, Checked c) {
  if (!c.expr.optional) return c;
  std::string path = dotted(e);
  if (path.empty()) return c;
  for (const auto& k : known_present_) {
    if (k == path ||
        (k.size() > path.size() && k.compare(0, path.size(), path) == 0 && k[path.size()] == '.')) {
      c.expr.optional = false;
      return c;
    }
  }
  return c;
}

Checked Checker::literal(const ast::Expr& e) {
  Constant v;
  switch (e.kind) {
    case ast::ExprKind::kString:
      v.kind = TypeKind::kString;
      v.s = e.text;
      break;
    case ast::ExprKind::kInt:
      v.kind = TypeKind::kInt;
      v.i = e.int_value;
      break;
    case ast::ExprKind::kNumber:
      v.kind = TypeKind::kNumber;
      v.d = e.number_value;
      break;
    case ast::ExprKind::kBool:
      v.kind = TypeKind::kBool;
      v.b = e.bool_value;
      break;
    default:
      cx_.diags.error("check.null", e.span, "`null` is not a value here",
                      "test for a missing value with `present(x)` or `empty(x)`");
      return {};
  }
  Checked c = checked_node(Op::kConst, cx_.builtin(v.kind), e.span);
  c.expr.value = std::move(v);
  return c;
}

// A literal compared with a value of type `want`: string literals become enum members or
// dates when the other side is an enum or a date, so typos in them are compile errors.
Checked Checker::const_for(const ast::Expr& lit, const Type* want, bool* matched) {
  *matched = false;
  if (lit.kind != ast::ExprKind::kString || want == nullptr) return {};
  if (want->kind == TypeKind::kEnum) {
    *matched = true;
    int m = want->find_member(lit.text);
    if (m < 0) {
      cx_.diags.error("check.enum-member", lit.span,
                      fmt::format("{} is not a member of enum {}{}", quote(lit.text),
                                  quote(want->name), did_you_mean(lit.text, want->members)));
      return {};
    }
    Checked c = checked_node(Op::kConst, want, lit.span);
    c.expr.value.kind = TypeKind::kEnum;
    c.expr.value.member = static_cast<uint32_t>(m);
    c.expr.value.s = lit.text;
    return c;
  }
  if (want->kind == TypeKind::kDate) {
    *matched = true;
    Constant v;
    v.kind = TypeKind::kDate;
    if (!parse_iso_date(lit.text, &v.date)) {
      cx_.diags.error("check.date", lit.span,
                      fmt::format("{} is not a date; write `YYYY-MM-DD`", quote(lit.text)));
      return {};
    }
    Checked c = checked_node(Op::kConst, cx_.builtin(TypeKind::kDate), lit.span);
    c.expr.value = std::move(v);
    return c;
  }
  return {};
}

Checked Checker::check_name(const ast::Expr& e) {
  for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
    if (it->name == e.name) {
      Checked c = checked_node(Op::kLocal, it->type, e.span);
      c.expr.slot = it->slot;
      return c;
    }
  }
  if (auto d = cx_.defs.find(e.name); d != cx_.defs.end()) {
    if (d->second.type == nullptr) return {};  // reported where it is defined
    Checked c = checked_node(Op::kDef, d->second.type, e.span);
    c.expr.optional = d->second.optional;
    c.expr.slot = d->second.slot;
    return c;
  }
  if (auto p = cx_.params.find(e.name); p != cx_.params.end()) {
    p->second.used = true;
    Checked c = checked_node(Op::kConst, cx_.builtin(p->second.value.kind), e.span);
    c.expr.value = p->second.value;
    return c;
  }
  if (auto s = cx_.set_index.find(e.name); s != cx_.set_index.end()) {
    cx_.used_sets.insert(e.name);
    Checked c;
    c.set = s->second;
    return c;
  }
  const Type* root = cx_.pack->root;
  if (root != nullptr) {
    int f = root->find_field(e.name);
    if (f >= 0) {
      const FieldType& ft = root->fields[f];
      Checked c = checked_node(Op::kField, ft.type, e.span);
      c.expr.optional = ft.optional;
      c.expr.field = static_cast<uint32_t>(f);
      c.expr.args.push_back(checked_node(Op::kRoot, root, e.span).expr);
      return c;
    }
  }
  std::vector<std::string> names;
  for (const auto& l : locals_) names.push_back(l.name);
  for (const auto& [n, d] : cx_.defs) names.push_back(n);
  for (const auto& [n, p] : cx_.params) names.push_back(n);
  for (const auto& [n, s] : cx_.set_index) names.push_back(n);
  if (root)
    for (const auto& f : root->fields) names.push_back(f.name);
  cx_.diags.error(
      "check.unknown-name", e.span,
      fmt::format("unknown name {}{}", quote(e.name), did_you_mean(e.name, names)),
      "a name is a definition, a parameter, a set, a bound variable or a field of the document");
  return {};
}

Checked Checker::check_member(const ast::Expr& e) {
  Checked base = check(*e.args[0]);
  if (!base.ok()) return {};
  if (base.set != kNoIndex || base.expr.type->kind != TypeKind::kRecord) {
    cx_.diags.error("check.type", e.span,
                    fmt::format("{} has no fields: it is {}", quote(cx_.source_of(*e.args[0])),
                                quote(type_name(base))));
    return {};
  }
  const Type* rec = base.expr.type;
  int f = rec->find_field(e.name);
  if (f < 0) {
    std::vector<std::string> names;
    for (const auto& ft : rec->fields) names.push_back(ft.name);
    cx_.diags.error("check.unknown-field", e.span,
                    fmt::format("{} has no field {}{}", quote(rec->name), quote(e.name),
                                did_you_mean(e.name, names)));
    return {};
  }
  const FieldType& ft = rec->fields[f];
  Checked c = checked_node(Op::kField, ft.type, e.span);
  c.expr.optional = base.expr.optional || ft.optional;
  c.expr.field = static_cast<uint32_t>(f);
  c.expr.args.push_back(std::move(base.expr));
  return c;
}

Checked Checker::check_bool(const ast::Expr& e, const char* what) {
  Checked c = check(e);
  if (!c.ok()) return {};
  if (c.set != kNoIndex || c.expr.type->kind != TypeKind::kBool) {
    cx_.diags.error("check.type", e.span,
                    fmt::format("{} must be a bool, but this is {}", what, quote(type_name(c))));
    return {};
  }
  if (c.expr.optional) {
    cx_.diags.error("check.optional", e.span,
                    fmt::format("{} may be missing, so it is not a bool", quote(cx_.source_of(e))),
                    "say what a missing value means: `x == true`, `x != true` or `x ?? false`");
    return {};
  }
  return c;
}

Checked Checker::check_call(const ast::Expr& e) {
  const Type* kBool = cx_.builtin(TypeKind::kBool);  // first, as the pack's type order shows
  auto arity = [&](size_t n) {
    if (e.args.size() != n) {
      cx_.diags.error("check.arity", e.span,
                      fmt::format("`{}` takes {} argument{}, not {}", e.name, n, n == 1 ? "" : "s",
                                  e.args.size()));
      return false;
    }
    return true;
  };
  if (e.name == "present" || e.name == "empty") {
    if (!arity(1)) return {};
    Checked a = check(*e.args[0]);
    if (!a.ok()) return {};
    if (a.set != kNoIndex) {
      cx_.diags.error("check.type", e.span, fmt::format("`{}` takes a value, not a set", e.name));
      return {};
    }
    const TypeKind k = a.expr.type->kind;
    if (e.name == "empty" && k != TypeKind::kString && k != TypeKind::kList && !a.expr.optional) {
      cx_.diags.error("check.type", e.span,
                      fmt::format("`empty` takes a string, a list or an optional value, not {}",
                                  quote(type_name(a))));
      return {};
    }
    if (e.name == "present" && !a.expr.optional) {
      cx_.diags.warning("lint.never-missing", e.span,
                        fmt::format("{} is never missing, so `present` is always true",
                                    quote(cx_.source_of(*e.args[0]))));
    }
    Checked c = checked_node(e.name == "present" ? Op::kPresent : Op::kEmpty, kBool, e.span);
    c.expr.args.push_back(std::move(a.expr));
    return c;
  }
  if (e.name == "count") {
    if (!arity(1)) return {};
    Checked a = check(*e.args[0]);
    if (!a.ok()) return {};
    if (a.set != kNoIndex || a.expr.type->kind != TypeKind::kList) {
      cx_.diags.error("check.type", e.span,
                      fmt::format("`count` takes a list, not {}", quote(type_name(a))));
      return {};
    }
    Checked c = checked_node(Op::kCount, cx_.builtin(TypeKind::kInt), e.span);
    c.expr.args.push_back(std::move(a.expr));
    return c;
  }
  if (e.name == "date") {
    if (!arity(1)) return {};
    bool matched = false;
    if (e.args[0]->kind != ast::ExprKind::kString) {
      cx_.diags.error("check.type", e.span,
                      "`date` takes a string literal such as `\"2026-03-01\"`");
      return {};
    }
    return const_for(*e.args[0], cx_.builtin(TypeKind::kDate), &matched);
  }
  if (e.name == "as_of") {
    // The evaluation date: today unless the caller says otherwise (--as-of), and recorded in
    // the decision, so the same agreement on the same date decides the same way.
    if (!arity(0)) return {};
    return checked_node(Op::kAsOf, cx_.builtin(TypeKind::kDate), e.span);
  }
  if (std::optional<Checked> c = check_string_call(e)) return std::move(*c);
  static const std::vector<std::string> kFunctions = {
      "present", "empty", "count", "date", "as_of",  "lower",       "length",
      "matches", "any",   "all",   "none", "filter", "starts_with", "ends_with"};
  cx_.diags.error(
      "check.unknown-function", e.span,
      fmt::format("unknown function {}{}", quote(e.name), did_you_mean(e.name, kFunctions)),
      "functions are present, empty, count, date, as_of, lower, length, starts_with, ends_with "
      "and matches; quantifiers are any, all, none, count and filter");
  return {};
}

Checked Checker::check_quantifier(const ast::Expr& e) {
  static const std::map<std::string, Op> kOps = {{"any", Op::kAny},
                                                 {"all", Op::kAll},
                                                 {"none", Op::kNone},
                                                 {"count", Op::kCountWhere},
                                                 {"filter", Op::kFilter}};
  auto op = kOps.find(e.name);
  if (op == kOps.end()) {
    cx_.diags.error("check.unknown-function", e.span,
                    fmt::format("unknown quantifier {}{}", quote(e.name),
                                did_you_mean(e.name, {"any", "all", "none", "count", "filter"})));
    return {};
  }
  Checked list = check(*e.args[0]);
  if (!list.ok()) return {};
  if (list.set != kNoIndex || list.expr.type->kind != TypeKind::kList) {
    cx_.diags.error("check.type", e.args[0]->span,
                    fmt::format("`{}` ranges over a list, not {}", e.name, quote(type_name(list))));
    return {};
  }
  uint32_t slot = push_local(e.var, list.expr.type->element);
  Checked cond = check_bool(*e.args[1], "the condition of a quantifier");
  pop_local();
  if (!cond.ok()) return {};
  const Type* type = op->second == Op::kCountWhere ? cx_.builtin(TypeKind::kInt)
                     : op->second == Op::kFilter   ? list.expr.type
                                                   : cx_.builtin(TypeKind::kBool);
  Checked c = checked_node(op->second, type, e.span);
  c.expr.slot = slot;
  c.expr.args.push_back(std::move(list.expr));
  c.expr.args.push_back(std::move(cond.expr));
  return c;
}

Checked Checker::check_unary(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kNot) {
    Checked a = check_bool(*e.args[0], "the operand of `not`");
    if (!a.ok()) return {};
    Checked c = checked_node(Op::kNot, cx_.builtin(TypeKind::kBool), e.span);
    c.expr.args.push_back(std::move(a.expr));
    return c;
  }
  Checked a = check(*e.args[0]);
  if (!a.ok()) return {};
  if (a.set != kNoIndex ||
      (a.expr.type->kind != TypeKind::kInt && a.expr.type->kind != TypeKind::kNumber) ||
      a.expr.optional) {
    cx_.diags.error("check.type", e.span,
                    fmt::format("only numbers can be negated, not {}", quote(type_name(a))));
    return {};
  }
  if (e.args[0]->kind == ast::ExprKind::kInt || e.args[0]->kind == ast::ExprKind::kNumber) {
    a.expr.value.i = -a.expr.value.i;  // a negative literal is a constant
    a.expr.value.d = -a.expr.value.d;
    return a;
  }
  Checked c = checked_node(Op::kNeg, a.expr.type, e.span);
  c.expr.args.push_back(std::move(a.expr));
  return c;
}

Checked Checker::check(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kString:
    case ast::ExprKind::kInt:
    case ast::ExprKind::kNumber:
    case ast::ExprKind::kBool:
    case ast::ExprKind::kNull:
      return literal(e);
    case ast::ExprKind::kName:
      return narrow(e, check_name(e));
    case ast::ExprKind::kMember:
      return narrow(e, check_member(e));
    case ast::ExprKind::kCall:
      return check_call(e);
    case ast::ExprKind::kQuantifier:
      return check_quantifier(e);
    case ast::ExprKind::kNot:
    case ast::ExprKind::kNegate:
      return check_unary(e);
    case ast::ExprKind::kBinary:
      return check_binary(e);
    case ast::ExprKind::kList:
      cx_.diags.error("check.type", e.span, "a list literal can only stand on the right of `in`");
      return {};
    case ast::ExprKind::kTemplate:
      cx_.diags.error("check.type", e.span, "a message template can only be a rule's `message`");
      return {};
  }
  return {};
}

bool Checker::check_evidence(const ast::Expr& e, EvidencePlan* out) {
  std::vector<const ast::Expr*> chain;
  const ast::Expr* cur = &e;
  while (cur->kind == ast::ExprKind::kMember) {
    chain.push_back(cur);
    cur = cur->args[0].get();
  }
  if (cur->kind != ast::ExprKind::kName) {
    cx_.diags.error("check.evidence", e.span,
                    "evidence must be a key path such as `data.fields` or `f.justification`");
    return false;
  }
  const Type* t = nullptr;
  for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
    if (it->name == cur->name) {
      out->from_local = true;
      out->local = it->slot;
      t = it->type;
      break;
    }
  }
  const Type* root = cx_.pack->root;
  if (!t && root) {
    int f = root->find_field(cur->name);
    if (f < 0) {
      std::vector<std::string> names;
      for (const auto& ft : root->fields) names.push_back(ft.name);
      cx_.diags.error("check.evidence", cur->span,
                      fmt::format("evidence {} is not a field of the document{}", quote(cur->name),
                                  did_you_mean(cur->name, names)));
      return false;
    }
    out->fields.push_back(static_cast<uint32_t>(f));
    t = root->fields[f].type;
  }
  if (!t) return false;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (t->kind != TypeKind::kRecord) {
      cx_.diags.error("check.evidence", (*it)->span,
                      fmt::format("{} has no fields", quote(t->name)));
      return false;
    }
    int f = t->find_field((*it)->name);
    if (f < 0) {
      std::vector<std::string> names;
      for (const auto& ft : t->fields) names.push_back(ft.name);
      cx_.diags.error("check.unknown-field", (*it)->span,
                      fmt::format("{} has no field {}{}", quote(t->name), quote((*it)->name),
                                  did_you_mean((*it)->name, names)));
      return false;
    }
    out->fields.push_back(static_cast<uint32_t>(f));
    t = t->fields[f].type;
  }
  return true;
}

std::vector<CheckedTemplatePart> Checker::check_message(const ast::Expr& e) {
  std::vector<CheckedTemplatePart> out;
  if (e.kind == ast::ExprKind::kString) {
    out.push_back({e.text, std::nullopt});
    return out;
  }
  if (e.kind != ast::ExprKind::kTemplate) {
    cx_.diags.error("check.message", e.span,
                    "a message must be a string, with `{expr}` for values");
    return out;
  }
  for (const auto& p : e.parts) {
    if (!p.expr) {
      out.push_back({p.text, std::nullopt});
      continue;
    }
    Checked c = check(*p.expr);
    if (!c.ok()) continue;
    if (c.set != kNoIndex || c.expr.type->kind == TypeKind::kRecord) {
      cx_.diags.error("check.message", p.expr->span,
                      fmt::format("cannot write {} into a message", quote(type_name(c))));
      continue;
    }
    out.push_back({"", std::move(c.expr)});
  }
  return out;
}

}  // namespace steward::detail
