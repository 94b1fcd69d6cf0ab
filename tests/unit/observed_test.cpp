// Tests for observed data (the manifest's `observed:`, document.h's `observed` argument): the
// compiler's check of the pack's records against what the engine writes, the engine writing
// them, and the attacks on it: an agreement stating its own observations, names that would
// print a control sequence, unreadable data, and decisions that record the files they saw.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "steward/compiler.h"
#include "steward/decision.h"
#include "steward/document.h"
#include "steward/evaluator.h"
#include "steward/scan.h"
#include "test_support.h"

using namespace steward;

namespace {

const char* kScanYaml = R"(categories:
  ssn: {safe_harbor: G, columns: [ssn]}
  county: {safe_harbor: B, columns: [county]}
detectors: {ssn: ssn}
)";

const char* kSchema = R"P(
enum Category { ssn, county, service_type, code }
enum How { name, value }
record Field { name: string, category: Category }
record Finding { column: string, category: Category, how: How, rows: [int], count: int }
record Column { file: string, column: string, position: int }
record File { file: string, sha256: string, rows: int }
document D {
  id: string
  fields: [Field]
  observed: { files: [File], columns: [Column], findings: [Finding] }?
}
clause c { title: "C" }
rule undeclared for x in observed.columns {
  clause: c, outcome: deny, when: none(f in fields: f.name == x.column),
  message: "`{x.column}` of `{x.file}` is not declared"
}
rule relabelled for x in observed.findings {
  clause: c, outcome: deny, when: any(f in fields: f.name == x.column and f.category != x.category),
  message: "`{x.column}` holds {x.category} by {x.how} in rows {x.rows} ({x.count})"
}
)P";

PackSources observed_pack(const std::string& schema, const std::string& manifest_extra) {
  PackSources s = steward::testing::pack_of(schema, "scan: scan.yaml\n" + manifest_extra);
  PackSources::DataFile f;
  f.listed = "scan.yaml";
  f.name = "test/scan.yaml";
  f.text = kScanYaml;
  s.data.push_back(f);
  return s;
}

std::shared_ptr<const CompiledPack> pack() {
  auto r = compile(observed_pack(kSchema, "observed: observed\n"));
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(r.ok());
  return r.pack;
}

ScanReport scan(const CompiledPack& p, const std::string& text, const std::string& name) {
  std::istringstream in(text);
  return scan_data(p, in, name);
}

const char* kAgreement =
    "id: A-1\nfields:\n  - {name: code, category: code}\n  - {name: county, category: county}\n";

std::set<std::string> codes(const LoadResult& r) {
  std::set<std::string> out;
  for (const auto& e : r.errors) out.insert(e.code);
  return out;
}

}  // namespace

TEST_CASE("observed data reaches the rules as the pack declares it", "[observed]") {
  auto p = pack();
  std::vector<ScanReport> files{scan(*p, "code,county\nK1,Hartford\nK2,Tolland\n", "a.csv")};
  auto loaded = load_document(*p, kAgreement, "a.yaml", {}, DocumentFormat::kYaml, &files);
  REQUIRE(loaded.ok());
  Decision d = Evaluator(p).evaluate(*loaded.document, {});
  CHECK(d.outcome == Outcome::kAllow);
  REQUIRE(d.data.size() == 1);
  CHECK(d.data[0].file == "a.csv");
  CHECK(d.data[0].rows == 2);
  CHECK(d.data[0].sha256 == "sha256:" + sha256_hex("code,county\nK1,Hartford\nK2,Tolland\n"));
  CHECK_THAT(to_json(d, -1), Catch::Contains("\"data\":[{\"file\":\"a.csv\",\"sha256\""));

  // The same agreement relabelling the county column, and with a column it does not declare.
  std::string relabelled = kAgreement;
  relabelled.replace(relabelled.find("category: county"), 16, "category: service_type");
  std::vector<ScanReport> more{scan(*p, "code,county,ssn\nK1,Hartford,x\n", "b.csv")};
  auto l2 = load_document(*p, relabelled, "a.yaml", {}, DocumentFormat::kYaml, &more);
  REQUIRE(l2.ok());
  Decision d2 = Evaluator(p).evaluate(*l2.document, {});
  CHECK(d2.outcome == Outcome::kDeny);
  std::set<std::string> messages;
  for (const auto& r : d2.reasons) messages.insert(r.message);
  CHECK(messages == std::set<std::string>{"`county` holds county by name in rows 1 (1)",
                                          "`ssn` of `b.csv` is not declared"});
  // Without data, the declarations alone: nothing observed, nothing recorded.
  auto l3 = load_document(*p, relabelled, "a.yaml", {}, DocumentFormat::kYaml);
  REQUIRE(l3.ok());
  Decision d3 = Evaluator(p).evaluate(*l3.document, {});
  CHECK(d3.outcome == Outcome::kAllow);
  CHECK(to_json(d3, -1).find("\"data\"") == std::string::npos);
}

