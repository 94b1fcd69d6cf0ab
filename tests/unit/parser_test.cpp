// Tests for parser.h: expressions against compact dumps, and syntax errors in the language's terms.
#include "steward/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.h"

using namespace steward;

namespace {

// A small deterministic generator for the generated-text tests.
struct XorShift {
  uint64_t state;
  uint64_t operator()() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
};

std::string dump_expr(const std::string& text, Diagnostics* diags = nullptr) {
  SourceMap sm;
  SourceId id = sm.add("e", text);
  Diagnostics local;
  Diagnostics& d = diags ? *diags : local;
  auto e = parse_expression(sm, id, 0, static_cast<uint32_t>(text.size()), d);
  return ast::dump(*e);
}

}  // namespace

TEST_CASE("expressions parse with the documented precedence", "[parser]") {
  auto [text, want] = GENERATE(table<std::string, std::string>({
      {"a.b.c", "(. (. a b) c)"},
      {"a and b or c", "(or (and a b) c)"},
      {"a or b and c", "(or a (and b c))"},
      {"not a == b", "(not (== a b))"},
      {"not a and b", "(and (not a) b)"},
      {"x ?? 0 > 3", "(> (?? x 0) 3)"},
      {"x not in s", "(not in x s)"},
      {"k in [\"a\", \"b\"]", "(in k (list \"a\" \"b\"))"},
      {"any(f in data.fields: empty(f.name))", "(any f (. data fields) (empty (. f name)))"},
      {"count(xs)", "(count xs)"},
      {"count(x in xs: x > 1)", "(count x xs (> x 1))"},
      {"-3", "(- 3)"},
      {"'single' == \"double\"", "(== \"single\" \"double\")"},
      {"term.end < date(\"2026-01-01\")", "(< (. term end) (date \"2026-01-01\"))"},
  }));
  Diagnostics d;
  CHECK(dump_expr(text, &d) == want);
  CHECK_FALSE(d.has_errors());
}

TEST_CASE("modules parse into declarations", "[parser]") {
  SourceMap sm;
  SourceId id = sm.add("m.policy", R"(
enum K { a, "b-c", ...s }
set s = { "x", "y" }
document D { id: nonempty string, tags: [string]?, sub: { n: int }? }
clause c.one { title: "T"; citation: "C" }
reviewer r
let v = count(tags) > 0
rule r1 for t in tags { clause: c.one, outcome: review(r), when: t == "x", message: "tag {t}" }
)");
  Diagnostics d;
  ast::Module m = parse_module(sm, id, d);
  CHECK_FALSE(d.has_errors());
  CHECK(ast::dump(m) ==
        "enum K a b-c ...s\n"
        "set s \"x\" \"y\"\n"
        "document D id: nonempty string tags: [string]? sub: { n: int }?\n"
        "clause c.one (title \"T\") (citation \"C\")\n"
        "reviewer r\n"
        "let v (> (count tags) 0)\n"
        "rule r1 for t in tags (clause (. c one)) (outcome (review r)) (when (== t \"x\")) "
        "(message (template \"tag \" {t}))\n");
}

TEST_CASE("syntax errors say what was expected, with a location", "[parser]") {
  auto [text, line, col, fragment] = GENERATE(table<std::string, uint32_t, uint32_t, std::string>({
      {"rule r { when a }", 1, 15, "expected `:`"},
      {"let = 3", 1, 5, "unexpected `=`"},
      {"enum E { a b }", 1, 12, "in an enum"},
      {"let x = 3 $", 1, 11, "character `$`"},
      {"document D {\n  id string\n}", 2, 6, "in a field declaration"},
  }));
  SourceMap sm;
  SourceId id = sm.add("p.policy", text);
  Diagnostics d;
  parse_module(sm, id, d);
  REQUIRE(d.has_errors());
  const Diagnostic& first = d.items().front();
  CHECK(first.code == "parse.syntax");
  Position p = sm.position(first.span);
  CHECK(p.line == line);
  CHECK(p.column == col);
  CHECK_THAT(first.message, Catch::Contains(fragment));
}

TEST_CASE("invalid UTF-8 in a policy is a located error, not an exception", "[parser]") {
  SourceMap sm;
  SourceId id = sm.add("p.policy", "let x = \"caf\xff\"\n");
  Diagnostics d;
  parse_module(sm, id, d);
  REQUIRE(d.has_errors());
  CHECK(d.items()[0].code == "parse.utf8");
  CHECK(sm.position(d.items()[0].span).column == 13);
}

TEST_CASE("unclosed template holes are reported", "[parser]") {
  SourceMap sm;
  SourceId id = sm.add("p.policy", "rule r { message: \"value {x\" }");
  Diagnostics d;
  parse_module(sm, id, d);
  REQUIRE(d.has_errors());
  CHECK(d.items()[0].code == "parse.template");
}

