// The worst-case evaluation cost of a compiled pack (internal to the compiler).
#pragma once

#include <string>

#include "steward/program.h"

namespace steward::detail {

struct CostBound {
  std::string formula;  // plan steps per document, e.g. `412 + 38·|data.fields| + 12·|approvals|`
  size_t degree = 0;    // the highest number of nested lists in one term
  double at_limit = 0;  // the formula with every list at `max_list` elements
};

// Counts plan steps: each definition once, each rule once or once per element, quantifiers once
// per element of their list. Evaluation is linear in the document for degree 1.
CostBound cost_bound(const CompiledPack& pack, double max_list);

}  // namespace steward::detail