// Attack: a proposer writes the observations that would pass, in YAML or in JSON.
TEST_CASE("an agreement that states its own observations is an input error", "[observed]") {
  auto p = pack();
  const std::string forged =
      std::string(kAgreement) + "observed: {files: [], columns: [], findings: []}\n";
  std::vector<ScanReport> files{scan(*p, "code\nK1\n", "a.csv")};
  const std::vector<const std::vector<ScanReport>*> runs = {nullptr, &files};
  for (const auto* observed : runs) {
    auto r = load_document(*p, forged, "a.yaml", {}, DocumentFormat::kYaml, observed);
    CHECK_FALSE(r.ok());
    CHECK(codes(r) == std::set<std::string>{"input.observed"});
    CHECK(r.errors[0].line == 5);
  }
  auto json = load_document(
      *p, R"({"id": "J", "fields": [], "observed": {"files": [], "columns": [], "findings": []}})",
      "a.json", {}, DocumentFormat::kJson);
  CHECK(codes(json) == std::set<std::string>{"input.observed"});
}

TEST_CASE("data that cannot be read or printed safely is an input error, never a decision",
          "[observed]") {
  auto p = pack();
  // An unterminated quote: the file is not CSV.
  std::vector<ScanReport> bad{scan(*p, "code\n\"K1\n", "a.csv")};
  auto r = load_document(*p, kAgreement, "a.yaml", {}, DocumentFormat::kYaml, &bad);
  CHECK(codes(r) == std::set<std::string>{"input.observed"});
  CHECK_THAT(r.errors[0].message, Catch::Contains("data file `a.csv`"));
  // Attack: a JSON Lines key with an escape sequence, which a message would print raw.
  std::vector<ScanReport> esc{scan(*p, "{\"code\": \"K\", \"\\u001b[32mALLOW\": 1}\n", "a.jsonl")};
  auto r2 = load_document(*p, kAgreement, "a.yaml", {}, DocumentFormat::kYaml, &esc);
  CHECK(codes(r2) == std::set<std::string>{"input.observed"});
  // A pack that reads no observations refuses them rather than ignoring them.
  auto plain = compile(observed_pack(kSchema, ""));
  REQUIRE(plain.ok());
  std::vector<ScanReport> files{scan(*plain.pack, "code\nK1\n", "a.csv")};
  auto r3 = load_document(*plain.pack, kAgreement, "a.yaml", {}, DocumentFormat::kYaml, &files);
  CHECK(codes(r3) == std::set<std::string>{"input.observed"});
}

TEST_CASE("the pack's observed records are checked against what the engine writes",
          "[observed][compiler]") {
  auto errors = [](const std::string& schema,
                   const std::string& manifest = "observed: observed\n") {
    auto r = compile(observed_pack(schema, manifest));
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.items()) out.push_back(d.code + ": " + d.message);
    return out;
  };
  auto one = [&](const std::string& from, const std::string& to) {
    std::string s = kSchema;
    s.replace(s.find(from), from.size(), to);
    auto e = errors(s);
    REQUIRE(e.size() == 1);
    return e[0];
  };
  CHECK(errors(kSchema).empty());
  CHECK_THAT(one("enum Category { ssn, county,", "enum Category { ssn,"),
             Catch::Contains("enum `Category` has no member `county`"));
  CHECK_THAT(one("record Column { file: string,", "record Column { file: int,"),
             Catch::Contains("`Column.file` must be `string`, not `int`"));
  CHECK_THAT(one("record File { file: string,", "record File { file: string, owner: string,"),
             Catch::Contains("`File.owner` is not written by the engine"));
  CHECK_THAT(one("findings: [Finding] }?", "findings: [Finding] }"),
             Catch::Contains("must be optional"));
  CHECK_THAT(one("rows: [int], count", "rows: int, count"),
             Catch::Contains("`Finding.rows` must be `[int]`"));
  auto missing = errors(kSchema, "observed: observations\n");
  REQUIRE(missing.size() == 1);
  CHECK_THAT(missing[0], Catch::Contains("not a field of document `D`"));
}
