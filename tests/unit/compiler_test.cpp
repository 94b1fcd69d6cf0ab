// Tests for compiler.h: passes, type checking, graph checks, warnings, parameters and digests.
#include "steward/compiler.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.h"

using namespace steward;
using steward::testing::pack_of;

namespace {

const char* kSchema = R"(
enum Level { client, aggregate }
record Item { name: string?, kind: string }
document Doc {
  id: string
  level: Level
  count: int?
  start: date
  end: date?
  items: [Item]?
  extra: { flag: bool? }?
}
clause c { title: "C" }
reviewer r
)";

std::string codes(const CompileResult& res) {
  std::string out;
  for (const auto& d : res.diagnostics.items()) {
    Position p = res.sources->position(d.span);
    out += fmt::format("{}:{}:{} ", d.code, p.line, p.column);
  }
  return out;
}

CompileResult compile_text(const std::string& body, const std::string& manifest = "") {
  return compile(pack_of(std::string(kSchema) + body, manifest));
}

}  // namespace

TEST_CASE("a well-formed pack compiles without diagnostics", "[compiler]") {
  auto res = compile_text(R"(
let big = (count ?? 0) > 10
rule r1 { clause: c, outcome: deny, when: big and level == "client", message: "big: {count}" }
rule r2 for i in items { clause: c, outcome: review(r), when: empty(i.name), message: "item {i.kind}", evidence: i.name }
rule r3 { clause: c, outcome: allow, when: present(end) and end >= start, message: "ok" }
)");
  INFO(codes(res));
  REQUIRE(res.ok());
  CHECK(res.diagnostics.items().empty());
  CHECK(res.pack->rules.size() == 3);
  CHECK(res.pack->defs.size() == 1);
}

TEST_CASE("type and name errors are located", "[compiler]") {
  // Line 15 is the first line after the schema.
  auto [body, want] = GENERATE(table<std::string, std::string>({
      {"rule a { clause: c, outcome: deny, when: levle == \"client\", message: \"m\" }",
       "check.unknown-name:15:42"},
      {"rule a { clause: c, outcome: deny, when: level == \"clinet\", message: \"m\" }",
       "check.enum-member:15:51"},
      {"rule a { clause: c, outcome: deny, when: count > 3, message: \"m\" }",
       "check.optional:15:42"},
      {"rule a { clause: c, outcome: deny, when: extra.flag, message: \"m\" }",
       "check.optional:15:42"},
      {"rule a { clause: c, outcome: deny, when: id > 3, message: \"m\" }", "check.type:15:42"},
      {"rule a { clause: c, outcome: deny, when: start < \"2026-02-30\", message: \"m\" }",
       "check.date:15:50"},
      {"rule a { clause: c, outcome: deny, when: extra.flg == true, message: \"m\" }",
       "check.unknown-field:15:42"},
      {"rule a { clause: d, outcome: deny, when: true, message: \"m\" }",
       "check.unknown-clause:15:18"},
      {"rule a { clause: c, outcome: review(q), when: true, message: \"m\" }",
       "check.unknown-reviewer:15:37"},
      {"rule a { clause: c, outcome: review, when: true, message: \"m\" }", "check.outcome:15:30"},
      {"rule a { clause: c, outcome: deny, message: \"m\" }", "check.missing-property:15:6"},
      {"rule a { clause: c, outcome: deny, when: true, mesage: \"m\" }",
       "check.unknown-property:15:48"},
      {"rule a { clause: c, outcome: deny, when: frob(id), message: \"m\" }",
       "check.unknown-function:15:42"},
      {"rule a { clause: c, outcome: deny, when: id * 2 > 1, message: \"m\" }", "check.type:15:42"},
      {"rule a { clause: c, outcome: deny, when: 2.5 % 2 == 1, message: \"m\" }",
       "check.type:15:42"},
      {"rule a { clause: c, outcome: deny, when: count * 2 > 1, message: \"m\" }",
       "check.optional:15:42"},
      {"rule a { clause: c, outcome: deny, when: matches(id, \"(a\"), message: \"m\" }",
       "check.pattern:15:54"},
      {"rule a { clause: c, outcome: deny, when: matches(id, \"(a)\\\\1\"), message: \"m\" }",
       "check.pattern:15:54"},
      {"rule a { clause: c, outcome: deny, when: matches(id, id), message: \"m\" }",
       "check.type:15:54"},
      {"rule a { clause: c, outcome: deny, when: starts_with(id, 1), message: \"m\" }",
       "check.type:15:58"},
      {"rule a { clause: c, outcome: deny, when: length(items) > 1, message: \"m\" }",
       "check.type:15:49"},
      {"rule a { clause: c, outcome: deny, when: lower(id, id) == \"x\", message: \"m\" }",
       "check.arity:15:42"},
      {"rule a { clause: c, outcome: deny, when: startswith(id, \"a\"), message: \"m\" }",
       "check.unknown-function:15:42"},
      {"rule a { clause: c, outcome: deny, when: true, message: \"{nope}\" }",
       "check.unknown-name:15:59"},
      {"rule a { clause: c, outcome: deny, when: true, message: \"m\", evidence: id.x }",
       "check.evidence:15:72"},
      {"let x = 1\nlet x = 2\nrule a { clause: c, outcome: deny, when: x > 1, message: \"m\" }",
       "check.duplicate:16:5"},
  }));
  auto res = compile_text(body);
  CHECK_FALSE(res.ok());
  CHECK_THAT(codes(res), Catch::Contains(want));
}