TEST_CASE("a large module parses in groups with the same result and exact locations", "[parser]") {
  // Over 16 KiB and 64 declarations, modules are parsed a group of declarations at a time.
  // Strings, comments and brackets that hold keywords must not split a declaration, non-ASCII
  // text must not shift positions, and an error in one group must not hide one in another.
  std::string text = "// große Regeln: rule let enum\n";
  std::string want;
  for (int i = 0; i < 400; ++i) {
    text += fmt::format(
        "let v{} = x == \"rule {{ let }} — ü\" /* set record */ and [\"enum\"] == y\n", i);
    want += fmt::format("let v{} (and (== x \"rule {{ let }} — ü\") (== (list \"enum\") y))\n", i);
  }
  SourceMap sm;
  SourceId id = sm.add("big.policy", text);
  Diagnostics d;
  ast::Module m = parse_module(sm, id, d);
  CHECK_FALSE(d.has_errors());
  CHECK(ast::dump(m) == want);
  // The last declaration's span starts where it is written.
  const auto& last = std::get<ast::LetDecl>(m.decls.back());
  CHECK(sm.position(last.span).line == 401);
  CHECK(sm.position(last.span).column == 5);  // the name

  // Two syntax errors, hundreds of declarations apart: both reported, each at its place.
  std::string broken = text;
  auto line_start = [&](int line) {
    size_t at = 0;
    for (int l = 1; l < line; ++l) at = broken.find('\n', at) + 1;
    return at;
  };
  broken.replace(line_start(11), 3, "le ");      // line 11: `le v9 = ...`
  broken.replace(line_start(351) + 4, 3, "= ");  // line 351: `let = ...`
  SourceMap sm2;
  SourceId id2 = sm2.add("broken.policy", broken);
  Diagnostics d2;
  parse_module(sm2, id2, d2);
  std::vector<uint32_t> lines;
  for (const auto& item : d2.items()) lines.push_back(sm2.position(item.span).line);
  CHECK(std::count(lines.begin(), lines.end(), 11u) >= 1);
  CHECK(std::count(lines.begin(), lines.end(), 351u) >= 1);
}

TEST_CASE("a message in brackets keeps its holes where they are written", "[parser]") {
  // The holes were once read from the bracketed expression's text, one character off from
  // the string they index into: `{borrower.nmae}` was reported as the unknown name `orrower`.
  SourceMap sm;
  SourceId id = sm.add("p.policy", "rule r {\n  message: (\"é {who.nmae} left\")\n}\n");
  Diagnostics d;
  ast::Module m = parse_module(sm, id, d);
  REQUIRE_FALSE(d.has_errors());
  const auto& rule = std::get<ast::RuleDecl>(m.decls.front());
  REQUIRE(rule.props.size() == 1);
  const ast::Expr& message = *rule.props[0].values.at(0);
  REQUIRE(message.kind == ast::ExprKind::kTemplate);
  REQUIRE(message.parts.size() == 3);
  CHECK(message.parts[0].text == "é ");
  const ast::Expr& hole = *message.parts[1].expr;
  CHECK(hole.kind == ast::ExprKind::kMember);
  CHECK(hole.name == "nmae");
  CHECK(hole.args.at(0)->name == "who");
  Position at = sm.position(hole.span);
  CHECK(at.line == 2);
  CHECK(at.column == 17);  // `who`, counted in code points (é is one)
  CHECK(hole.span.begin == sm.file(id).text().find("who"));  // the span itself is in bytes
  CHECK(message.parts[2].text == " left");
}

