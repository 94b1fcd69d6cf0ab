// Pass `lint`: warnings over the finished plan (rules that never fire or duplicate others)
// and its worst-case cost, an error past --max-cost.
#include <fmt/format.h>

#include "cost.h"
#include "lint.h"
#include "passes/context.h"

namespace steward::detail {

void pass_lint(CompileContext& cx) {
  if (cx.diags.has_errors()) return;
  detail::lint_plan(*cx.pack, cx.diags);
  // The language is total, so the worst case is known before any document arrives.
  detail::CostBound cost = detail::cost_bound(*cx.pack, 1e6);
  cx.pack->cost_formula = cost.formula;
  cx.pack->cost_degree = cost.degree;
  cx.pack->cost_at_limit = cost.at_limit;
  // Twelve nested quantifiers once compiled ("at most 5e+72 steps") and ran for minutes.
  if (!(cost.at_limit <= cx.opts.max_cost)) {
    cx.diags.error("check.cost", {cx.manifest_file, 0, 0},
                   fmt::format("the pack's worst case is {} plan steps per document: {:.3g} for a "
                               "document at the loader's budget, past the limit of {:.3g}",
                               cost.formula, cost.at_limit, cx.opts.max_cost),
                   "nest fewer quantifiers over the same lists, or raise the limit (--max-cost) "
                   "if documents are known to be small");
  }
}

}  // namespace steward::detail
