// libFuzzer target: a policy and an agreement, split at the first line `%%` -> compile the policy
// as a one-module pack, load the agreement against it, decide. The decision must fire exactly
// the rules (with their messages) that explain()'s general evaluator finds true: explain runs
// every condition and definition through eval(), with no compiled test and no rule chain, so
// this holds every compiled shape and the chain's skipping to the reference on policies no test
// table wrote (fuzz_agreement does the same for the DCF pack alone).
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/evaluator.h"
#include "steward/source.h"

namespace {

// The parameters the seeds' policies use (the lending test pack's, the DCF pack's), as ints.
constexpr const char* kManifest =
    "name: fuzz\nversion: \"1\"\nparameters:\n"
    "  limit: {type: int, default: 10}\n"
    "  max_days: {type: int, default: 30}\n"
    "  max_retention_days: {type: int, default: 1095}\n"
    "  incident_notice_hours: {type: int, default: 72}\n"
    "  min_cell_size: {type: int, default: 10}\n";

// The evaluation date: 2026-03-01, the date the evaluator's test tables decide on.
int32_t as_of() {
  static const int32_t day = [] {
    int32_t d = 0;
    if (!steward::parse_iso_date("2026-03-01", &d)) __builtin_trap();
    return d;
  }();
  return day;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t cut = input.find("\n%%\n");
  if (cut == std::string_view::npos) return 0;
  steward::PackSources src;
  src.manifest_name = "fuzz/pack.yaml";
  src.manifest_text = kManifest;
  src.modules.push_back({"fuzz/main.policy", std::string(input.substr(0, cut + 1))});
  steward::CompileResult compiled = steward::compile(src);
  if (!compiled.ok()) return 0;
  steward::LoadLimits limits;
  limits.max_values = 2000;  // keep each input quick
  steward::LoadResult loaded =
      steward::load_document(*compiled.pack, input.substr(cut + 4), "fuzz.yaml", limits);
  if (!loaded.ok()) {
    if (loaded.errors.empty()) __builtin_trap();  // fail closed: no document, a reported error
    return 0;
  }
  // A small step budget: a policy of nested quantifiers over a list of 2,000 values is not
  // what this target looks for.
  const steward::Evaluator ev(compiled.pack, 200000);
  steward::EvaluationContext context;
  context.as_of = as_of();
  steward::Decision decision;
  try {
    decision = ev.evaluate(*loaded.document, context);
  } catch (const steward::EvaluationError&) {
    return 0;  // explain() starts with evaluate(): nothing to compare
  }
  steward::Trace trace;
  try {
    trace = ev.explain(*loaded.document, *compiled.sources, context);
  } catch (const steward::EvaluationError& e) {
    // Only the step budget is not a finding: explain() computes every definition and shows
    // every part of every condition, where a decision computes only what its rules need, so
    // its general run takes more steps for the same conditions. A range error the decision did
    // not meet is shown in the trace, not thrown (tests/fuzz/regressions/evaluate-*); any other
    // error from explain() on a document the evaluator decided is one.
    if (e.code() != "eval.budget") __builtin_trap();
    return 0;
  }
  std::multiset<std::string> general, fast;
  for (const steward::TraceRule& r : trace.rules)
    if (r.fired) general.insert(r.id + " " + r.message);
  for (const steward::Reason& r : decision.reasons)
    fast.insert(std::string(r.rule) + " " + r.message);
  if (general != fast) __builtin_trap();
  return 0;
}