TEST_CASE("the parser's own lexer gives the generated lexer's tokens", "[parser][lexer]") {
  // Every policy in the repository, the fuzzer's regressions, and generated text made of the
  // pieces where the two could part: quotes and escapes, comments opened and not closed, dots,
  // two-character operators, identifiers with hyphens, keywords, line ends and non-ASCII.
  std::vector<std::string> texts;
  for (const char* dir : {"policies", "tests"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             steward::testing::source_dir() + "/" + dir)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() &&
          (e.path().extension() == ".policy" || name.rfind("policy-", 0) == 0))
        texts.push_back(steward::testing::read_text(e.path()));
    }
  }
  REQUIRE(texts.size() >= 15);
  const std::vector<std::string> pieces = {"\"",
                                           "'",
                                           "\\",
                                           "/",
                                           "*",
                                           ".",
                                           "?",
                                           "=",
                                           "!",
                                           "<",
                                           ">",
                                           "-",
                                           "_",
                                           "a",
                                           "Z",
                                           "1",
                                           "0",
                                           " ",
                                           "\t",
                                           "\r",
                                           "\n",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\xc2\xa0",
                                           "in",
                                           "rule",
                                           "nonempty",
                                           "enum",
                                           "//",
                                           "/*",
                                           "*/",
                                           "...",
                                           "1.5",
                                           "#",
                                           std::string(1, '\0'),
                                           "\x01",
                                           "{",
                                           "}",
                                           "(",
                                           ")",
                                           "[",
                                           "]",
                                           ",",
                                           ":",
                                           ";",
                                           "+",
                                           "%",
                                           "??",
                                           "==",
                                           "!=",
                                           "<=",
                                           ">="};
  XorShift next{0x9e3779b97f4a7c15u};
  for (int i = 0; i < 20000; ++i) {
    std::string t;
    const size_t n = next() % 40;
    for (size_t k = 0; k < n; ++k) t += pieces[next() % pieces.size()];
    texts.push_back(std::move(t));
  }
  size_t differ = 0;
  for (const std::string& t : texts) {
    const std::string own = detail::token_dump(t, false);
    const std::string generated = detail::token_dump(t, true);
    if (own != generated && ++differ <= 5) {
      INFO("text: " << t);
      CHECK(own == generated);
    }
  }
  CHECK(differ == 0);
}

namespace {

// A module's AST, spans included, and its diagnostics, by the fast path first (as the compiler
// parses) or by ANTLR alone.
std::string parsed(const std::string& text, bool general) {
  SourceMap sm;
  SourceId id = sm.add("m.policy", text);
  Diagnostics d;
  ast::Module m = general ? detail::parse_module_general(sm, id, d) : parse_module(sm, id, d);
  return ast::dump(m, true) + render(d, sm);
}

// How many of `texts` the two routes parse apart; the first three are reported.
size_t routes_differ(const std::vector<std::string>& texts) {
  size_t differ = 0;
  for (const std::string& t : texts) {
    const std::string a = parsed(t, false), b = parsed(t, true);
    if (a != b && ++differ <= 3) {
      INFO("text:\n" << t);
      CHECK(a == b);
    }
  }
  return differ;
}

// Random expressions of every form the grammar has, with comments and line breaks between
// tokens, and near-misses of the forms where a hand-written parser could read otherwise:
// `not` before and after `in`, prefix operators after binary ones, a quantifier beside a call
// whose first argument is `x in xs`, commas between properties, trailing commas.
class ExprGen {
 public:
  explicit ExprGen(uint64_t seed) : next{seed} {}
  XorShift next;
  std::string space() {
    switch (next() % 12) {
      case 0:
        return "\n  ";
      case 1:
        return " /* c \xc3\xbc */ ";  // non-ASCII: ANTLR counts code points, spans bytes
      case 2:
        return "";
      default:
        return " ";
    }
  }
  std::string expr(int depth) {
    if (depth <= 0) return leaf();
    const char* ops[] = {"and", "or",     "==", "!=", "<", "<=", ">", ">=",
                         "in",  "not in", "??", "+",  "-", "*",  "/", "%"};
    switch (next() % 11) {
      case 0:
      case 1:
      case 2:
        return expr(depth - 1) + space() + ops[next() % 16] + space() + expr(depth - 1);
      case 3:
        return (next() % 2 ? "not" + std::string(" ") : "-") + space() + expr(depth - 1);
      case 4:
        return "(" + space() + expr(depth - 1) + space() + ")";
      case 5:
        return expr(depth - 1) + "." + name();
      case 6: {
        const char* fns[] = {"count", "any", "all", "filter", "none"};
        return std::string(fns[next() % 5]) + "(" + name() + " in" + space() + expr(depth - 1) +
               ":" + space() + expr(depth - 1) + ")";
      }
      case 7: {
        std::string s = name() + "(";
        const size_t n = next() % 4;
        for (size_t i = 0; i < n; ++i)
          s +=
              (i ? "," + space() : "") + (next() % 3 == 0 ? name() + " in " : "") + expr(depth - 1);
        return s + ")";
      }
      case 8: {
        std::string s = "[";
        const size_t n = next() % 4;
        for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + expr(depth - 1);
        return s + (n && next() % 3 == 0 ? ",]" : "]");
      }
      default:
        return leaf();
    }
  }
  std::string leaf() {
    switch (next() % 9) {
      case 0:
        return std::to_string(next() % 1000);
      case 1:
        return "1.5";
      case 2:
        return "\"s\\\"q\\n \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"";
      case 3:
        return "'it'";
      case 4:
        return next() % 2 ? "true" : "false";
      case 5:
        return "null";
      case 6:
        return "99999999999999999999";  // out of range: a diagnostic, so the general route
      default:
        return name();
    }
  }
  std::string name() {
    const char* names[] = {"a", "b", "data", "x-y", "_z", "items", "dates"};
    return names[next() % 7];
  }
  // A module that uses every declaration, with `e` in each place an expression goes.
  std::string module(const std::string& e) {
    std::string props = "  when: " + e + (next() % 2 ? "," : "") + space() +
                        "  message: \"m \xc3\xa9 {" + e + "} {{x}}\"" + (next() % 2 ? ";" : "") +
                        "\n  evidence: a, " + e + (next() % 2 ? ", b" : "") + "\n";
    return "enum K { a, \"b c\", ...s, }\nset s = { 1, \"x\", 2.5, true, null }\n"
           "document D { id: nonempty string?, tags: [[string]]?, sub: { n: int, \"q r\": K }, }\n"
           "record R { x: int }\n"
           "clause c.one.two { title: \"T\"; citation: 'C', }\nreviewer r\n"
           "reviewer q { title: \"Q\" }\n"
           "let v = " +
           e +
           "\n"
           "rule r1 for t in " +
           e + " {\n" + props +
           "}\n"
           "rule r2 {" +
           props +
           "}\n"
           "assert a1 { when: " +
           e + ", expect: deny }\n";
  }
};

}  // namespace