TEST_CASE("assert errors are located", "[compiler][assert]") {
  auto [body, want] = GENERATE(table<std::string, std::string>({
      {"assert a { when: levle == \"client\", expect: deny, message: \"m\" }",
       "check.unknown-name:16:18"},
      {"assert a { when: count, expect: deny, message: \"m\" }", "check.type:16:18"},
      {"assert a { when: true, expect: maybe, message: \"m\" }", "check.outcome:16:32"},
      {"assert a { when: true, message: \"m\" }", "check.missing-property:16:8"},
      {"assert a { when: true, expect: deny, mesage: \"m\" }", "check.unknown-property:16:38"},
      {"assert a { when: true, expect: deny, message: 3 }", "check.property:16:38"},
      {"assert a { when: true, expect: deny, message: \"m\" }\n"
       "assert a { when: true, expect: deny, message: \"m\" }",
       "check.duplicate:17:8"},
      {"assert a { when: true expect: deny message: \"m\" ", "parse."},
  }));
  auto res = compile_text("rule r0 { clause: c, outcome: deny, when: false, message: \"m\" }\n" +
                          std::string() + body);
  CHECK_FALSE(res.ok());
  INFO(body);
  CHECK_THAT(codes(res), Catch::Contains(want));
}

TEST_CASE("an assert compiles into the plan with the outcomes it expects", "[compiler][assert]") {
  auto res = compile_text(
      "rule r0 { clause: c, outcome: deny, when: level == \"client\", message: \"m\" }\n"
      "assert client_denied { when: level == \"client\", expect: deny, review, message: \"m\" }\n");
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  REQUIRE(res.pack->asserts.size() == 1);
  const AssertPlan& a = res.pack->asserts[0];
  CHECK(a.name == "client_denied");
  CHECK(a.expect == ((1u << static_cast<unsigned>(Outcome::kDeny)) |
                     (1u << static_cast<unsigned>(Outcome::kNeedsReview))));
  CHECK(a.position.line == 16);
  CHECK(a.message == "m");
}

TEST_CASE("flow typing: present() and not empty() make optional values usable", "[compiler]") {
  auto res = compile_text(R"(
rule a { clause: c, outcome: deny, when: present(count) and count > 3, message: "m" }
rule b { clause: c, outcome: deny, when: not present(end) or end < start, message: "m" }
rule d { clause: c, outcome: deny, when: present(extra.flag) and extra.flag, message: "m" }
)");
  INFO(codes(res));
  CHECK(res.ok());
}

TEST_CASE("a dependency cycle is an error that prints the cycle", "[compiler]") {
  auto res = compile_text(R"(
let a = b
let b = c or a
let c = level == "client"
rule r1 { clause: c, outcome: deny, when: a, message: "m" }
)");
  REQUIRE_FALSE(res.ok());
  bool found = false;
  for (const auto& d : res.diagnostics.items()) {
    if (d.code == "check.cycle") {
      found = true;
      CHECK_THAT(d.message, Catch::Contains("a -> b -> a"));
    }
  }
  CHECK(found);
}

TEST_CASE("unused definitions, sets, parameters and clauses are warnings", "[compiler]") {
  auto res = compile_text(R"(
set s = { "x" }
clause unused.one { title: "U" }
let spare = true
rule r1 { clause: c, outcome: deny, when: false, message: "m" }
)",
                          "parameters:\n  p: {type: int, default: 1}\n");
  INFO(codes(res));
  REQUIRE(res.ok());
  std::string c = codes(res);
  CHECK_THAT(c, Catch::Contains("lint.unused-definition"));
  CHECK_THAT(c, Catch::Contains("lint.unused-set"));
  CHECK_THAT(c, Catch::Contains("lint.unused-parameter"));
  CHECK_THAT(c, Catch::Contains("lint.unused-clause"));
  CHECK(res.diagnostics.error_count() == 0);
}

