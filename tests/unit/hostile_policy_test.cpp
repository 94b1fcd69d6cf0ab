// Hostile policy text meets limits, not the stack: deep nesting, long chains, Trojan Source,
// and a precedence that lets one allow outweigh every deny. Each case once crashed or passed
// in silence.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "steward/compiler.h"
#include "steward/format.h"
#include "steward/parser.h"
#include "test_support.h"

using namespace steward;
using steward::testing::pack_of;

namespace {

const std::string kHead = "document Doc { id: string }\nclause c { title: \"C\" }\n";

std::string rule_when(const std::string& when) {
  return kHead + "rule r { clause: c  outcome: deny  when: " + when + "  message: \"m\" }\n";
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string codes_of(const CompileResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics.items()) out += d.code + " ";
  return out;
}

}  // namespace

TEST_CASE("deep nesting in policy text is a located error, never a crash", "[compiler][hostile]") {
  // Found by the fail-closed review: each of these was a SIGSEGV.
  auto [name, text] = GENERATE(table<std::string, std::string>({
      {"10,000 nested not", rule_when(repeat("not ", 10000) + "id == \"x\"")},
      {"100,000 nested not", rule_when(repeat("not ", 100000) + "id == \"x\"")},
      {"a 10,000-term and chain", rule_when("id == \"x\"" + repeat(" and id == \"x\"", 9999))},
      {"a 100,000-term or chain", rule_when("id == \"x\"" + repeat(" or id == \"x\"", 99999))},
      {"100,000 nested parentheses",
       rule_when(repeat("(", 100000) + "id == \"x\"" + repeat(")", 100000))},
      {"100,000 nested unary minus", rule_when("id == \"x\" and " + repeat("-", 100000) + "1 < 0")},
      {"a record type nested 100,000 deep",
       "document Doc { id: string, x: " + repeat("{ a: ", 100000) + "string" +
           repeat(" }", 100000) + "? }\nclause c { title: \"C\" }\n"},
      {"100,000 nested list literals",
       rule_when("id in " + repeat("[", 100000) + repeat("]", 100000))},
      // Found in the fourteenth session: each `not` after a comparison nests (its operand is a
      // comparison), with no run of prefix operators for the scan to count; and an unclosed
      // quote or comment hid the rest of a line (or file) from the scan, not from the parser.
      {"20,000 interleaved `== not`",
       rule_when("id == \"x\"" + repeat(" == not id == \"x\"", 20000))},
      {"50,000 not after an unclosed quote",
       kHead + "rule r { clause: c  outcome: deny  when: \" " + repeat("not ", 50000) + "true }\n"},
      {"50,000 not after an unclosed comment",
       "/* " + rule_when(repeat("not ", 50000) + "id == \"x\"")},
  }));
  INFO(name);
  CompileResult r = compile(pack_of(text));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(codes_of(r), Catch::Contains("parse.depth"));
  for (const auto& d : r.diagnostics.items()) {
    if (d.code != "parse.depth") continue;
    CHECK(r.sources->position(d.span).line > 0);
    // The echoed line is a window, not the whole 100,000-character line.
    CHECK(render(d, *r.sources).size() < 1000);
  }
  // The formatter parses the same way.
  Diagnostics diags;
  SourceMap sources;
  SourceId id = sources.add("x.policy", text);
  parse_module(sources, id, diags);
  CHECK(diags.has_errors());
}

TEST_CASE("nesting just inside the limits compiles", "[compiler][hostile]") {
  // The limits leave the checker's recursion room under AddressSanitizer's larger frames too
  // (a 900-term chain overflowed the stack there with a limit of 1,000).
  CHECK(compile(pack_of(rule_when("id == \"x\"" + repeat(" and id == \"x\"", 200)))).ok());
  CHECK(compile(pack_of(rule_when(repeat("not (", 40) + "id == \"x\"" + repeat(")", 40)))).ok());
  // `not`s that do not nest are not counted as if they did: apart by `and`, in definitions,
  // in properties.
  CHECK(compile(pack_of(rule_when(repeat("not (id == \"x\") and ", 150) + "true"))).ok());
  CHECK(compile(pack_of(rule_when("id == \"x\"" + repeat(" == not id == \"x\"", 40)))).ok());
  CHECK(compile(pack_of(rule_when("id == \"x\"" + repeat(" and id == \"x\"", 300)))).ok() == false);
}

TEST_CASE("bidirectional controls in policy sources are warned about where they are",
          "[compiler][hostile]") {
  // Trojan Source: U+202E in a string or comment makes a line read differently.
  std::string text = kHead +
                     "rule r { clause: c  outcome: deny  when: id == \"adm\xE2\x80\xAEin\"  "
                     "message: \"m\" } // \xE2\x81\xA6x\n";
  CompileResult r = compile(pack_of(text));
  REQUIRE(r.ok());
  std::string all = render(r.diagnostics, *r.sources);
  CHECK_THAT(all, Catch::Contains("main.policy:3:52: warning[source.bidi]"));
  CHECK_THAT(all, Catch::Contains("U+202E"));
  CHECK_THAT(all, Catch::Contains("U+2066"));
  // The echoed line shows the character escaped, not applied.
  CHECK(all.find("\xE2\x80\xAE") == std::string::npos);
  CHECK_THAT(all, Catch::Contains("adm\\u{202e}in"));
}

