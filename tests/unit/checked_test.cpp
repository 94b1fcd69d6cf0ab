// Tests for checked.h: what the checker resolves (types, references, constants, overloads),
// as compact dumps, and that the planner lays out exactly what was checked.
#include "steward/checked.h"

#include <catch2/catch.hpp>

#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;
using steward::testing::pack_of;

namespace {

const char* kSchema = R"(
enum Level { client, aggregate }
set roles = { "analyst", "auditor" }
record Item { name: string?, kind: string, level: Level }
document Doc {
  id: string
  level: Level
  count: int?
  share: number
  start: date
  end: date?
  items: [Item]
  tags: [string]
}
clause c { title: "C" }
)";

// The checked AST of `let x = <expr>` followed by a rule that uses it.
std::string checked(const std::string& expr, const std::string& manifest = "") {
  CompileOptions opts;
  opts.keep_checked = true;
  auto res =
      compile(pack_of(std::string(kSchema) + "let x = " + expr +
                          "\nrule r { clause: c, outcome: deny, when: x == x, message: \"m\" }\n",
                      manifest),
              opts);
  REQUIRE(res.checked != nullptr);
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  CHECK_FALSE(res.diagnostics.has_errors());
  if (res.checked->defs.empty()) return "<error>";
  return dump(res.checked->defs.front().value);
}

}  // namespace

TEST_CASE("the checker resolves names, literals and overloads", "[checked]") {
  const std::string params =
      "parameters:\n  threshold: {type: int, default: 11}\n  days: {type: int, default: 30}\n";
  struct Case {
    const char* expr;
    const char* dump;
  };
  const Case cases[] = {
      // Document fields are paths from the root; an optional field is marked.
      {"count", "$.count:int?"},
      {"count ?? 0", "(coalesce $.count:int? 0:int):int"},
      // A parameter is folded to its value; int against number compares as number.
      {"share >= threshold", "(ge[number] $.share:number 11:int):bool"},
      {"count ?? 0 >= threshold", "(ge[int] (coalesce $.count:int? 0:int):int 11:int):bool"},
      // String literals take their meaning from the other side: an enum member, a date.
      {"level == \"client\"", "(eq[enum] $.level:Level client:Level):bool"},
      {"\"client\" == level", "(eq[enum] client:Level $.level:Level):bool"},
      {"start < \"2026-03-01\"", "(lt[date] $.start:date 2026-03-01:date):bool"},
      // Sets: named (index 0), literal (interned after the named ones), enum members checked.
      {"\"analyst\" in roles", "(in_set #0 \"analyst\":string):bool"},
      {"level in [\"client\"]", "(in_set #1 $.level:Level):bool"},
      {"\"a\" not in tags", "(not (in_list \"a\":string $.tags:[string]):bool):bool"},
      // Flow typing: inside `present(end) and ...`, `end` is no longer optional.
      {"present(end) and end > start",
       "(and (present $.end:date?):bool (gt[date] $.end:date $.start:date):bool):bool"},
      // Quantifiers bind a local slot; a negative literal is folded.
      {"any(i in items: i.level == \"aggregate\")",
       "(any %0 $.items:[Item] (eq[enum] %0.level:Level aggregate:Level):bool):bool"},
      {"count(i in items: present(i.name))",
       "(count_where %0 $.items:[Item] (present %0.name:string?):bool):int"},
      {"-3", "-3:int"},
      // Arithmetic: a date and days; days between dates; int with number is mixed.
      {"start + days", "(add $.start:date 30:int):date"},
      {"(end ?? start) - start", "(sub (coalesce $.end:date? $.start:date):date $.start:date):int"},
      {"share + 1", "(add[mixed] $.share:number 1:int):number"},
      {"as_of() > start", "(gt[date] (as_of):date $.start:date):bool"},
      // `*`, `/`, `%` bind tighter than `+`; a quotient is a number; `%` takes whole numbers.
      {"share * 2", "(mul[mixed] $.share:number 2:int):number"},
      {"(count ?? 0) / 2", "(div[mixed] (coalesce $.count:int? 0:int):int 2:int):number"},
      {"1 + (count ?? 0) % 7", "(add 1:int (mod (coalesce $.count:int? 0:int):int 7:int):int):int"},
      {"-3 * 2", "(mul -3:int 2:int):int"},
      // String functions: lower and length keep a missing value missing; the predicates read
      // it as false; a pattern is kept with its node.
      {"lower(id)", "(lower $.id:string):string"},
      {"length(id) > 3", "(gt[int] (length $.id:string):int 3:int):bool"},
      {"starts_with(id, \"DSA-\")", "(starts_with $.id:string \"DSA-\":string):bool"},
      {"ends_with(lower(id), \"x\")", "(ends_with (lower $.id:string):string \"x\":string):bool"},
      {"matches(id, \"[A-Z]+-[0-9]+\")", "(matches $.id:string \"[A-Z]+-[0-9]+\"):bool"},
      {"any(i in items: lower(i.name) == \"x\")",
       "(any %0 $.items:[Item] (eq[string] (lower %0.name:string?):string? \"x\":string):bool):"
       "bool"},
      {"any(i in items: matches(i.name, \"a|b\"))",
       "(any %0 $.items:[Item] (matches %0.name:string? \"a|b\"):bool):bool"},
  };
  for (const auto& c : cases) {
    INFO(c.expr);
    CHECK(checked(c.expr, params) == c.dump);
  }
}

