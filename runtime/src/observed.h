// Observed data as document input (internal to the runtime): the scans of the data files sent
// with a document become the pack's observed field (steward/scan_plan.h, kObservedColumnFields)
// in the parsed tree, before validation, so rules read them as any other field.
#pragma once

#include <vector>

#include "raw_tree.h"
#include "steward/document.h"
#include "steward/scan.h"

namespace steward::detail {

// An `input.observed` error for each key of `raw`'s root mapping that states the pack's observed
// field: only the engine writes observations. False when there was one.
bool refuse_stated_observations(const CompiledPack& pack, const RawTree& raw,
                                std::vector<InputError>* errors);

// Adds the observed field, built from `reports`, to `raw`'s root mapping, writing only the
// fields the pack's records declare. Errors (a pack without an observed field, a report with
// errors, a column name with a control character) are appended to `errors`; false then.
bool attach_observations(const CompiledPack& pack, const std::vector<ScanReport>& reports,
                         RawTree* raw, std::vector<InputError>* errors);

// The files `reports` describe, as decisions record them.
std::vector<DataFileRef> data_file_refs(const std::vector<ScanReport>& reports);

}  // namespace steward::detail