TEST_CASE("an allow-first precedence is warned about", "[compiler]") {
  CompileResult r = compile(
      pack_of(rule_when("id == \"x\""), "decision:\n  precedence: [allow, deny, needs_review]\n"));
  REQUIRE(r.ok());
  CHECK_THAT(codes_of(r), Catch::Contains("manifest.allow-first"));
  CompileResult ok = compile(
      pack_of(rule_when("id == \"x\""), "decision:\n  precedence: [deny, needs_review, allow]\n"));
  CHECK_THAT(codes_of(ok), !Catch::Contains("manifest.allow-first"));
}

TEST_CASE("a pack whose worst case is astronomical is a compile error unless allowed",
          "[compiler][hostile]") {
  // Found by the fail-closed review: twelve nested quantifiers compiled ("at most 5e+72
  // steps") with no warning and then ran for minutes.
  std::string nested = repeat("any(x in items: ", 12) + "x == \"a\"" + repeat(")", 12);
  std::string text =
      "document Doc { id: string, items: [string]? }\nclause c { title: \"C\" }\n"
      "rule r { clause: c  outcome: deny  when: " +
      nested + "  message: \"m\" }\n";
  CompileResult r = compile(pack_of(text));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(codes_of(r), Catch::Contains("check.cost"));
  CompileOptions allow;
  allow.max_cost = 1e100;
  CHECK(compile(pack_of(text), allow).ok());
  // One quantifier over one list (linear) and a pairwise check (quadratic) pass by default.
  CHECK(compile(pack_of("document Doc { id: string, items: [string]? }\nclause c { title: \"C\" }\n"
                        "rule r { clause: c  outcome: deny  when: any(x in items: any(y in items: "
                        "x == y))  message: \"m\" }\n"))
            .ok());
}

TEST_CASE("a 200,000-member set compiles, and its duplicates are found", "[compiler][hostile]") {
  // Found by the fail-closed review: duplicates were searched pairwise (106 s to compile).
  // Timing is measured in docs/performance.md, not asserted here.
  std::string members;
  for (int i = 0; i < 200000; ++i) members += (i ? ", \"m" : "\"m") + std::to_string(i) + "\"";
  std::string text = kHead + "set big = {" + members + ", \"m7\"}\n" +
                     "rule r { clause: c  outcome: deny  when: id in big  message: \"m\" }\n";
  CompileResult r = compile(pack_of(text));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(codes_of(r), Catch::Contains("check.duplicate"));
  CHECK(r.diagnostics.error_count() == 1);
}

TEST_CASE("comments and strings that never close are read in linear time", "[compiler][hostile]") {
  // Found by attacking the parser's own lexer: the generated lexer looked for the end of every
  // `/*`, and of every string opened on a line whose quotes are all escaped, to the end of the
  // text or line (120 KB of `/* ` took 65 s to check; a module may hold 8 MiB). At these sizes
  // a quadratic lexer takes hours: ctest's timeout fails it. Timing is not asserted here.
  for (const std::string& piece :
       {std::string("/* "), std::string("\"\\"), std::string("'\\"), std::string("\"\\'\\")}) {
    INFO("piece: " << piece);
    CompileResult r = compile(pack_of(kHead + repeat(piece, 400000) + "\n"));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(codes_of(r), Catch::Contains("parse.syntax"));
    FormatResult f = format_policy("p.policy", kHead + repeat(piece, 400000));
    CHECK_FALSE(f.ok);
  }
}

TEST_CASE("a byte order mark opening a policy is no token, and spans count from after it",
          "[compiler][hostile]") {
  // Found by fuzz_policy comparing the two lexers: ANTLR's input stream dropped the mark while
  // the spans counted it, so every span of such a file was one character early, and a message
  // template read from its literal's bytes was cut wrong (`parse.template` on a good policy).
  const std::string bom = "\xEF\xBB\xBF";
  CompileResult r = compile(pack_of(bom + kHead +
                                    "rule r { clause: c  outcome: deny  when: id == \"x\"  "
                                    "message: \"id is {id}\" }\n"));
  INFO(codes_of(r));
  REQUIRE(r.ok());
  REQUIRE(r.pack->rules.size() == 1);
  CHECK(r.pack->rules[0].message[0].text == "id is ");
  CHECK(r.pack->rules[0].position.line == 3);
  CHECK(r.pack->rules[0].position.column == 1);
  CompileResult bad = compile(pack_of(bom + kHead + "@\n"));
  REQUIRE_FALSE(bad.ok());
  const auto& items = bad.diagnostics.items();
  auto d = std::find_if(items.begin(), items.end(),
                        [](const Diagnostic& x) { return x.code == "parse.syntax"; });
  REQUIRE(d != items.end());
  CHECK(d->span.begin == bom.size() + kHead.size());
  CHECK(format_policy("p.policy", bom + kHead).ok);
  // A second mark is a character like any other, named at its own offset: ANTLR's input
  // stream dropped it too, so the lexer's indices read the text one character off.
  CompileResult twice = compile(pack_of(bom + bom + kHead));
  REQUIRE_FALSE(twice.ok());
  const auto& twice_items = twice.diagnostics.items();
  auto e = std::find_if(twice_items.begin(), twice_items.end(),
                        [](const Diagnostic& x) { return x.code == "parse.syntax"; });
  REQUIRE(e != twice_items.end());
  CHECK(e->span.begin == 3);
  CHECK_THAT(e->message, Catch::Contains("`" + bom + "`"));
}
