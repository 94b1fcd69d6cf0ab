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
  for (const auto& r : cx.checked->rules) planner.plan_rule(r);
  for (const auto& a : cx.checked->asserts) planner.plan_assert(a);
  cx.pack->local_slots = cx.checked->local_slots;
  cx.pack->def_slots = cx.checked->def_slots;
}

}  // namespace steward::detail
