// Pass `declarations`: collects enums, records, sets, definitions, clauses, reviewers and
// rules by name, one namespace per kind; duplicates and collisions are errors.
#include <fmt/format.h>

#include <type_traits>
#include <variant>

#include "passes/context.h"

namespace steward::detail {

void pass_declarations(CompileContext& cx) {
  std::map<std::string, SourceSpan> values;  // names usable in expressions
  std::map<std::string, SourceSpan> types;
  auto dup = [&](std::map<std::string, SourceSpan>& ns, const std::string& name, SourceSpan span,
                 const char* what) {
    if (name.empty()) return false;
    auto [it, inserted] = ns.emplace(name, span);
    if (!inserted) {
      Diagnostic d{Severity::kError,
                   "check.duplicate",
                   fmt::format("{} {} is declared twice", what, quote(name)),
                   span,
                   {},
                   {}};
      if (it->second.valid()) d.notes.push_back({it->second, "first declared here"});
      cx.diags.add(std::move(d));
      return false;
    }
    return true;
  };
  for (const char* b : {"string", "bool", "int", "number", "date"}) types.emplace(b, SourceSpan{});
  for (const auto& [name, ps] : cx.params) values.emplace(name, ps.span);
  std::map<std::string, SourceSpan> clause_ns, reviewer_ns, rule_ns, assert_ns;
  for (auto& m : cx.modules) {
    for (auto& d : m.decls) {
      std::visit(
          [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, ast::EnumDecl>) {
              if (dup(types, x.name, x.span, "type")) cx.enums[x.name] = &x;
            } else if constexpr (std::is_same_v<T, ast::RecordDecl>) {
              if (!dup(types, x.name, x.span, "type"))
                return;  // reported; the record is not usable
              cx.records[x.name] = &x;
              if (x.is_document) {
                if (cx.document != nullptr) {
                  Diagnostic dd{Severity::kError,
                                "check.document",
                                "a pack declares exactly one `document`",
                                x.span,
                                {},
                                {}};
                  dd.notes.push_back({cx.document->span, "the first `document` is here"});
                  cx.diags.add(std::move(dd));
                } else {
                  cx.document = &x;
                }
              }
            } else if constexpr (std::is_same_v<T, ast::SetDecl>) {
              if (dup(values, x.name, x.span, "name")) cx.set_decls[x.name] = &x;
            } else if constexpr (std::is_same_v<T, ast::LetDecl>) {
              if (dup(values, x.name, x.span, "name")) {
                cx.defs[x.name].decl = &x;
                cx.def_order.push_back(x.name);
              }
            } else if constexpr (std::is_same_v<T, ast::ClauseDecl>) {
              if (dup(clause_ns, x.id, x.span, "clause")) cx.clauses[x.id] = &x;
            } else if constexpr (std::is_same_v<T, ast::ReviewerDecl>) {
              if (dup(reviewer_ns, x.name, x.span, "reviewer")) cx.reviewers[x.name] = &x;
            } else if constexpr (std::is_same_v<T, ast::RuleDecl>) {
              if (dup(rule_ns, x.name, x.span, "rule")) cx.rules.push_back(&x);
            } else if constexpr (std::is_same_v<T, ast::AssertDecl>) {
              if (dup(assert_ns, x.name, x.span, "assert")) cx.asserts.push_back(&x);
            }
          },
          d);
    }
  }
  if (cx.document == nullptr && !cx.modules.empty()) {
    cx.diags.error("check.document", {cx.modules.front().file, 0, 0},
                   "the pack declares no `document` type",
                   "declare the shape of the documents it judges: `document Agreement { ... }`");
  }
}

}  // namespace steward::detail
