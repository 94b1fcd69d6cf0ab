// Properties over generated inputs (a seeded generator, many cases): input errors never decide,
// adding a rule never makes a decision less strict and removing one never stricter, the same
// input gives the same bytes, formatting a pack never changes its decisions, and reasons come
// sorted and unique.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <regex>

#include "pack_tests.h"
#include "steward/compiler.h"
#include "steward/evaluator.h"
#include "steward/format.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

int rank(Outcome o) { return o == Outcome::kDeny ? 2 : o == Outcome::kNeedsReview ? 1 : 0; }

// Mutations of the agreement format: each a dotted path and the YAML values it may take.
const std::vector<std::pair<std::string, std::vector<std::string>>> kMutations = {
    {"request_channel", {"govqa", "email", "other", "~"}},
    {"kind", {"data_sharing", "data_integration", "data_request", "internal_analysis"}},
    {"title", {"''", "' '", "A title"}},
    {"purpose.category",
     {"research", "audit", "credit_scoring", "staff_training", "public_reporting"}},
    {"term.end", {"2026-01-01", "2030-12-31"}},
    {"risks", {"[]", "[r]"}},
    {"benefits", {"[]", "[b]"}},
    {"racial_justice_assessment.completed", {"true", "false"}},
    {"racial_justice_assessment.equity_conformance", {"true", "false"}},
    {"legal_mandate", {"~", "'42 U.S.C. 679'", "''"}},
    {"data.level", {"client", "aggregate"}},
    {"data.deidentification", {"none", "limited_data_set", "safe_harbor", "expert_determination"}},
    {"data.fields.0.category",
     {"ssn", "zip3", "race_ethnicity", "mental_health", "county", "count"}},
    {"data.fields.0.justification", {"''", "needed"}},
    {"data.disaggregation", {"[]", "[race_ethnicity]", "[sex]"}},
    {"data.suppression",
     {"{threshold: 9, complementary: true}", "{threshold: 10, complementary: true}",
      "{threshold: 12}", "~"}},
    {"data.sources", {"''", "LINK"}},
    {"consent",
     {"~", "{notification_plan: p, informed_consent_process: q}",
      "{notification_plan: p, informed_consent_process: q, reviewed_by_dgc: true, "
      "approved_by_commissioner: true}"}},
    {"analytics",
     {"~", "{predictive: true, decision_use: case_prioritization}",
      "{machine_learning: true, decision_use: none, professional_judgment: true, equity_review: "
      "true, bias_monitoring: {metric: m}}"}},
    {"approvals",
     {"[]",
      "[{body: data_governance_committee, decision: approved}, {body: commissioner, decision: "
      "approved}]",
      "[{body: cphs, decision: denied}]", "[{body: commissioner_designee, decision: pending}]"}},
    // Input errors.
    {"titel", {"x"}},
    {"data.level", {"clientele"}},
    {"term.start", {"2026-02-30"}},
    {"parties.0.external", {"'yes'"}},
};

std::vector<std::string> example_texts() {
  std::vector<std::string> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(steward::testing::source_dir() +
                                              "/policies/dcf-5-4/examples/agreements"))
    files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) out.push_back(steward::testing::read_text(f));
  return out;
}

// `count` agreements: examples with 0-3 random mutations each, deterministic for a seed.
std::vector<std::string> generated(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto examples = example_texts();
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    std::string text = examples[rng() % examples.size()];
    std::string set = "{";
    int n = static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      const auto& [path, values] = kMutations[rng() % kMutations.size()];
      if (set.find(path + ":") != std::string::npos) continue;
      set += (set.size() > 1 ? ", " : "") + path + ": " + values[rng() % values.size()];
    }
    set += "}";
    try {
      out.push_back(authoring::patch_yaml(text, set, ""));
    } catch (const std::exception&) {
      out.push_back(text);
    }
  }
  return out;
}

std::shared_ptr<const CompiledPack> compile_or_fail(const PackSources& src) {
  auto r = compile(src);
  INFO(render(r.diagnostics, *r.sources));
  REQUIRE(r.ok());
  return r.pack;
}

PackSources dcf_sources() {
  Diagnostics d;
  PackSources src = read_pack(steward::testing::source_dir() + "/policies/dcf-5-4", d);
  REQUIRE_FALSE(d.has_errors());
  return src;
}

}  // namespace

