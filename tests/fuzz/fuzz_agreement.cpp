// libFuzzer target: agreement text -> load and validate against the DCF pack -> evaluate ->
// decision JSON. Any crash, leak, timeout or sanitizer report is a finding; so is a decision
// for an input that had errors.
#include <cstdint>
#include <cstdlib>
#include <string_view>

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
  return 0;
}