TEST_CASE("parameters: defaults, overrides and bad values", "[compiler]") {
  const std::string body =
      "rule r1 { clause: c, outcome: deny, when: (count ?? 0) < min, message: \"m\" }";
  const std::string manifest = "parameters:\n  min: {type: int, default: 10}\n";
  auto res = compile_text(body, manifest);
  REQUIRE(res.ok());
  CHECK(res.pack->params[0].value == "10");
  CompileOptions o;
  o.params["min"] = "11";
  auto over = compile(pack_of(std::string(kSchema) + body, manifest), o);
  REQUIRE(over.ok());
  CHECK(over.pack->params[0].value == "11");
  CHECK(over.pack->source_digest == res.pack->source_digest);  // the same text
  CHECK(over.pack->digest != res.pack->digest);                // evaluated with another value
  o.params["min"] = "eleven";
  CHECK_THAT(codes(compile(pack_of(std::string(kSchema) + body, manifest), o)),
             Catch::Contains("param.value"));
  CompileOptions unknown;
  unknown.params["mni"] = "3";
  auto bad = compile(pack_of(std::string(kSchema) + body, manifest), unknown);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.diagnostics.items().front().message, Catch::Contains("did you mean `min`?"));
}

TEST_CASE("manifest errors are located in pack.yaml", "[compiler]") {
  auto res = compile_text("", "decison: {default: allow}\n");
  REQUIRE_FALSE(res.ok());
  const Diagnostic& d = res.diagnostics.items().front();
  CHECK(d.code == "manifest.unknown-key");
  CHECK(res.sources->position(d.span).line == 3);
  CHECK_THAT(d.message, Catch::Contains("did you mean `decision`?"));
}

TEST_CASE("the digest does not depend on the order modules are listed in", "[compiler]") {
  PackSources a;
  a.manifest_name = "p/pack.yaml";
  a.manifest_text = "name: p\nversion: \"1\"\n";
  a.modules = {{"p/a.policy", kSchema},
               {"p/b.policy", "rule r1 { clause: c, outcome: deny, when: true, message: \"m\" }"}};
  PackSources b = a;
  std::swap(b.modules[0], b.modules[1]);
  auto ra = compile(a), rb = compile(b);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(ra.pack->digest == rb.pack->digest);
  CHECK(ra.pack->digest.rfind("sha256:", 0) == 0);
}

TEST_CASE("the bundled DCF pack compiles cleanly", "[compiler][dcf]") {
  auto res = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  INFO(codes(res));
  REQUIRE(res.ok());
  CHECK(res.diagnostics.items().empty());
  CHECK(res.pack->clauses.size() == 19);
}

TEST_CASE("the worst-case cost per document is computed at compile time", "[compiler][cost]") {
  auto linear = compile_text(R"(
rule a for i in items { clause: c, outcome: deny, when: i.kind == "x", message: "{i.kind}" }
rule b { clause: c, outcome: deny, when: any(i in items: i.kind == "y"), message: "m" }
)");
  REQUIRE(linear.ok());
  CHECK(linear.pack->cost_degree == 1);
  CHECK_THAT(linear.pack->cost_formula, Catch::Contains("·|items|"));
  auto nested = compile_text(R"(
rule a for i in items { clause: c, outcome: deny, when: any(j in items: j.kind == i.kind and j.name != i.name),
  message: "duplicate kind {i.kind}" }
)");
  REQUIRE(nested.ok());
  CHECK(nested.pack->cost_degree == 2);
  CHECK_THAT(nested.pack->cost_formula, Catch::Contains("·|items|·|items|"));
  CHECK(nested.pack->cost_at_limit > 1e12);
  auto dcf = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  REQUIRE(dcf.ok());
  // Quadratic only where observed data meets declared fields (evidence.policy), never cubic.
  CHECK(dcf.pack->cost_degree == 2);
  CHECK_THAT(dcf.pack->cost_formula, Catch::Contains("·|data.fields|·|observed.findings|"));
}

TEST_CASE("regression (fuzz_policy): a document named like a builtin type is an error, not a crash",
          "[compiler][fuzz]") {
  auto res = compile(pack_of("document bool { id: string }\nclause c { title: \"C\" }\n"));
  CHECK_FALSE(res.ok());
  CHECK_THAT(codes(res), Catch::Contains("check.duplicate:1:10"));
  auto res2 = compile(pack_of("record R { a: int }\ndocument R { id: string }\n"));
  CHECK_FALSE(res2.ok());
}