TEST_CASE("the checked AST is kept only when asked, and survives compile errors", "[checked]") {
  auto plain = compile(pack_of(std::string(kSchema) + "let x = count ?? 0\n"));
  CHECK(plain.checked == nullptr);
  CompileOptions opts;
  opts.keep_checked = true;
  // One definition checks, the other does not: the result has the first and the error.
  auto res =
      compile(pack_of(std::string(kSchema) + "let good = count ?? 0\nlet bad = level < 1\n"
                                             "rule r { clause: c, outcome: deny, when: good > 1 "
                                             "and bad, message: \"m\" }\n"),
              opts);
  CHECK_FALSE(res.ok());
  REQUIRE(res.checked != nullptr);
  REQUIRE(res.checked->defs.size() == 1);
  CHECK(res.checked->defs[0].name == "good");
  CHECK(dump(res.checked->defs[0].value) == "(coalesce $.count:int? 0:int):int");
  CHECK(res.checked->rules.empty());
}

TEST_CASE("rules carry their checked range, condition, message and evidence", "[checked]") {
  CompileOptions opts;
  opts.keep_checked = true;
  auto res =
      compile(pack_of(std::string(kSchema) +
                      "rule r for i in items { clause: c, outcome: deny, when: empty(i.name), "
                      "message: \"item {i.kind} has no name\" }\n"),
              opts);
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  REQUIRE(res.checked->rules.size() == 1);
  const CheckedRule& r = res.checked->rules[0];
  REQUIRE(r.range.has_value());
  CHECK(dump(*r.range) == "$.items:[Item]");
  CHECK(dump(r.condition) == "(empty %0.name:string?):bool");
  REQUIRE(r.message.size() == 3);
  CHECK(r.message[0].text == "item ");
  CHECK(dump(*r.message[1].expr) == "%0.kind:string");
  REQUIRE(r.evidence.size() == 1);  // the element itself, by default
  CHECK(r.evidence[0].from_local);
  // The plan holds the same rule, lowered: condition and message holes point at nodes.
  const RulePlan& p = res.pack->rules[0];
  CHECK(p.range != kNoIndex);
  CHECK(res.pack->nodes[p.condition].op == Op::kEmpty);
  CHECK(res.pack->nodes[p.message[1].node].op == Op::kField);
}

TEST_CASE("a compile that keeps no checked AST lowers every rule before freeing it", "[checked]") {
  // Without keep_checked the plan pass frees each rule's checked trees once lowered (the
  // compile's peak memory); the plan must be the same as when they are kept.
  const std::string text = std::string(kSchema) +
                           "let big = (count ?? 0) + 2 > 3\n"
                           "rule r for i in items { clause: c, outcome: deny, when: big and "
                           "empty(i.name), message: \"item {i.kind} of {id}\" }\n"
                           "rule s { clause: c, outcome: deny, when: share > 0.5, message: "
                           "\"share {share}\" }\n";
  CompileOptions keep;
  keep.keep_checked = true;
  auto kept = compile(pack_of(text), keep);
  auto freed = compile(pack_of(text));
  REQUIRE(kept.ok());
  REQUIRE(freed.ok());
  CHECK(plan_digest(*kept.pack) == plan_digest(*freed.pack));
  REQUIRE(freed.pack->rules.size() == 2);
  CHECK(freed.pack->nodes[freed.pack->rules[1].condition].op == Op::kGt);
  // Kept, the checked rules still hold what was lowered from them.
  REQUIRE(kept.checked->rules.size() == 2);
  CHECK(dump(kept.checked->rules[1].condition) == "(gt[number] $.share:number 0.5:number):bool");
  CHECK(kept.checked->rules[1].message.size() == 2);
}

TEST_CASE("the planner sizes the plan's arrays from the same roots it lowers", "[checked]") {
  // reserve() counts what plan_def, plan_rule and plan_assert lower; an expression lowered but
  // not counted would leave a node array grown by doubling, its capacity past its size.
  auto res = compile(
      pack_of(std::string(kSchema) +
              "let big = (count ?? 0) + 2 > 3\n"
              "rule r for i in items { clause: c, outcome: deny, when: big and empty(i.name), "
              "message: \"item {i.kind} of {id} at {i.level}\" }\n"
              "rule s { clause: c, outcome: deny, when: share > 0.5, message: \"share {share}\" }\n"
              "assert a { when: share > 0.9, expect: deny, message: \"never\" }\n"));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  const CompiledPack& p = *res.pack;
  CHECK(p.nodes.capacity() == p.nodes.size());
  CHECK(p.constants.capacity() == p.constants.size());
  CHECK(p.constants.size() == 5);  // 0, 2, 3, 0.5, 0.9
  REQUIRE(p.rules.size() == 2);
  // Text parts keep no node; each hole points at the node of its own expression.
  const RulePlan& r = p.rules[0];
  REQUIRE(r.message.size() == 6);
  CHECK(r.message[0].text == "item ");
  CHECK(r.message[0].node == kNoIndex);
  CHECK(p.nodes[r.message[1].node].op == Op::kField);
  CHECK(r.message[2].text == " of ");
  CHECK(p.nodes[r.message[3].node].op == Op::kField);
  CHECK(p.nodes[r.message[5].node].op == Op::kField);
  CHECK(p.nodes[r.range].op == Op::kField);
  CHECK(p.nodes[r.condition].op == Op::kAnd);
  CHECK(p.rules[1].range == kNoIndex);
  CHECK(p.nodes[p.rules[1].condition].op == Op::kGt);
  REQUIRE(p.asserts.size() == 1);
  CHECK(p.nodes[p.asserts[0].condition].op == Op::kGt);
}
