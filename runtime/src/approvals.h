// Approvals from review records (internal to the runtime): the pack's approval lists in the
// parsed tree are rewritten from the records before validation, so rules read them as any
// other field and never see an approval only the proposer vouches for.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raw_tree.h"
#include "steward/document.h"

namespace steward::detail {

// The review records for a document id (load_with_reviews asks the archive).
using ApprovalRecords = std::function<std::vector<ApprovalEvidence>(const std::string& id)>;

// load_document, with the approvals looked up by the id the text states once it is parsed (one
// parse, not one to learn the id and another to decide). Null `approvals`: the stated ones.
// `paths`: which readers may build the document (LoadPaths).
enum class LoadPaths {
  kAll,       // a plain JSON or YAML agreement goes straight to its document (json_document.cpp,
              // yaml_document.cpp); anything else through the general reader and validator
  kGeneral,   // the general reader and validator only (load_document_general)
  kFastOnly,  // the fast paths only: no document and no error when they give up
};
LoadResult load_document_with(const CompiledPack& pack, std::string_view text, std::string file,
                              const LoadLimits& limits, DocumentFormat format,
                              const std::vector<ScanReport>* observed,
                              const ApprovalRecords* approvals, LoadPaths paths = LoadPaths::kAll);

// Rewrites each of the pack's approval lists that `raw` reaches (load_document's contract for
// `approvals`) and describes what was used and what was not counted in `source`. An error (a
// pack without approval lists) is appended to `errors`; false then.
bool apply_approval_records(const CompiledPack& pack, const std::vector<ApprovalEvidence>& records,
                            RawTree* raw, ApprovalSource* source, std::vector<InputError>* errors);

// A stated body as messages show it (ApprovalSource::Unbacked::body).
std::string shown(std::string_view body);

// Review records as a load uses them: looked up once, by the id the text states, whichever of
// the fast and general paths reads it (a path that gives up leaves them to the next).
class RecordLookup {
 public:
  explicit RecordLookup(const ApprovalRecords& lookup) : lookup_(lookup) {}
  const std::vector<ApprovalEvidence>& for_id(std::string_view id) {
    if (!records_ || id_ != id) {
      records_ = lookup_(std::string(id));
      id_ = id;
    }
    return *records_;
  }

 private:
  const ApprovalRecords& lookup_;
  std::optional<std::vector<ApprovalEvidence>> records_;
  std::string id_;
};

}  // namespace steward::detail
