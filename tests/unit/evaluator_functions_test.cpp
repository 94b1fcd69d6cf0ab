// Tests for evaluator.h: the language's functions and arithmetic as a decision sees them
// (as_of(), dates and days, numbers, strings, whole-value patterns) and the errors they raise.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/decision.h"
#include "steward/evaluator.h"
#include "test_support.h"

using namespace steward;

TEST_CASE("as_of() is the evaluation date of the context, recorded in the decision",
          "[evaluator][as_of]") {
  std::string text =
      "document Doc { id: string, end: date? }\nclause c { title: \"C\" }\n"
      "rule expired { clause: c  outcome: deny  when: present(end) and end < as_of()\n"
      "  message: \"ended {end}, before {as_of()}\" }\n";
  auto res = compile(steward::testing::pack_of(text));
  REQUIRE(res.ok());
  auto loaded = load_document(*res.pack, "id: a\nend: 2026-03-01\n", "d.yaml");
  REQUIRE(loaded.ok());
  Evaluator ev(res.pack);
  auto on = [&](const char* day) {
    EvaluationContext context;
    REQUIRE(parse_iso_date(day, &context.as_of));
    return ev.evaluate(*loaded.document, context);
  };
  // The day itself and the day before: not yet expired. The day after: expired.
  CHECK(on("2026-02-28").outcome == Outcome::kAllow);
  CHECK(on("2026-03-01").outcome == Outcome::kAllow);
  Decision after = on("2026-03-02");
  CHECK(after.outcome == Outcome::kDeny);
  REQUIRE(after.reasons.size() == 1);
  CHECK(after.reasons[0].message == "ended 2026-03-01, before 2026-03-02");
  auto j = nlohmann::json::parse(to_json(after));
  CHECK(j["as_of"] == "2026-03-02");
  // Without a context: today in UTC.
  Decision today = ev.evaluate(*loaded.document);
  CHECK(today.as_of == today_utc());
  CHECK(nlohmann::json::parse(to_json(today))["as_of"] == format_iso_date(today_utc()));
}

TEST_CASE("as_of() takes no arguments", "[evaluator][as_of]") {
  auto res = compile(steward::testing::pack_of(
      "document Doc { id: string }\nclause c { title: \"C\" }\n"
      "rule r { clause: c  outcome: deny  when: as_of(id) == as_of()  message: \"m\" }\n"));
  REQUIRE_FALSE(res.ok());
  CHECK(res.diagnostics.items()[0].code == "check.arity");
}

TEST_CASE("arithmetic: numbers, dates and days, range errors", "[evaluator][arith]") {
  // Each row: an expression over the document below, and what `when: <expr> == <want>` says.
  const std::string doc =
      "id: a\nend: 2026-03-01\nstart: 2026-01-31\nn: 7\nbig: 9223372036854775807\nx: 0.5\n"
      "far: 9999-12-30\n";
  struct Row {
    const char* expr;
    const char* want;  // an expression of the same type, or "eval.range"
  };
  const Row rows[] = {
      {"n + 1", "8"},
      {"n - 10", "-3"},
      {"n + x", "7.5"},
      {"x - n", "-6.5"},
      {"end + 30", "date(\"2026-03-31\")"},
      {"end + 365", "date(\"2027-03-01\")"},
      {"end - 1", "date(\"2026-02-28\")"},
      {"start + 29", "date(\"2026-03-01\")"},
      {"end - start", "29"},
      {"start - end", "-29"},
      {"end + n - n", "end"},
      {"as_of() - end", "0"},
      {"big + 1", "eval.range"},
      {"0 - big - 2", "eval.range"},
      {"far + 1", "date(\"9999-12-31\")"},
      {"far + 2", "eval.range"},
      {"end + big", "eval.range"},
      {"end - big", "eval.range"},
      {"n * 3", "21"},
      {"x * n", "3.5"},
      {"n / 2", "3.5"},
      {"n / x", "14.0"},
      {"n % 3", "1"},
      {"(0 - n) % 3", "-1"},
      {"1 + n * 2", "15"},
      {"(1 + n) * 2", "16"},
      {"n - n / 2 * 2", "0.0"},
      {"big * 2", "eval.range"},
      {"n / 0", "eval.range"},
      {"x / (n - n)", "eval.range"},
      {"n % 0", "eval.range"},
      {"(0 - big - 1) % (0 - 1)", "0"},
  };
  for (const auto& row : rows) {
    INFO(row.expr);
    std::string text =
        "document Doc { id: string, end: date, start: date, n: int, big: int, x: number, far: "
        "date }\nclause c { title: \"C\" }\nrule r { clause: c  outcome: deny  when: " +
        std::string(row.expr) +
        " == " + (std::string(row.want) == "eval.range" ? std::string(row.expr) : row.want) +
        "  message: \"m\" }\n";
    auto res = compile(steward::testing::pack_of(text));
    for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
    REQUIRE(res.ok());
    auto loaded = load_document(*res.pack, doc, "d.yaml");
    REQUIRE(loaded.ok());
    EvaluationContext context;
    REQUIRE(parse_iso_date("2026-03-01", &context.as_of));
    Evaluator ev(res.pack);
    if (std::string(row.want) == "eval.range") {
      try {
        ev.evaluate(*loaded.document, context);
        FAIL("no error");
      } catch (const EvaluationError& e) {
        CHECK(e.code() == "eval.range");
      }
    } else {
      CHECK(ev.evaluate(*loaded.document, context).outcome == Outcome::kDeny);
    }
  }
}

