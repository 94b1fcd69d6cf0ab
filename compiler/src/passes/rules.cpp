// Pass `rules`: checks each rule's properties (clause, outcome and reviewers, range, when,
// message, citation, evidence) into checked rules, and the clauses and reviewers they name.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "checker.h"
#include "passes/context.h"
#include "steward/suggest.h"

namespace steward::detail {

std::map<std::string, const ast::Prop*> block_props(CompileContext& cx,
                                                    const std::vector<ast::Prop>& props,
                                                    const std::vector<std::string>& known,
                                                    const char* kind, const char* help) {
  std::map<std::string, const ast::Prop*> out;
  for (const auto& p : props) {
    if (std::find(known.begin(), known.end(), p.key) == known.end()) {
      cx.diags.error(
          "check.unknown-property", p.key_span,
          fmt::format("{} have no property {}{}", kind, quote(p.key), did_you_mean(p.key, known)),
          help);
      continue;
    }
    if (!out.emplace(p.key, &p).second)
      cx.diags.error("check.duplicate", p.key_span,
                     fmt::format("property {} is given twice", quote(p.key)));
  }
  return out;
}

void pass_rules(CompileContext& cx) {
  static const std::vector<std::string> kProps = {"clause",  "outcome",  "when",
                                                  "message", "citation", "evidence"};
  if (cx.pack->root == nullptr) return;
  Checker checker(cx);
  // Sized once: grown by doubling, the vector of 536-byte rules was an eighth of the compile's
  // peak heap, as large again as the rules it held, when the plan's arrays were reserved.
  cx.checked->rules.reserve(cx.rules.size());
  for (auto* r : cx.rules) {
    CheckedRule rp;
    rp.id = r->name;
    rp.span = r->span;
    const SourceFile& file = cx.sources->file(r->span.file);
    rp.file = file.name();
    rp.position = file.position(r->begin);
    const auto props = block_props(
        cx, r->props, kProps, "rules",
        "a rule has clause, outcome, when, message, and optionally citation and evidence");
    bool good = true;
    for (const char* req : {"clause", "outcome", "when", "message"}) {
      if (!props.count(req)) {
        cx.diags.error("check.missing-property", r->span,
                       fmt::format("rule {} has no `{}`", quote(r->name), req));
        good = false;
      }
    }
    auto single = [&](const char* key) -> const ast::Expr* {
      auto it = props.find(key);
      if (it == props.end()) return nullptr;
      if (it->second->values.size() != 1) {
        cx.diags.error("check.property", it->second->key_span,
                       fmt::format("`{}` takes one value", key));
        return nullptr;
      }
      return it->second->values[0].get();
    };
    if (const ast::Expr* c = single("clause")) {
      std::string id;
      const ast::Expr* cur = c;
      std::vector<std::string> parts;
      while (cur->kind == ast::ExprKind::kMember) {
        parts.push_back(cur->name);
        cur = cur->args[0].get();
      }
      if (cur->kind == ast::ExprKind::kName) {
        parts.push_back(cur->name);
        std::reverse(parts.begin(), parts.end());
        id = fmt::format("{}", fmt::join(parts, "."));
      } else if (cur->kind == ast::ExprKind::kString && parts.empty()) {
        id = cur->text;
      }
      auto it = cx.clauses.find(id);
      if (it == cx.clauses.end()) {
        std::vector<std::string> names;
        for (const auto& [n, cl] : cx.clauses) names.push_back(n);
        cx.diags.error("check.unknown-clause", c->span,
                       fmt::format("unknown clause {}{}", quote(id.empty() ? ast::dump(*c) : id),
                                   did_you_mean(id, names)),
                       "declare it with `clause <id> { title: ..., citation: ... }`");
        good = false;
      } else {
        rp.clause = id;
        cx.used_clauses.insert(id);
      }
    }
    if (const ast::Expr* o = single("outcome")) {
      std::string name =
          o->kind == ast::ExprKind::kName || o->kind == ast::ExprKind::kCall ? o->name : "";
      if (!parse_outcome(name, &rp.outcome)) {
        cx.diags.error("check.outcome", o->span,
                       fmt::format("unknown outcome {}", quote(cx.source_of(*o))),
                       "write `deny`, `allow` or `review(<reviewer>, ...)`");
        good = false;
      } else if (rp.outcome == Outcome::kNeedsReview) {
        if (o->kind != ast::ExprKind::kCall || o->args.empty()) {
          cx.diags.error("check.outcome", o->span,
                         "a review names the bodies that must review: `review(<reviewer>, ...)`");
          good = false;
        }
        for (const auto& a : o->args) {
          if (a->kind != ast::ExprKind::kName || !cx.reviewers.count(a->name)) {
            std::vector<std::string> names;
            for (const auto& [n, rv] : cx.reviewers) names.push_back(n);
            cx.diags.error("check.unknown-reviewer", a->span,
                           fmt::format("unknown reviewer {}{}", quote(cx.source_of(*a)),
                                       did_you_mean(a->name, names)),
                           "declare it with `reviewer <name>`");
            good = false;
          } else {
            rp.reviewers.push_back(a->name);
          }
        }
        std::sort(rp.reviewers.begin(), rp.reviewers.end());
        rp.reviewers.erase(std::unique(rp.reviewers.begin(), rp.reviewers.end()),
                           rp.reviewers.end());
      } else if (o->kind == ast::ExprKind::kCall) {
        cx.diags.error("check.outcome", o->span, fmt::format("`{}` takes no reviewers", name));
        good = false;
      }
    }
    if (const ast::Expr* c = single("citation")) {
      if (c->kind != ast::ExprKind::kString) {
        cx.diags.error("check.property", c->span, "`citation` must be a string");
      } else {
        rp.citation = c->text;
      }
    }
    if (rp.citation.empty() && !rp.clause.empty()) {
      for (const auto& p : cx.clauses[rp.clause]->props)
        if (p.key == "citation" && p.values.size() == 1 &&
            p.values[0]->kind == ast::ExprKind::kString)
          rp.citation = p.values[0]->text;
    }
    // The element variable is in scope for when, message and evidence.
    if (!r->var.empty() && !r->range) good = false;  // `for x in` without a list: a syntax error
    if (!r->var.empty() && r->range) {
      Checked range = checker.check(*r->range);
      if (range.ok() && (range.set != kNoIndex || range.expr.type->kind != TypeKind::kList)) {
        cx.diags.error(
            "check.type", r->range->span,
            fmt::format("a rule ranges over a list, not {}", quote(checker.type_name(range))));
        range = {};
      }
      if (!range.ok()) {
        good = false;
      } else {
        rp.local = checker.push_local(r->var, range.expr.type->element);
        rp.range = std::move(range.expr);
      }
    }
    if (const ast::Expr* w = single("when")) {
      Checked c = checker.check_bool(*w, "`when`");
      if (c.ok())
        rp.condition = std::move(c.expr);
      else
        good = false;
    }
    if (const ast::Expr* m = single("message")) rp.message = checker.check_message(*m);
    if (auto it = props.find("evidence"); it != props.end()) {
      for (const auto& v : it->second->values) {
        EvidencePlan ep;
        if (checker.check_evidence(*v, &ep)) rp.evidence.push_back(std::move(ep));
      }
    } else if (rp.range) {
      rp.evidence.push_back({true, rp.local, {}});
    }
    if (!r->var.empty() && r->range && rp.range) checker.pop_local();
    if (good) cx.checked->rules.push_back(std::move(rp));
    // No later pass reads a rule's expressions. Freed now, their memory holds the checked trees
    // and the plan; kept, a large pack touches that many more fresh pages (docs/performance.md).
    r->range.reset();
    for (auto& p : r->props) p.values.clear();
  }
  for (const auto& [id, c] : cx.clauses) {
    ClauseInfo ci;
    ci.id = id;
    ci.span = c->span;
    for (const auto& p : c->props) {
      if (p.key != "title" && p.key != "citation") {
        cx.diags.error("check.unknown-property", p.key_span,
                       fmt::format("clauses have no property {}{}", quote(p.key),
                                   did_you_mean(p.key, {"title", "citation"})));
        continue;
      }
      if (p.values.size() != 1 || p.values[0]->kind != ast::ExprKind::kString) {
        cx.diags.error("check.property", p.key_span, fmt::format("`{}` must be one string", p.key));
        continue;
      }
      (p.key == "title" ? ci.title : ci.citation) = p.values[0]->text;
    }
    cx.pack->clauses.push_back(std::move(ci));
  }
  for (const auto& [name, r] : cx.reviewers) {
    ReviewerInfo ri;
    ri.name = name;
    ri.span = r->span;
    for (const auto& p : r->props) {
      if (p.key != "title" || p.values.size() != 1 || p.values[0]->kind != ast::ExprKind::kString) {
        cx.diags.error("check.property", p.key_span,
                       "a reviewer has one property, `title`, a string");
        continue;
      }
      ri.title = p.values[0]->text;
    }
    cx.pack->reviewers.push_back(std::move(ri));
  }
}

}  // namespace steward::detail