TEST_CASE("the fast path builds what ANTLR builds, spans and diagnostics included",
          "[parser][fast]") {
  std::vector<std::string> texts;
  for (const char* dir : {"policies", "tests", "examples"}) {
    const std::string root = steward::testing::source_dir() + "/" + dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() &&
          (e.path().extension() == ".policy" || name.rfind("policy-", 0) == 0))
        texts.push_back(steward::testing::read_text(e.path()));
    }
  }
  REQUIRE(texts.size() >= 15);
  ExprGen gen(0x2545F4914F6CDD1Du);
  for (int i = 0; i < 3000; ++i) texts.push_back(gen.module(gen.expr(1 + i % 5)));
  // At the depth limit: chains, brackets, prefix operators, members and types just under and
  // just over what the general parser allows (it reports those as too deep).
  for (int n : {60, 120, 200, 230, 240, 245, 246, 247, 248, 249, 250, 251, 260, 400}) {
    std::string chain = "a", nots, parens, member = "a", list = "int";
    for (int k = 0; k < n; ++k) chain += " and a";
    for (int k = 0; k < std::min(n, 99); ++k) nots += "x == not ";
    for (int k = 0; k < std::min(n, 99); ++k) parens = "(" + parens + (k ? ")" : "a)");
    for (int k = 0; k < n; ++k) member += ".b";
    for (int k = 0; k < std::min(n, 99); ++k) list = "[" + list + "]";
    texts.push_back("let c = " + chain + "\n");
    texts.push_back("rule r { when: x == 1, message: \"m\", evidence: " + chain + " }\n");
    texts.push_back("let n = " + nots + "x\n");
    texts.push_back("let p = " + parens + "\n");
    texts.push_back("let m = " + member + "\n");
    texts.push_back("record L { f: " + list + " }\n");
    texts.push_back("let q = [" + parens + ", " + nots + "y]\n");
    // Past the nesting limit of the scan before ANTLR (100) though not past the tree depth's.
    std::string run;
    for (int k = 0; k < n; ++k) run += k % 3 ? "not " : "- ";
    texts.push_back("let z = " + run + "x\n");
  }
  CHECK(routes_differ(texts) == 0);
  const size_t fast =
      static_cast<size_t>(std::count_if(texts.begin(), texts.end(), detail::fast_path_reads));
  // Both routes taken often: the comparison is not vacuous either way.
  CHECK(fast > texts.size() / 4);
  CHECK(texts.size() - fast > texts.size() / 10);
}

TEST_CASE("token soup takes the fast path only where ANTLR agrees", "[parser][fast]") {
  // Random sequences of tokens: most are syntax errors, which the fast path must leave to ANTLR.
  const std::vector<std::string> pieces = {
      "let",   "rule", "x",    "=",      "==",   "not", "in",       "and", "or", "(",       ")",
      "[",     "]",    "{",    "}",      ",",    ":",   ";",        ".",   "-",  "??",      "1",
      "\"s\"", "for",  "when", "clause", "enum", "?",   "nonempty", "...", "*",  "/* c */", "\n"};
  XorShift next{0x9E3779B97F4A7C15u};
  std::vector<std::string> texts;
  for (int i = 0; i < 4000; ++i) {
    std::string t = i % 2 ? "let v = " : "rule r { when: ";
    const size_t n = 1 + next() % 12;
    for (size_t k = 0; k < n; ++k) t += pieces[next() % pieces.size()] + " ";
    if (i % 2 == 0) t += "}";
    texts.push_back(std::move(t));
  }
  CHECK(routes_differ(texts) == 0);
}
