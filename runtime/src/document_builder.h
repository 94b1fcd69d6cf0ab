// Validating a parsed agreement against a pack's schema (internal to the runtime).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "raw_tree.h"
#include "steward/document.h"

namespace steward::detail {

// The Document `raw` describes, checked against `pack`'s schema within `limits`; every
// problem is appended to `errors` with its line and column (the document is then incomplete).
// The document takes `raw`'s text (its strings point into it); `raw` is spent.
std::shared_ptr<Document> build_document(const CompiledPack& pack, const LoadLimits& limits,
                                         RawTree& raw, std::string file,
                                         std::vector<InputError>& errors);

}  // namespace steward::detail
