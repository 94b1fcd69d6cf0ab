// Pack data files (the manifest's `data:`): entries are checked against their record type with
// located errors, their keys become a set (exact or folded), and they travel in the digest and
// in bundles. Also fold_text, which folded sets use.
#include <catch2/catch.hpp>
#include <filesystem>

#include "steward/bundle.h"
#include "steward/compiler.h"
#include "steward/evaluator.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

const char* kPolicy = R"(
enum Kind { statute, regulation }
record Mandate { citation: string, name: string, kind: Kind, source: string, requires: string?, next: Mandate? }
document Doc { id: string, citation: string? }
clause c { title: "C" }
rule unknown { clause: c, outcome: deny, when: (citation ?? "") not in mandates, message: "not a mandate: {citation}" }
)";

const char* kManifest = R"(data:
  mandates:
    file: data/mandates.yaml
    record: Mandate
    key: citation
    match: folded
    ignore: ".§"
)";

const char* kMandates = R"(- citation: "42 U.S.C. 679"
  name: AFCARS
  kind: statute
  source: "https://www.law.cornell.edu/uscode/text/42/679"
- citation: "45 CFR 1355.40"
  name: AFCARS reporting
  kind: regulation
  source: "https://www.ecfr.gov/current/title-45/section-1355.40"
  requires: "42 U.S.C. 679"
)";

PackSources with_data(const std::string& data, const std::string& manifest = kManifest,
                      const std::string& policy = kPolicy) {
  PackSources s = steward::testing::pack_of(policy, manifest);
  s.data.push_back({"data/mandates.yaml", "test/data/mandates.yaml", data, ""});
  return s;
}

std::string rendered(const CompileResult& r) { return render(r.diagnostics, *r.sources); }

// The decision for a document whose citation is `citation`.
Outcome decide(const CompileResult& r, const std::string& citation) {
  auto doc = load_document(*r.pack, "id: d\ncitation: \"" + citation + "\"\n", "d.yaml");
  REQUIRE(doc.ok());
  EvaluationContext ctx;
  return Evaluator(r.pack).evaluate(*doc.document, ctx).outcome;
}

}  // namespace

TEST_CASE("fold_text drops blanks and the listed characters and lowercases ASCII", "[data]") {
  CHECK(fold_text("42 U.S.C. § 679", ".§") == "42usc679");
  CHECK(fold_text("42\u00a0usc\u200b679", ".§") == "42usc679");  // no-break and zero width
  CHECK(fold_text("45 CFR 1355.40", ".§") == "45cfr135540");
  CHECK(fold_text("A-B", "") == "a-b");    // only what is listed is dropped
  CHECK(fold_text("ÉTAT", "") == "État");  // ASCII case only
  CHECK(fold_text("", ".") == "");
  // Into a reused buffer: what it held before is replaced, never kept as a tail.
  std::string buffer = "a much longer text than the next key";
  fold_text_into("42 U.S.C. § 679", ".§", &buffer);
  CHECK(buffer == "42usc679");
  fold_text_into("", ".", &buffer);
  CHECK(buffer.empty());
}

TEST_CASE("a data file's keys are a folded set the policy tests with `in`", "[data]") {
  auto r = compile(with_data(kMandates));
  INFO(rendered(r));
  REQUIRE(r.ok());
  CHECK(r.diagnostics.items().empty());
  for (const char* same : {"42 U.S.C. 679", "42 USC 679", "42 u.s.c. § 679", "45 cfr 1355.40",
                           "45\u00a0CFR\u00a01355.40"}) {
    INFO(same);
    CHECK(decide(r, same) == Outcome::kAllow);
  }
  // Not a registered mandate: another section, words around it, "N/A", blank.
  for (const char* other : {"42 U.S.C. 6790", "see 42 USC 679", "N/A", " ", "42 U.S.C. 67-9"}) {
    INFO(other);
    CHECK(decide(r, other) == Outcome::kDeny);
  }
}

TEST_CASE("an exact data set matches only what is written", "[data]") {
  std::string manifest = kManifest;
  manifest = manifest.substr(0, manifest.find("    match:"));
  auto r = compile(with_data(kMandates, manifest));
  INFO(rendered(r));
  REQUIRE(r.ok());
  CHECK(decide(r, "42 U.S.C. 679") == Outcome::kAllow);
  CHECK(decide(r, "42 USC 679") == Outcome::kDeny);
}

TEST_CASE("data file entries are checked like agreements, with located errors", "[data]") {
  struct Case {
    const char* data;
    const char* expected;  // in the rendered diagnostics
  };
  const Case cases[] = {
      {"- citation: \"42 USC 679\"\n  name: A\n  kind: statute\n",
       "test/data/mandates.yaml:1:3: error[data.missing-key]: `entry 1` has no `source`"},
      {"- citation: \"42 USC 679\"\n  name: A\n  kind: statue\n  source: s\n",
       "test/data/mandates.yaml:3:9: error[data.enum]: `statue` is not a member of enum `Kind`"},
      {"- citation: \"42 USC 679\"\n  name: A\n  kind: statute\n  source: s\n  url: u\n",
       "test/data/mandates.yaml:5:3: error[data.unknown-key]: `Mandate` has no field `url`"},
      {"- citation: 679\n  name: A\n  kind: statute\n  source: s\n",
       "error[data.type]: `citation` must be a string, not `679`"},
      {"- citation: \"\\u00a0\"\n  name: A\n  kind: statute\n  source: s\n",
       "error[data.blank]: `citation` is blank"},
      {"- citation: \"42 USC 679\"\n  name: A\n  kind: statute\n  source: s\n"
       "- citation: \"42 U.S.C. 679\"\n  name: B\n  kind: statute\n  source: s\n",
       "test/data/mandates.yaml:5:13: error[data.duplicate]: `42 U.S.C. 679` is listed twice in "
       "`mandates` (compared folded)"},
      {"citation: x\n", "error[data.type]: the data file must be a non-empty list of Mandate"},
      {"[]\n", "error[data.type]: the data file must be a non-empty list of Mandate"},
      {"- [unclosed\n", "error[data.syntax]: the data file is not valid YAML"},
      {"- citation: \"a\\x1b\"\n  name: A\n  kind: statute\n  source: s\n",
       "error[data.control]: `citation` holds a control character"},
      // An alias to an ancestor through a recursive record type: bounded, not endless.
      {"- &a {citation: x, name: A, kind: statute, source: s, next: *a}\n",
       "error[data.limit]: the data file holds more than 1000000 values or nests deeper than 64"},
  };
  for (const auto& c : cases) {
    INFO(c.data);
    auto r = compile(with_data(c.data));
    CHECK_FALSE(r.ok());
    CHECK_THAT(rendered(r), Catch::Contains(c.expected));
  }
}

