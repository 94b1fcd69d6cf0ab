// Decisions: the outcome for one document, with every reason, and its JSON document.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "steward/document.h"
#include "steward/program.h"

namespace steward {

// A place in the agreement a reason is about (1-based line and column).
struct Evidence {
  std::string path;
  uint32_t line = 0;
  uint32_t column = 0;
};

// Why a rule fired. Reasons carry the clause they enforce and where the rule is written.
// `clause`, `rule`, `citation`, `reviewers` and `policy_file` point into the compiled pack, not
// copies of it (a decision would otherwise allocate and free them for every reason): they are
// valid while the Decision that holds the reason lives (it keeps its pack alive), or while the
// caller keeps the pack alive. Copy them into strings to keep a reason longer.
struct Reason {
  Outcome outcome = Outcome::kDeny;
  std::string_view clause;
  std::string_view rule;
  std::string message;  // made for this document (holes filled in)
  std::string_view citation;
  std::span<const std::string> reviewers;  // sorted
  std::vector<Evidence> evidence;
  std::string_view policy_file;
  Position policy_position;
  // The rule the reason comes from, in the pack that decided (Decision::pack), or null (a
  // reason made by hand). to_json writes the parts of a reason that come from its rule from
  // layouts it made once, where every view above is still that rule's own.
  const RulePlan* plan = nullptr;
};

// The pack a decision was made by: views into it, valid while the Decision (which keeps its
// pack alive) or the pack lives, like a reason's.
struct PolicyRef {
  std::string_view name;
  std::string_view version;
  std::string_view digest;
};

// The decision on one document: always with its reasons, sorted strongest first.
struct Decision {
  std::string agreement;  // the document's id
  std::string file;
  Outcome outcome = Outcome::kDeny;
  PolicyRef policy;
  int32_t as_of = 0;  // the evaluation date, days since 1970-01-01 (`as_of` in JSON)
  std::vector<Reason> reasons;
  std::vector<std::string> reviewers;  // sorted union over the reasons
  // The data files observed with the document (`data` in JSON, only when there are some).
  std::vector<DataFileRef> data;
  // Where the approvals came from (`approvals` in JSON, only when from review records): the
  // records used and the stated approvals no record backs.
  ApprovalSource approvals;
  // What the reasons point into (the evaluator's pack), shared so that a decision outlives a
  // reload of the pack that made it.
  std::shared_ptr<const CompiledPack> pack;
};

// The decision document of the spec, as compact JSON (`indent` < 0) or indented.
// Same decision, same bytes.
std::string to_json(const Decision& d, int indent = 2);

// One error result for a document that could not be decided, as JSON.
std::string errors_to_json(const std::string& file, const std::vector<InputError>& errors,
                           int indent = 2);

}  // namespace steward
