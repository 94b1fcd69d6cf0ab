// Approvals from review records (internal to the runtime): the pack's approval lists in the
// parsed tree are rewritten from the records before validation, so rules read them as any
// other field and never see an approval only the proposer vouches for.
#pragma once

#include <vector>

#include "raw_tree.h"
#include "steward/document.h"

namespace steward::detail {

// Rewrites each of the pack's approval lists that `raw` reaches (load_document's contract for
// `approvals`) and describes what was used and what was not counted in `source`. An error (a
// pack without approval lists) is appended to `errors`; false then.
bool apply_approval_records(const CompiledPack& pack, const std::vector<ApprovalEvidence>& records,
                            RawTree* raw, ApprovalSource* source, std::vector<InputError>* errors);

}  // namespace steward::detail