TEST_CASE("every input a fuzzer found is compiled again without a crash", "[compiler][fuzz]") {
  namespace fs = std::filesystem;
  size_t n = 0;
  for (const auto& e :
       fs::directory_iterator(steward::testing::source_dir() + "/tests/fuzz/regressions")) {
    if (e.path().extension() != ".policy") continue;
    auto res = compile(pack_of(steward::testing::read_text(e.path())));
    INFO(e.path().string());
    CHECK((res.ok() || res.diagnostics.has_errors()));
    ++n;
  }
  CHECK(n >= 1);
}

TEST_CASE("messages quote expressions as the author wrote them", "[compiler]") {
  auto res = compile_text(R"(
rule r { clause: c, outcome: deny, when: extra.flag, message: "m" }
rule s { clause: c, outcome: deny, when: count  >  3, message: "m" }
)");
  std::string all;
  for (const auto& d : res.diagnostics.items()) all += d.message + "\n" + d.help + "\n";
  CHECK_THAT(all, Catch::Contains("`extra.flag` may be missing, so it is not a bool"));
  CHECK_THAT(all, Catch::Contains("`count` may be missing, and a missing value has no order"));
  CHECK_THAT(all, Catch::Contains("e.g. `count ?? ...`"));
}

TEST_CASE("archive_text: who sees archived agreement text is the pack's to say", "[compiler]") {
  const std::string body = "document D { id: string }\n";
  auto plain = compile(steward::testing::pack_of(body));
  REQUIRE(plain.ok());
  CHECK_FALSE(plain.pack->archive_text_to_readers);  // reviewers only, by default
  auto readers = compile(steward::testing::pack_of(body, "archive_text: readers\n"));
  REQUIRE(readers.ok());
  CHECK(readers.pack->archive_text_to_readers);
  CHECK(readers.pack->digest != plain.pack->digest);
  auto bad = compile(steward::testing::pack_of(body, "archive_text: everyone\n"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.diagnostics.items()[0].code == "manifest.type");
}

TEST_CASE("fields and members are found through the name index as by scanning", "[compiler]") {
  // 5,000 names in 16,384 slots share many slots (and runs of them): each is told apart by its
  // bytes. Short names, names of one to three bytes, the empty name, and long names that differ
  // only in their middle take each of the hash's branches.
  Type e;
  e.kind = TypeKind::kEnum;
  std::vector<std::string> absent = {"K1", "k", "N/a", "research ", "\xC3\x9D"};
  for (int i = 0; i < 5000; ++i) e.members.push_back("k" + std::to_string(i));
  for (int i = 0; i < 40; ++i) {
    e.members.push_back("a-long-vocabulary-term-" + std::to_string(i) + "-of-the-agency");
    absent.push_back("a-long-vocabulary-term-" + std::to_string(i + 40) + "-of-the-agency");
    absent.push_back("k" + std::to_string(5000 + i));
  }
  e.members.insert(e.members.end(), {"", "x", "ab", "research", "N/A", "\xC3\x9C"});
  std::vector<int> scanned;
  for (const auto& m : e.members) scanned.push_back(e.find_member(m));
  e.index_names();
  REQUIRE(e.names_indexed_ == e.members.size());
  // The names are spread: no run of taken slots, which every probe for a name in it walks, is
  // long. A hash of the length and three bytes made runs of hundreds here.
  size_t run = 0, longest = 0;
  for (size_t k = 0; k < 2 * e.name_slots_.size(); ++k) {
    run = e.name_slots_[k % e.name_slots_.size()] >= 0 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  CHECK(longest < 48);
  for (size_t i = 0; i < e.members.size(); ++i) {
    INFO(e.members[i]);
    CHECK(e.find_member(e.members[i]) == static_cast<int>(i));
    CHECK(scanned[i] == static_cast<int>(i));
  }
  for (const auto& a : absent) {
    INFO(a);
    CHECK(e.find_member(a) == -1);
  }
  CHECK(e.find_field("research") == -1);  // an enum has no fields
  // A name added after the index is still found: the index holds fewer names, so a scan runs.
  e.members.push_back("late");
  CHECK(e.find_member("late") == static_cast<int>(e.members.size() - 1));
  CHECK(e.find_member("research") >= 0);

  // Compiled packs come indexed: the DCF document's fields.
  const CompileResult res = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  REQUIRE(res.ok());
  const Type& root = *res.pack->root;
  REQUIRE(root.fields.size() >= 8);
  CHECK(root.names_indexed_ == root.fields.size());
  for (size_t i = 0; i < root.fields.size(); ++i)
    CHECK(root.find_field(root.fields[i].name) == static_cast<int>(i));
  CHECK(root.find_field("no_such_field") == -1);
  CHECK(root.find_member(root.fields[0].name) == -1);
}
