// libFuzzer target: agreement text -> load and validate against the DCF pack -> evaluate ->
// decision JSON, with the approvals the agreement states and again with approvals from review
// records (the lists rewritten before validation). Any crash, leak, timeout or sanitizer report
// is a finding; so is a decision for an input that had errors.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "steward/compiler.h"
#include "steward/evaluator.h"

namespace {

const steward::Evaluator& evaluator() {
  static steward::Evaluator* ev = [] {
    auto r = steward::compile_pack(STEWARD_SOURCE_DIR "/policies/dcf-5-4");
    if (!r.ok()) std::abort();
    return new steward::Evaluator(r.pack);
  }();
  return *ev;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& ev = evaluator();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  steward::LoadLimits limits;
  limits.max_values = 20000;  // keep each run fast; the limit itself is under test too
  auto loaded = steward::load_document(ev.pack(), text, "fuzz.yaml", limits);
  if (!loaded.ok()) {
    if (loaded.errors.empty()) std::abort();  // fail closed: no document means a reported error
    return 0;
  }
  steward::Decision d;
  try {
    d = ev.evaluate(*loaded.document);
  } catch (const steward::EvaluationError&) {
    return 0;  // an error for this document, never a decision: what fail-closed asks
  }
  std::string json = steward::to_json(d);
  if (json.empty()) std::abort();
  // From review records: none, then the committee's approval and the commissioner's denial.
  for (int round = 0; round < 2; ++round) {
    std::vector<steward::ApprovalEvidence> records;
    if (round == 1)
      records = {{"data_governance_committee", true, 20000, "r-1"},
                 {"commissioner", false, 20000, "r-2"}};
    auto from = steward::load_document(ev.pack(), text, "fuzz.yaml", limits,
                                       steward::DocumentFormat::kAuto, nullptr, &records);
    if (!from.ok()) {
      if (from.errors.empty()) std::abort();
      continue;
    }
    if (!from.document->approval_source().from_records) std::abort();
    if (round == 1 && from.document->approval_source().records.size() != 2 &&
        from.document->approval_source().records.size() != 0)
      std::abort();
    try {
      steward::Decision e = ev.evaluate(*from.document);
      if (steward::to_json(e).empty()) std::abort();
    } catch (const steward::EvaluationError&) {
    }
  }
  return 0;
}
