// Tests for verify.h: the translation decides as the evaluator does on thousands of generated
// agreements; compare proves a pack against itself and finds (and reproduces) what an edit
// loses; dead, shadowed and redundant rules are found with their places.
#include "verify.h"

#include <catch2/catch.hpp>
#include <set>

#include "steward/compiler.h"
#include "steward/date.h"
#include "test_support.h"

using namespace steward;
using steward::testing::source_dir;

namespace {

std::shared_ptr<const CompiledPack> compile_dir(const std::string& dir) {
  Diagnostics read;
  PackSources src = read_pack(dir, read);
  REQUIRE_FALSE(read.has_errors());
  auto r = compile(src);
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(r.ok());
  return r.pack;
}

std::shared_ptr<const CompiledPack> compile_text(const std::string& policy) {
  auto r = compile(steward::testing::pack_of(policy));
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(r.ok());
  return r.pack;
}

verify::VerifyOptions as_of_2026() {
  verify::VerifyOptions o;
  int32_t day = 0;
  parse_iso_date("2026-03-01", &day);
  o.as_of = day;
  return o;
}

}  // namespace

TEST_CASE("the formula decides as the evaluator on generated DCF agreements", "[verify]") {
  auto pack = compile_dir(source_dir() + "/policies/dcf-5-4");
  auto r = verify::cross_check(pack, 2000, 1, as_of_2026());
  for (const auto& d : r.disagreements) UNSCOPED_INFO(d);
  CHECK(r.disagreements.empty());
  for (const auto& d : r.refusals) UNSCOPED_INFO(d);
  CHECK(r.skipped == 0);
  CHECK(r.agreed >= 1000);
}

TEST_CASE("the formula decides as the evaluator with any evaluation date", "[verify]") {
  auto pack = compile_dir(source_dir() + "/policies/dcf-5-4");
  verify::VerifyOptions o;
  auto r = verify::cross_check(pack, 500, 2, o);
  for (const auto& d : r.disagreements) UNSCOPED_INFO(d);
  CHECK(r.disagreements.empty());
  CHECK(r.agreed >= 250);
}

TEST_CASE("the formula decides as the evaluator on a pack of every operator", "[verify]") {
  auto pack = compile_text(R"P(
enum Level { low, mid, high }
set words = { "alpha", "beta" }
record Item { name: string, level: Level, size: int? }
document Doc {
  id: string
  title: string?
  level: Level?
  n: int?
  x: number?
  due: date?
  items: [Item]
  tags: [string]
}
clause c { title: "c" citation: "c" }
reviewer desk { title: "desk" }
let big = count(items) >= 2 or (n ?? 0) * 2 > 7
let first_word = lower(title ?? "") in words
rule r1 { clause: c outcome: deny when: empty(title) and not big message: "r1" }
rule r2 { clause: c outcome: review(desk) when: any(i in items: i.level == level and (i.size ?? 1) > 2) message: "r2" }
rule r3 { clause: c outcome: deny when: all(i in items: (i.size ?? 0) % 3 == 1) and count(items) > 0 message: "r3" }
rule r4 { clause: c outcome: deny when: present(due) and due + 30 < as_of() message: "r4" }
rule r5 { clause: c outcome: review(desk) when: (x ?? 0) / 2 >= 1.5 message: "r5" }
rule r6 for t in tags { clause: c outcome: deny when: starts_with(t, "alp") or t in words message: "r6" }
rule r7 { clause: c outcome: review(desk) when: first_word or length(title ?? "") == 5 message: "r7" }
rule r8 { clause: c outcome: deny when: count(i in items: i.name == title) == 1 and count(filter(i in items: i.level == "high")) < 2 and n != 4 message: "r8" }
rule r9 { clause: c outcome: review(desk) when: matches(title ?? "", "[a-z]+x") message: "r9" }
rule r10 { clause: c outcome: deny when: (title ?? "") > "beta" and id <= lower(title ?? "") message: "r10" }
)P");
  auto r = verify::cross_check(pack, 3000, 3, as_of_2026());
  for (const auto& d : r.disagreements) UNSCOPED_INFO(d);
  CHECK(r.disagreements.empty());
  CHECK(r.agreed >= 2000);
}

TEST_CASE("compare proves a pack against itself", "[verify]") {
  auto pack = compile_dir(source_dir() + "/policies/dcf-5-4");
  auto r = verify::compare_packs(pack, pack, as_of_2026());
  CHECK(r.status == verify::Status::kProved);
}

