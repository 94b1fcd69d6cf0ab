// Pass `definitions`: type-checks each definition in the rule graph's order, so each one's
// type is known before any expression names it.
#include "checker.h"
#include "passes/context.h"

namespace steward::detail {

void pass_definitions(CompileContext& cx) {
  // With a cycle there is no topological order: check the others in declaration order;
  // names in a cycle resolve to an error type that is reported once, at the cycle.
  std::vector<RuleGraph::Vertex> order;
  if (!cx.has_cycles) {
    order = cx.graph.topological_order();
  } else {
    for (const auto& name : cx.def_order) order.push_back(cx.defs[name].vertex);
  }
  Checker checker(cx);
  for (auto v : order) {
    if (v >= cx.vertices.size() || cx.vertices[v].kind != GraphVertex::Kind::kDefinition) continue;
    DefState& d = cx.defs[cx.vertices[v].name];
    if (d.done) continue;
    d.done = true;
    // No later pass reads a definition's expression; freed here, as each rule's are in pass
    // `rules`, its memory holds the checked trees instead of fresh pages.
    const ast::ExprPtr value = std::move(d.decl->value);
    if (!value || cx.pack->root == nullptr) continue;
    Checked c = checker.check(*value);
    if (!c.ok()) continue;
    if (c.set != kNoIndex) {
      cx.diags.error("check.type", value->span,
                     "a definition cannot be a set; declare it with `set`");
      continue;
    }
    d.slot = cx.checked->def_slots++;
    d.type = c.expr.type;
    d.optional = c.expr.optional;
    cx.checked->defs.push_back({d.decl->name, d.slot, std::move(c.expr), d.decl->span});
  }
}

}  // namespace steward::detail
