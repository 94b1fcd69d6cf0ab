// `steward verify compare`, `verify rules` and `verify selftest`: answers over every agreement a
// pack admits (tools/verify), in text, JSON or SARIF.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "report.h"
#include "steward/date.h"
#include "steward/source.h"
#include "verify.h"

namespace steward::cli {

using Json = nlohmann::json;

namespace {

bool options_of(const VerifyCommandOptions& o, verify::VerifyOptions* out) {
  out->list_bound = o.bound;
  if (!o.as_of.empty()) {
    int32_t day = 0;
    if (!parse_iso_date(o.as_of, &day)) {
      fmt::print(stderr, "error[usage]: --as-of wants a calendar date YYYY-MM-DD, not `{}`\n",
                 escape_for_display(o.as_of));
      return false;
    }
    out->as_of = day;
  }
  out->timeout_ms = o.timeout_s * 1000;
  return true;
}

std::shared_ptr<const CompiledPack> pack_at(const std::string& dir) {
  CompileResult r = load_pack(dir, "", {}, false);
  if (!r.ok()) fmt::print(stderr, "verify: {} does not compile; nothing was verified\n", dir);
  return r.ok() ? r.pack : nullptr;
}

Json sarif(const std::string& tool, const Json& rules, const Json& results, bool ok) {
  Json run = {
      {"tool", {{"driver", {{"name", tool}, {"version", STEWARD_VERSION}, {"rules", rules}}}}},
      {"columnKind", "unicodeCodePoints"},  // SARIF's default is UTF-16 code units
      {"invocations", Json::array({Json{{"executionSuccessful", ok}}})},
      {"results", results}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", Json::array({run})}};
}

int run_compare(const VerifyCommandOptions& o, const verify::VerifyOptions& vo) {
  auto from = pack_at(o.from), to = pack_at(o.to);
  if (!from || !to) return kExitError;
  verify::CompareResult r = verify::compare_packs(from, to, vo);
  if (r.status == verify::Status::kCounterexample && !o.counterexample.empty()) {
    std::ofstream f(o.counterexample, std::ios::binary);
    f << r.agreement_yaml;
    if (!f.flush()) {
      fmt::print(stderr, "error[io]: cannot write `{}`\n", escape_for_display(o.counterexample));
      return kExitError;
    }
  }
  const bool found = r.status == verify::Status::kCounterexample;
  const bool bug = found && !r.check_failure.empty();
  if (o.format == "json") {
    Json j = {{"from", o.from},
              {"to", o.to},
              {"status", r.status == verify::Status::kProved ? "proved"
                         : found                             ? "counterexample"
                                                             : "unknown"},
              {"scope", r.scope}};
    if (found) {
      j["agreement"] = r.agreement_yaml;
      j["as_of"] = format_iso_date(r.as_of);
      j["lost"] = r.lost;
      j["from_decision"] = outcome_name(r.from_outcome);
      j["to_decision"] = outcome_name(r.to_outcome);
      if (bug) j["verify_bug"] = r.check_failure;
    }
    if (r.status == verify::Status::kUnknown) j["reason"] = r.check_failure;
    fmt::print("{}\n", j.dump(2));
  } else if (o.format == "sarif") {
    Json results = Json::array();
    if (found)
      results.push_back(
          {{"ruleId", "more-permissive"},
           {"level", "error"},
           {"message",
            {{"text", fmt::format("an agreement gets a more permissive decision under {}: {}", o.to,
                                  fmt::join(r.lost, "; "))}}},
           {"locations", Json::array({Json{
                             {"physicalLocation",
                              {{"artifactLocation", {{"uri", file_uri(o.to + "/pack.yaml")}}}}}}})},
           {"properties", {{"agreement", r.agreement_yaml}, {"as_of", format_iso_date(r.as_of)}}}});
    Json rules =
        Json::array({Json{{"id", "more-permissive"},
                          {"shortDescription",
                           {{"text", "the new pack decides some agreement more permissively"}}}}});
    fmt::print("{}\n", sarif("steward verify", rules, results, !bug).dump(2));
  } else if (r.status == verify::Status::kProved) {
    fmt::print(
        "proved: no agreement gets a more permissive decision under {} than under {}\n  "
        "({})\n",
        o.to, o.from, r.scope);
  } else if (found) {
    fmt::print(
        "counterexample: this agreement (as of {}) gets a more permissive decision under "
        "{}: {}\n",
        format_iso_date(r.as_of), o.to, fmt::join(r.lost, "; "));
    if (o.counterexample.empty())
      fmt::print("---\n{}---\n", r.agreement_yaml);
    else
      fmt::print("  written to {}\n", o.counterexample);
  } else {
    fmt::print("unknown: the solver gave no answer ({})\n", r.check_failure);
  }
  if (bug) {
    fmt::print(stderr,
               "error[verify.bug]: {}; this is a bug in steward verify, please report it with "
               "the agreement\n",
               r.check_failure);
    return kExitError;
  }
  return r.status == verify::Status::kProved ? 0 : found ? 1 : kExitError;
}

int run_rules(const VerifyCommandOptions& o, const verify::VerifyOptions& vo) {
  auto pack = pack_at(o.pack);
  if (!pack) return kExitError;
  verify::RulesResult r = verify::check_rules(pack, vo);
  if (o.format == "json") {
    Json f = Json::array();
    for (const auto& x : r.findings)
      f.push_back({{"kind", x.kind},
                   {"rule", x.rule},
                   {"other", x.other},
                   {"file", x.file},
                   {"line", x.line},
                   {"column", x.column},
                   {"message", x.message}});
    fmt::print("{}\n", Json{{"pack", o.pack},
                            {"rules", r.rules},
                            {"unknown", r.unknown},
                            {"scope", r.scope},
                            {"findings", f}}
                           .dump(2));
  } else if (o.format == "sarif") {
    Json rules = Json::array(), results = Json::array();
    for (const char* k : {"dead", "shadowed", "redundant"})
      rules.push_back({{"id", k}, {"shortDescription", {{"text", fmt::format("{} rule", k)}}}});
    for (const auto& x : r.findings)
      results.push_back(
          {{"ruleId", x.kind},
           {"level", "warning"},
           {"message", {{"text", x.message}}},
           {"locations",
            Json::array(
                {Json{{"physicalLocation",
                       {{"artifactLocation", {{"uri", file_uri(x.file)}}},
                        {"region", {{"startLine", x.line}, {"startColumn", x.column}}}}}}})}});
    fmt::print("{}\n", sarif("steward verify", rules, results, r.unknown == 0).dump(2));
  } else {
    for (const auto& x : r.findings)
      fmt::print("{}:{}:{}: warning[verify.{}]: {}\n", escape_for_display(x.file), x.line, x.column,
                 x.kind, x.message);
    fmt::print("{}: {} rules, {} finding{}{} ({})\n", o.pack, r.rules, r.findings.size(),
               r.findings.size() == 1 ? "" : "s",
               r.unknown ? fmt::format(", {} questions unanswered in time", r.unknown) : "",
               r.scope);
  }
  if (r.unknown) return kExitError;
  return r.findings.empty() ? 0 : 1;
}

int run_asserts(const VerifyCommandOptions& o, const verify::VerifyOptions& vo) {
  auto pack = pack_at(o.pack);
  if (!pack) return kExitError;
  verify::AssertsResult r = verify::check_asserts(pack, vo);
  size_t broken = 0, unknown = 0, bugs = 0;
  for (const auto& a : r.asserts) {
    broken += a.status == verify::Status::kCounterexample;
    unknown += a.status == verify::Status::kUnknown;
    bugs += a.status == verify::Status::kCounterexample && !a.check_failure.empty();
  }
  auto status = [](const verify::AssertResult& a) {
    return a.status == verify::Status::kProved           ? "proved"
           : a.status == verify::Status::kCounterexample ? "counterexample"
                                                         : "unknown";
  };
  if (o.format == "json") {
    Json list = Json::array();
    for (const auto& a : r.asserts) {
      Json j = {{"assert", a.name},
                {"file", a.file},
                {"line", a.line},
                {"status", status(a)},
                {"message", a.message}};
      if (a.status == verify::Status::kCounterexample) {
        j["agreement"] = a.agreement_yaml;
        j["as_of"] = format_iso_date(a.as_of);
        j["decision"] = outcome_name(a.outcome);
      }
      if (!a.check_failure.empty())
        j[a.status == verify::Status::kUnknown ? "reason" : "verify_bug"] = a.check_failure;
      list.push_back(std::move(j));
    }
    fmt::print("{}\n", Json{{"pack", o.pack}, {"scope", r.scope}, {"asserts", list}}.dump(2));
  } else if (o.format == "sarif") {
    Json rules = Json::array(
        {Json{{"id", "assert"}, {"shortDescription", {{"text", "a pack invariant that fails"}}}}});
    Json results = Json::array();
    for (const auto& a : r.asserts)
      if (a.status == verify::Status::kCounterexample)
        results.push_back(
            {{"ruleId", "assert"},
             {"level", "error"},
             {"message",
              {{"text", fmt::format("assert `{}` fails ({}): {}", a.name, outcome_name(a.outcome),
                                    a.message)}}},
             {"locations", Json::array({Json{{"physicalLocation",
                                              {{"artifactLocation", {{"uri", file_uri(a.file)}}},
                                               {"region", {{"startLine", a.line}}}}}}})},
             {"properties",
              {{"agreement", a.agreement_yaml}, {"as_of", format_iso_date(a.as_of)}}}});
    fmt::print("{}\n", sarif("steward verify", rules, results, bugs == 0 && unknown == 0).dump(2));
  } else {
    for (const auto& a : r.asserts) {
      if (a.status == verify::Status::kProved) {
        fmt::print("{}:{}: assert `{}`: proved\n", escape_for_display(a.file), a.line, a.name);
      } else if (a.status == verify::Status::kCounterexample) {
        fmt::print(
            "{}:{}: error[verify.assert]: assert `{}` fails: this agreement (as of {}) is "
            "decided {}: {}\n---\n{}---\n",
            escape_for_display(a.file), a.line, a.name, format_iso_date(a.as_of),
            outcome_name(a.outcome), a.message, a.agreement_yaml);
      } else {
        fmt::print("{}:{}: assert `{}`: unknown ({})\n", escape_for_display(a.file), a.line, a.name,
                   a.check_failure);
      }
    }
    fmt::print("{}: {} assert{}, {} proved, {} failing ({})\n", o.pack, r.asserts.size(),
               r.asserts.size() == 1 ? "" : "s", r.asserts.size() - broken - unknown, broken,
               r.scope);
  }
  for (const auto& a : r.asserts)
    if (a.status == verify::Status::kCounterexample && !a.check_failure.empty())
      fmt::print(stderr,
                 "error[verify.bug]: assert `{}`: {}; this is a bug in steward verify, please "
                 "report it with the agreement\n",
                 a.name, a.check_failure);
  if (bugs || unknown) return kExitError;
  return broken ? 1 : 0;
}

int run_selftest(const VerifyCommandOptions& o, const verify::VerifyOptions& vo) {
  auto pack = pack_at(o.pack);
  if (!pack) return kExitError;
  verify::CrossCheck r = verify::cross_check(pack, o.samples, o.seed, vo);
  for (const auto& d : r.disagreements) fmt::print("disagreement:\n{}\n", d);
  for (const auto& d : r.refusals) fmt::print("refused by the loader: {}\n", d);
  fmt::print(
      "{}: {} agreements, {} decided alike by the formula and the evaluator, {} refused by "
      "the loader\n",
      o.pack, r.samples, r.agreed, r.skipped);
  return r.agreed == r.samples ? 0 : 1;
}

}  // namespace

int run_verify(const VerifyCommandOptions& o) {
  verify::VerifyOptions vo;
  if (!options_of(o, &vo)) return kExitError;
  try {
    if (o.action == "compare") return run_compare(o, vo);
    if (o.action == "rules") return run_rules(o, vo);
    if (o.action == "asserts") return run_asserts(o, vo);
    return run_selftest(o, vo);
  } catch (const verify::Unsupported& e) {
    fmt::print(stderr, "error[verify.unsupported]: {}\n", e.what());
    return kExitError;
  }
}

}  // namespace steward::cli
