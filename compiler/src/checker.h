// The expression checker (internal to the compiler): resolves the names, types and literals
// of policy expressions into the checked AST (steward/checked.h), reporting every error.
// It emits no plan: the planner lowers what it produces.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "passes/context.h"
#include "steward/ast.h"
#include "steward/checked.h"

namespace steward::detail {

// What checking an expression gives: a checked expression (`expr.type` is null when an error
// was reported for it), or a bare set name, which only the right of `in` accepts.
struct Checked {
  CheckedExpr expr;
  uint32_t set = kNoIndex;
  bool ok() const { return expr.type != nullptr || set != kNoIndex; }
};

// `a.b.c` for a chain of names, or "".
std::string dotted(const ast::Expr& e);

// A checked node of `op` with result `type` and no operands yet.
Checked checked_node(Op op, const Type* type, SourceSpan span);

class Checker {
 public:
  explicit Checker(CompileContext& cx) : cx_(cx) {}

  // Any expression.
  Checked check(const ast::Expr& e);
  // A condition: a bool that is never missing; `what` names it in the error ("`when`").
  Checked check_bool(const ast::Expr& e, const char* what);
  // A rule's evidence: a key path from the document or from a bound variable.
  bool check_evidence(const ast::Expr& e, EvidencePlan* out);
  // A rule's message: a string, or a template whose holes are scalars.
  std::vector<CheckedTemplatePart> check_message(const ast::Expr& e);

  // Binds `name` to a new local slot holding `type` for the checks until pop_local().
  uint32_t push_local(const std::string& name, const Type* type);
  void pop_local();

  // `string`, `Kind?`, `set`: a checked expression's type as messages write it.
  std::string type_name(const Checked& c) const;

 private:
  struct Local {
    std::string name;
    uint32_t slot;
    const Type* type;
  };

  Checked check_name(const ast::Expr& e);
  Checked check_member(const ast::Expr& e);
  Checked check_binary(const ast::Expr& e);
  Checked check_in(const ast::Expr& e);
  Checked check_compare(const ast::Expr& e);
  Checked check_arith(const ast::Expr& e);
  Checked check_call(const ast::Expr& e);
  // lower, length, starts_with, ends_with, matches; nullopt for another name.
  std::optional<Checked> check_string_call(const ast::Expr& e);
  Checked check_quantifier(const ast::Expr& e);
  Checked check_unary(const ast::Expr& e);
  Checked literal(const ast::Expr& e);
  Checked const_for(const ast::Expr& lit, const Type* want, bool* matched);
  uint32_t literal_set(const ast::Expr& list);
  Checked narrow(const ast::Expr& e, Checked c);

  CompileContext& cx_;
  std::vector<Local> locals_;
  // Key paths known to be present where the expression being checked runs, from
  // `present(x) and ...`, `not empty(x) and ...` and `not present(x) or ...` (flow typing).
  std::vector<std::string> known_present_;
};

}  // namespace steward::detail