TEST_CASE("compare finds and reproduces what an edit lets through", "[verify]") {
  auto from = compile_dir(source_dir() + "/policies/dcf-5-4");
  Diagnostics read;
  PackSources src = read_pack(source_dir() + "/policies/dcf-5-4", read);
  // The review's "N/A as a legal mandate": the registry lookup dropped from `mandated`.
  bool edited = false;
  for (auto& m : src.modules) {
    const std::string lookup = "\n    and (legal_basis.citation ?? \"\") in mandates";
    auto at = m.text.find(lookup);
    if (at == std::string::npos) continue;
    m.text.erase(at, lookup.size());
    edited = true;
  }
  REQUIRE(edited);
  auto r2 = compile(src);
  REQUIRE(r2.ok());
  auto r = verify::compare_packs(from, r2.pack, as_of_2026());
  REQUIRE(r.status == verify::Status::kCounterexample);
  INFO(r.agreement_yaml);
  CHECK(r.check_failure.empty());
  CHECK_FALSE(r.lost.empty());
  // The other way round nothing is lost: the registry only ever denies more.
  CHECK(verify::compare_packs(r2.pack, from, as_of_2026()).status == verify::Status::kProved);
}

TEST_CASE("dead, shadowed and redundant rules, with their places", "[verify]") {
  auto pack = compile_text(R"P(
enum Level { client, aggregate }
document Doc { id: string, level: Level, external: bool, title: string? }
clause c { title: "c" citation: "c" }
clause d { title: "d" citation: "d" }
reviewer desk { title: "desk" }
let client_level = level == "client"
rule hidden_contradiction { clause: c outcome: deny when: client_level and level == "aggregate" message: "x" }
rule wide { clause: c outcome: deny when: external message: "x" }
rule narrow { clause: c outcome: deny when: external and client_level message: "x" }
rule under_deny { clause: d outcome: review(desk) when: external and empty(title) message: "x" }
rule alive_review { clause: d outcome: review(desk) when: empty(title) message: "x" }
)P");
  auto r = verify::check_rules(pack, as_of_2026());
  std::set<std::string> got;
  for (const auto& f : r.findings)
    got.insert(f.kind + " " + f.rule + (f.other.empty() ? "" : " " + f.other));
  // under_deny is also covered by alive_review (same clause and reviewer, a wider condition).
  CHECK(got == std::set<std::string>{"dead hidden_contradiction", "redundant narrow wide",
                                     "shadowed under_deny", "redundant under_deny alive_review"});
  for (const auto& f : r.findings) CHECK(f.line > 0);
  CHECK(r.unknown == 0);
}

TEST_CASE("the DCF pack's invariants hold for every agreement", "[verify][assert]") {
  auto pack = compile_dir(source_dir() + "/policies/dcf-5-4");
  REQUIRE(pack->asserts.size() >= 6);
  for (const auto& options : {as_of_2026(), verify::VerifyOptions{}}) {
    auto r = verify::check_asserts(pack, options);
    REQUIRE(r.asserts.size() == pack->asserts.size());
    for (const auto& a : r.asserts) {
      INFO(a.name << "\n" << a.agreement_yaml);
      CHECK(a.status == verify::Status::kProved);
    }
  }
}

TEST_CASE("an invariant the rules do not keep gets a counterexample the evaluator confirms",
          "[verify][assert]") {
  auto pack = compile_text(R"P(
document Doc { id: string, external: bool, approved: bool?, n: int }
clause c { title: "c" citation: "c" }
rule unapproved { clause: c outcome: deny when: external and approved != true and n > 3 message: "x" }
assert external_needs_approval { when: external and approved != true expect: deny message: "m" }
assert small_is_fine { when: n <= 3 and not external expect: allow message: "m" }
)P");
  auto r = verify::check_asserts(pack, as_of_2026());
  REQUIRE(r.asserts.size() == 2);
  CHECK(r.asserts[0].status == verify::Status::kCounterexample);
  CHECK(r.asserts[0].check_failure.empty());
  CHECK(r.asserts[0].outcome == Outcome::kAllow);
  CHECK(r.asserts[0].agreement_yaml.find("external: true") != std::string::npos);
  CHECK(r.asserts[1].status == verify::Status::kProved);
}

TEST_CASE("long strings and pattern matches are reachable: no false proof", "[verify]") {
  // Attack: strings drawn only from the pack's constants are all short and match no pattern,
  // so a rule on `length(...) > 40` or on `matches` looked dead and dropping it looked safe.
  const std::string doc = R"P(
document Doc { id: string, title: string? }
clause c { title: "c" citation: "c" }
)P";
  const std::string guards = R"P(
rule long_title { clause: c outcome: deny when: length(title ?? "") > 40 message: "x" }
rule ssn_id { clause: c outcome: deny when: matches(id, "[0-9]{3}-[0-9]{2}-[0-9]{4}") message: "x" }
)P";
  auto with = compile_text(doc + guards);
  auto without =
      compile_text(doc + "rule never { clause: c outcome: deny when: false message: \"x\" }\n");
  auto rules = verify::check_rules(with, as_of_2026());
  for (const auto& f : rules.findings) CHECK(f.kind != "dead");
  auto r = verify::compare_packs(with, without, as_of_2026());
  REQUIRE(r.status == verify::Status::kCounterexample);
  CHECK(r.check_failure.empty());
}
