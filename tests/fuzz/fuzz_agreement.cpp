// libFuzzer target: agreement text -> load and validate against the DCF pack -> evaluate ->
// decision JSON, with the approvals the agreement states and again with approvals from review
// records (the lists rewritten before validation). Any crash, leak, timeout or sanitizer report
// is a finding; so is a decision for an input that had errors, and so is a rule that fires in
// the decision but not in explain's general evaluator (no compiled tests), or the reverse, and
// a JSON or YAML text whose fast path (straight to the document) differs from the general path,
// with or without review records, and a text the AVX2 text check judges apart from the SSE2 one,
// and decision JSON that a JSON library reads back and lays out differently.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "steward/compiler.h"
#include "steward/evaluator.h"
#include "steward/source.h"

namespace {

const steward::CompileResult& compiled() {
  static const steward::CompileResult* r = [] {
    auto* c =
        new steward::CompileResult(steward::compile_pack(STEWARD_SOURCE_DIR "/policies/dcf-5-4"));
    if (!c->ok()) std::abort();
    return c;
  }();
  return *r;
}

const steward::Evaluator& evaluator() {
  static steward::Evaluator* ev = new steward::Evaluator(compiled().pack);
  return *ev;
}

// The rules (and messages) that fired, by the decision and by explain: the compiled tests and
// the rule chain must decide exactly as the general evaluator does.
void check_against_general(const steward::Document& doc, const steward::Decision& d) {
  // Notes on stated approvals not counted are appended to messages after the rules ran, only
  // for documents whose approvals come from review records; explain writes none. (Cutting them
  // at their opening words instead mistook a value holding those words for a note.)
  if (!doc.approval_source().unbacked.empty()) return;
  steward::Trace trace;
  try {
    trace = evaluator().explain(doc, *compiled().sources);
  } catch (const steward::EvaluationError&) {
    return;
  }
  std::set<std::string> general, fast;
  for (const auto& r : trace.rules)
    if (r.fired) general.insert(r.id + " " + r.message);
  for (const auto& r : d.reasons) fast.insert(std::string(r.rule) + " " + r.message);
  if (general != fast) std::abort();
}

std::string errors_of(const steward::LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors)
    out += e.code + " " + e.path + " " + std::to_string(e.line) + ":" + std::to_string(e.column) +
           " " + e.message + "\n";
  return out;
}

// Every text loads to the result, the errors and the document the general reader and validator
// give it (a JSON text opening with `{` and any YAML text may take a fast path), and the fast
// paths alone build a document only where the general path does, and the same one.
// With `records`, the approval lists rewritten from review records (the JSON fast path does it
// itself) as well.
void check_against_general_path(std::string_view text, const steward::LoadLimits& limits,
                                const steward::LoadResult& loaded,
                                const std::vector<steward::ApprovalEvidence>* records = nullptr) {
  const auto format = steward::DocumentFormat::kAuto;
  auto general = steward::load_document_general(evaluator().pack(), text, "fuzz.yaml", limits,
                                                format, records);
  if (general.ok() != loaded.ok() || errors_of(general) != errors_of(loaded)) std::abort();
  if (loaded.ok() && !steward::document_difference(*loaded.document, *general.document).empty())
    std::abort();
  auto fast =
      steward::load_document_fast(evaluator().pack(), text, "fuzz.yaml", limits, format, records);
  if (fast && (!general.ok() || !steward::document_difference(*fast, *general.document).empty()))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& ev = evaluator();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  steward::LoadLimits limits;
  limits.max_values = 20000;  // keep each run fast; the limit itself is under test too
  // Both text scans (check_text takes the AVX2 one on a CPU that has it), both `allowed` sets
  // the loaders use: every field alike.
  for (std::string_view allowed : {std::string_view("\t\n\r"), std::string_view("\t\n")}) {
    const steward::TextCheck a = steward::check_text(text, allowed);
    const steward::TextCheck b = steward::check_text_baseline(text, allowed);
    if (a.invalid_utf8 != b.invalid_utf8 || a.control.offset != b.control.offset ||
        a.control.code_point != b.control.code_point || a.control.bidi != b.control.bidi ||
        a.escapes != b.escapes || a.ascii != b.ascii)
      std::abort();
  }
  auto loaded = steward::load_document(ev.pack(), text, "fuzz.yaml", limits);
  check_against_general_path(text, limits, loaded);
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
  {
    // Keys from per-indent fragments, strings escaped by runs of safe bytes: the bytes must be
    // the library's layout of what it reads, indented and compact, with the agreement's id intact.
    const auto read = nlohmann::ordered_json::parse(json);
    if (read.dump(2) != json || read.dump(-1) != steward::to_json(d, -1)) std::abort();
    if (read["agreement"] != d.agreement || read["reasons"].size() != d.reasons.size())
      std::abort();
  }
  check_against_general(*loaded.document, d);
  // From review records: none, then the committee's approval and the commissioner's denial,
  // then approvals by three bodies (one record given twice) and a denial by another.
  for (int round = 0; round < 3; ++round) {
    std::vector<steward::ApprovalEvidence> records;
    if (round == 1)
      records = {{"data_governance_committee", true, 20000, "r-1"},
                 {"commissioner", false, 20000, "r-2"}};
    if (round == 2)
      records = {{"commissioner", true, 0, "r-3"},
                 {"commissioner_designee", true, 20500, "r-4"},
                 {"data_governance_committee", true, 20000, "r-1"},
                 {"data_governance_committee", true, 20000, "r-1"},
                 {"cphs", false, 19000, "r-5"}};
    auto from = steward::load_document(ev.pack(), text, "fuzz.yaml", limits,
                                       steward::DocumentFormat::kAuto, nullptr, &records);
    check_against_general_path(text, limits, from, &records);
    if (!from.ok()) {
      if (from.errors.empty()) std::abort();
      continue;
    }
    if (!from.document->approval_source().from_records) std::abort();
    const size_t used = from.document->approval_source().records.size();
    if ((round == 1 && used != 2 && used != 0) || (round == 2 && used != 4 && used != 0))
      std::abort();
    try {
      steward::Decision e = ev.evaluate(*from.document);
      if (steward::to_json(e).empty()) std::abort();
    } catch (const steward::EvaluationError&) {
    }
  }
  return 0;
}
