// Validating a parsed agreement against a pack's schema (internal to the runtime).
#pragma once

#include <memory>
#include <string>
#include <string_view>
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

// A JSON agreement read straight into its Document when it is valid and plain (no escape in
// the text: the caller checks), or null: the caller then takes the general path, which reports
// what is wrong. What it returns equals the general path's document (document_difference).
// `file` is taken only when a document is returned. `ascii`: the text has no byte >= 0x80
// (check_text's answer), so its columns are byte offsets. `records` (may be null): the review
// records the approval lists are rewritten from, as apply_approval_records does, with what was
// used written to `source`.
class RecordLookup;
std::shared_ptr<Document> build_json_document(const CompiledPack& pack, const LoadLimits& limits,
                                              std::string_view text, bool ascii, std::string& file,
                                              RecordLookup* records = nullptr,
                                              ApprovalSource* source = nullptr);

// A YAML agreement read straight from libyaml's events into its Document when it is valid and
// plain (no escape in the text, no anchor, alias or tag: the caller checks the first), or null,
// as build_json_document, `records` and `source` too. `file` is taken only when a document is
// returned.
std::shared_ptr<Document> build_yaml_document(const CompiledPack& pack, const LoadLimits& limits,
                                              std::string_view text, std::string& file,
                                              RecordLookup* records = nullptr,
                                              ApprovalSource* source = nullptr);

}  // namespace steward::detail
