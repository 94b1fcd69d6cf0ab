// Pass `plan`: lowers the checked definitions (in evaluation order) and rules into the flat
// plan. Nothing here checks or re-derives a type.
#include "passes/context.h"
#include "planner.h"

namespace steward::detail {

void pass_plan(CompileContext& cx) {
  if (cx.diags.has_errors()) return;  // a pack with errors is never evaluated
  Planner planner(*cx.pack);
  planner.reserve(*cx.checked);
  for (const auto& d : cx.checked->defs) planner.plan_def(d);
  // Unless the caller keeps the checked AST, each rule's expressions are freed once lowered,
  // so that the plan's nodes and strings reuse their memory (issue 21: the compile's peak).
  const bool keep = cx.opts.keep_checked;
  for (auto& r : cx.checked->rules) {
    planner.plan_rule(r);
    if (!keep) Planner::release_lowered(r);
  }
  for (const auto& a : cx.checked->asserts) planner.plan_assert(a);
  cx.pack->local_slots = cx.checked->local_slots;
  cx.pack->def_slots = cx.checked->def_slots;
}

}  // namespace steward::detail