TEST_CASE("string functions: case, length in code points, prefixes, whole-value patterns",
          "[evaluator][strings]") {
  // Each row: a condition over the document below, and whether it holds.
  const std::string doc =
      "id: DSA-2026-007\nname: 'Åsa Öberg'\nemail: Case@Example.ORG\nnote: ''\n";
  struct Row {
    const char* when;
    bool holds;
  };
  const Row rows[] = {
      {"lower(email) == \"case@example.org\"", true},
      {"lower(name) == \"åsa öberg\"", false},  // ASCII letters only: Å and Ö stay
      {"lower(name) == \"Åsa Öberg\"", true},
      {"length(name) == 9", true},  // code points, not the 11 bytes
      {"length(note) == 0", true},
      {"length(missing) == 0", false},
      {"length(missing) ?? 0 == 0", true},
      {"starts_with(id, \"DSA-\")", true},
      {"starts_with(id, \"dsa-\")", false},
      {"starts_with(lower(id), \"dsa-\")", true},
      {"ends_with(email, \".ORG\")", true},
      {"starts_with(id, \"\")", true},
      {"starts_with(missing, \"\")", false},
      {"ends_with(id, missing ?? \"7\")", true},
      {"matches(id, \"DSA-[0-9]{4}-[0-9]{3}\")", true},
      {"matches(id, \"[0-9]{3}\")", false},  // the whole value must match
      {"matches(id, \".*[0-9]{3}\")", true},
      {"matches(name, \"\\\\p{Lu}.*\")", true},
      {"matches(missing, \".*\")", false},
      {"not matches(missing, \".*\")", true},
  };
  for (const auto& row : rows) {
    INFO(row.when);
    std::string text =
        "document Doc { id: string, name: string, email: string, note: string, missing: "
        "string? }\nclause c { title: \"C\" }\nrule r { clause: c  outcome: deny  when: " +
        std::string(row.when) + "  message: \"m {lower(id)}\" }\n";
    auto res = compile(steward::testing::pack_of(text));
    for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
    REQUIRE(res.ok());
    auto loaded = load_document(*res.pack, doc, "d.yaml");
    REQUIRE(loaded.ok());
    const Decision d = Evaluator(res.pack).evaluate(*loaded.document);
    CHECK((d.outcome == Outcome::kDeny) == row.holds);
    if (row.holds) CHECK(d.reasons.at(0).message == "m dsa-2026-007");
  }
}

TEST_CASE("a pack with a pattern RE2 cannot read decides nothing", "[evaluator][strings]") {
  auto res = compile(steward::testing::pack_of(
      "document Doc { id: string }\nclause c { title: \"C\" }\nrule r { clause: c  outcome: "
      "deny  when: matches(id, \"a\")  message: \"m\" }\n"));
  REQUIRE(res.ok());
  auto broken = std::make_shared<CompiledPack>(*res.pack);
  broken->patterns[0] = "(a";
  CHECK_THROWS_AS(Evaluator(broken), std::invalid_argument);
}

TEST_CASE("arithmetic is checked: operand types, missing values", "[evaluator][arith]") {
  const std::string head =
      "document Doc { id: string, end: date, d2: date?, n: int, s: string, keep: int? }\n"
      "clause c { title: \"C\" }\n";
  struct Row {
    const char* when;
    const char* code;
  };
  const Row rows[] = {
      {"end + end > end", "check.type"},       // date + date
      {"n - end > 0", "check.type"},           // int - date
      {"s + s == s", "check.type"},            // strings
      {"end + keep > end", "check.optional"},  // a missing number of days
      {"d2 - end > 0", "check.optional"},     {"end + 1.5 > end", "check.type"},  // days are whole
  };
  for (const auto& row : rows) {
    INFO(row.when);
    auto res = compile(steward::testing::pack_of(
        head + "rule r { clause: c  outcome: deny  when: " + row.when + "  message: \"m\" }\n"));
    REQUIRE_FALSE(res.ok());
    CHECK(res.diagnostics.items()[0].code == row.code);
  }
  // With a default, the same expressions compile.
  CHECK(compile(steward::testing::pack_of(
                    head + "rule r { clause: c  outcome: deny  when: end + (keep ?? 365) > end "
                           " message: \"m\" }\n"))
            .ok());
}
