// Lint warnings computed from the compiled plan (internal to the compiler).
#pragma once

#include "steward/diagnostic.h"
#include "steward/program.h"

namespace steward::detail {

// Warns about rules that can never fire (a condition that folds to false, contradictory
// comparisons on one value, a condition and its negation) and rules that duplicate each other.
void lint_plan(const CompiledPack& pack, Diagnostics& diags);

}  // namespace steward::detail