TEST_CASE("an input error never yields a decision, and every decision is well formed",
          "[property]") {
  auto pack = compile_or_fail(dcf_sources());
  Evaluator ev(pack);
  size_t errors = 0, decided = 0;
  for (const auto& text : generated(600, 1)) {
    auto loaded = load_document(*pack, text, "g.yaml");
    if (!loaded.ok()) {
      ++errors;
      CHECK(loaded.document == nullptr);
      CHECK_FALSE(loaded.errors.empty());
      for (const auto& e : loaded.errors) CHECK(e.line > 0);
      continue;
    }
    ++decided;
    Decision d = ev.evaluate(*loaded.document);
    // Reasons sorted strongest first, then by clause; no two identical.
    for (size_t i = 1; i < d.reasons.size(); ++i) {
      const Reason& a = d.reasons[i - 1];
      const Reason& b = d.reasons[i];
      CHECK(rank(a.outcome) >= rank(b.outcome));
      if (a.outcome == b.outcome) CHECK(a.clause <= b.clause);
      CHECK_FALSE((a.rule == b.rule && a.message == b.message &&
                   a.evidence.size() == b.evidence.size() &&
                   (a.evidence.empty() || a.evidence[0].line == b.evidence[0].line)));
    }
    // The decision is the strongest outcome among the reasons (default allow).
    int strongest = 0;
    for (const auto& r : d.reasons) strongest = std::max(strongest, rank(r.outcome));
    CHECK(rank(d.outcome) == strongest);
    // Same input, same bytes.
    CHECK(to_json(d) == to_json(ev.evaluate(*load_document(*pack, text, "g.yaml").document)));
  }
  CHECK(errors > 20);
  CHECK(decided > 300);
}

TEST_CASE("adding a rule never makes a decision less strict, removing one never stricter",
          "[property]") {
  PackSources base_src = dcf_sources();
  auto base = compile_or_fail(base_src);
  std::mt19937 rng(7);
  // Random extra rules over the schema: a condition, an outcome.
  const std::vector<std::string> conditions = {
      "data.level == \"aggregate\"",
      "kind == \"data_request\"",
      "present(consent)",
      "any(f in data.fields: f.category in sensitive_categories)",
      "count(approvals) > 1",
      "not present(analytics) and client_level",
      "purpose.category == \"audit\" or mandated"};
  const std::vector<std::string> outcomes = {"deny", "review(data_governance_committee)", "allow"};
  auto agreements = generated(150, 3);
  for (int k = 0; k < 6; ++k) {
    PackSources more = base_src;
    more.modules.push_back({"policies/dcf-5-4/extra.policy",
                            "rule extra_rule {\n  clause: data.sensitive\n  outcome: " +
                                outcomes[rng() % outcomes.size()] +
                                "\n  when: " + conditions[rng() % conditions.size()] +
                                "\n  message: \"extra\"\n}\n"});
    auto bigger = compile_or_fail(more);
    // Remove one existing rule (its whole block) from the module that holds it.
    PackSources less = base_src;
    auto& mod = less.modules[4 + rng() % 4];  // request, sharing, data, analytics
    std::smatch m;
    std::regex rule_block(R"(\nrule [a-z_]+ (for [a-z]+ in [a-z_.]+ )?\{[^}]*\n\})");
    if (std::regex_search(mod.text, m, rule_block)) mod.text.erase(m.position(0), m.length(0));
    auto smaller = compile_or_fail(less);
    CHECK(smaller->rules.size() == base->rules.size() - 1);
    CHECK(bigger->rules.size() == base->rules.size() + 1);
    Evaluator eb(base), ebig(bigger), esmall(smaller);
    for (const auto& text : agreements) {
      auto loaded = load_document(*base, text, "g.yaml");
      if (!loaded.ok()) continue;
      int r0 = rank(eb.evaluate(*loaded.document).outcome);
      auto lb = load_document(*bigger, text, "g.yaml");
      auto ls = load_document(*smaller, text, "g.yaml");
      REQUIRE(lb.ok());
      REQUIRE(ls.ok());
      CHECK(rank(ebig.evaluate(*lb.document).outcome) >= r0);
      CHECK(rank(esmall.evaluate(*ls.document).outcome) <= r0);
    }
  }
}

TEST_CASE("formatting a pack never changes its decisions", "[property]") {
  PackSources src = dcf_sources();
  PackSources formatted = src;
  for (auto& m : formatted.modules) {
    // Scramble the layout first, so the formatter has work to do.
    std::string messy = std::regex_replace(m.text, std::regex("\n  "), "\n      ");
    messy = std::regex_replace(messy, std::regex(" == "), "==");
    FormatResult f = format_policy(m.name, messy);
    REQUIRE(f.ok);
    m.text = f.text;
  }
  auto a = compile_or_fail(src);
  auto b = compile_or_fail(formatted);
  Evaluator ea(a), eb(b);
  for (const auto& text : generated(200, 11)) {
    auto la = load_document(*a, text, "g.yaml");
    auto lb = load_document(*b, text, "g.yaml");
    REQUIRE(la.ok() == lb.ok());
    if (!la.ok()) continue;
    Decision da = ea.evaluate(*la.document), db = eb.evaluate(*lb.document);
    CHECK(da.outcome == db.outcome);
    REQUIRE(da.reasons.size() == db.reasons.size());
    for (size_t i = 0; i < da.reasons.size(); ++i) {
      CHECK(da.reasons[i].rule == db.reasons[i].rule);
      CHECK(da.reasons[i].message == db.reasons[i].message);
    }
  }
}