TEST_CASE("the manifest's data entries are checked", "[data]") {
  struct Case {
    std::string manifest;
    const char* expected;
  };
  const Case cases[] = {
      {"data:\n  mandates:\n    file: data/mandates.yaml\n    record: Mandat\n    key: citation\n",
       "error[data.record]: unknown record `Mandat` (did you mean `Mandate`?)"},
      {"data:\n  mandates:\n    file: data/mandates.yaml\n    record: Mandate\n    key: requires\n",
       "error[data.key]: `key` must name a required string field of `Mandate`, not `requires`"},
      {"data:\n  mandates:\n    file: data/other.yaml\n    record: Mandate\n    key: citation\n",
       "error[data.file]: the data file `data/other.yaml` is not in the pack"},
      {"data:\n  mandates:\n    file: data/mandates.yaml\n    record: Mandate\n",
       "error[manifest.data]: data `mandates` needs `key`"},
      {"data:\n  mandates:\n    file: data/mandates.yaml\n    record: Mandate\n    key: citation\n"
       "    ignore: \".\"\n",
       "error[manifest.data]: data `mandates` has `ignore` but matches exactly"},
      {"data:\n  mandates:\n    file: data/mandates.yaml\n    record: Mandate\n    key: citation\n"
       "    match: fuzzy\n",
       "error[manifest.data]: unknown match `fuzzy`; expected `exact` or `folded`"},
      {"data:\n  mandates:\n    file: data/mandates.yaml\n    record: Mandate\n    key: citation\n"
       "    recrd: x\n",
       "error[manifest.unknown-key]: unknown key `recrd` in data `mandates` (did you mean "
       "`record`?)"},
  };
  for (const auto& c : cases) {
    INFO(c.manifest);
    auto r = compile(with_data(kMandates, c.manifest));
    CHECK_FALSE(r.ok());
    CHECK_THAT(rendered(r), Catch::Contains(c.expected));
    CHECK(rendered(r).find("check.unknown-name") == std::string::npos);  // no cascade
  }
  // A folded set holds text: an enum cannot be looked up in it.
  auto r = compile(with_data(kMandates, kManifest, R"(
enum Kind { statute, regulation }
record Mandate { citation: string, name: string, kind: Kind, source: string, requires: string? }
document Doc { id: string, kind: Kind }
clause c { title: "C" }
rule r { clause: c, outcome: deny, when: kind in mandates, message: "m" }
)"));
  CHECK_FALSE(r.ok());
  CHECK_THAT(rendered(r), Catch::Contains("`mandates` matches folded text, so it takes a string"));
}

TEST_CASE("data files count in the digests and travel in bundles", "[data][bundle]") {
  auto a = compile(with_data(kMandates));
  std::string changed = kMandates;
  changed.replace(changed.find("679\""), 4, "670\"");
  auto b = compile(with_data(changed));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.pack->source_digest != b.pack->source_digest);
  CHECK(a.pack->digest != b.pack->digest);

  std::string bundle, error;
  REQUIRE(write_bundle(with_data(kMandates), {}, "", &bundle, &error));
  PackSources read;
  CompileOptions opts;
  std::string plan;
  REQUIRE(read_bundle_unverified(bundle, &read, &opts, &plan, &error));
  REQUIRE(read.data.size() == 1);
  CHECK(read.data[0].listed == "data/mandates.yaml");
  CHECK(read.data[0].text == kMandates);
  auto again = compile(read, opts);
  REQUIRE(again.ok());
  CHECK(again.pack->digest == plan);
  CHECK(plan == a.pack->digest);
}

TEST_CASE("a manifest cannot make steward read a data file outside the pack", "[data][hostile]") {
  fs::path dir = fs::temp_directory_path() / ("steward_data_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  steward::testing::write_text(dir / "a.policy", kPolicy);
  const std::string listed = GENERATE(as<std::string>{}, "../../../../etc/passwd", "/etc/hostname",
                                      "data/evil.yaml", "data/x.txt");
  INFO(listed);
  steward::testing::write_text(dir / "pack.yaml",
                               "name: t\nversion: \"1\"\ndata:\n  mandates:\n    file: " + listed +
                                   "\n    record: Mandate\n    key: citation\n");
  fs::create_symlink("/etc/passwd", dir / "data" / "evil.yaml");
  steward::testing::write_text(dir / "data" / "x.txt", kMandates);
  CompileResult r = compile_pack(dir);
  fs::remove_all(dir);
  REQUIRE_FALSE(r.ok());
  const std::string out = rendered(r);
  CHECK_THAT(out, Catch::Contains("error[data.file]"));
  CHECK(out.find("root:") == std::string::npos);  // nothing of /etc/passwd is quoted
}
