// Pass `unused`: warnings for definitions, sets, parameters and clauses nothing uses.
#include <fmt/format.h>

#include "passes/context.h"

namespace steward::detail {

void pass_unused(CompileContext& cx) {
  for (const auto& name : cx.def_order) {
    const DefState& d = cx.defs[name];
    if (!cx.graph.has_dependents(d.vertex)) {
      cx.diags.warning("lint.unused-definition", d.decl->span,
                       fmt::format("definition {} is never used", quote(name)),
                       "remove it, or use it in a rule");
    }
  }
  for (const auto& [name, decl] : cx.set_decls) {
    if (!cx.used_sets.count(name))
      cx.diags.warning("lint.unused-set", decl->span,
                       fmt::format("set {} is never used", quote(name)));
  }
  for (const auto& d : cx.data_decls) {
    if (cx.set_index.count(d.name) && !cx.used_sets.count(d.name))
      cx.diags.warning("lint.unused-data", d.span,
                       fmt::format("data {} is never used", quote(d.name)));
  }
  for (const auto& [name, ps] : cx.params) {
    if (!ps.used)
      cx.diags.warning("lint.unused-parameter", ps.span,
                       fmt::format("parameter {} is never used", quote(name)));
  }
  for (const auto& [id, c] : cx.clauses) {
    if (!cx.used_clauses.count(id))
      cx.diags.warning("lint.unused-clause", c->span,
                       fmt::format("clause {} has no rule", quote(id)));
  }
}

}  // namespace steward::detail
