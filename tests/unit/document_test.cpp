// Tests for document.h: hostile and malformed input always gets a located error, never a decision.
#include "steward/document.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;

namespace {

using steward::testing::dcf_pack;

const std::string kHead = "format: steward/agreement/v2\nid: T-1\nkind: data_sharing\n";
const std::string kData = "data: {level: client, deidentification: none}\n";

}  // namespace

TEST_CASE("a valid document loads with locations for its values", "[document]") {
  auto r = load_document(dcf_pack(), kHead + kData + "title: \"x\"\n", "a.yaml");
  REQUIRE(r.ok());
  const Document& d = *r.document;
  CHECK(d.id() == "T-1");
  const DocNode& root = d.node(d.root());
  int title = dcf_pack().root->find_field("title");
  uint32_t t = d.children(root)[title];
  CHECK(d.string(d.node(t)) == "x");
  CHECK(d.position(t).line == 5);
  CHECK(d.path(t) == "title");
}

TEST_CASE("every node's path names its fields and list positions from the root", "[document]") {
  // Positions of one and two digits, fields inside list items, lists inside those.
  std::string fields = "data:\n  level: client\n  deidentification: none\n  fields:\n";
  for (int i = 0; i < 12; ++i)
    fields += "    - {name: f" + std::to_string(i) + ", category: count}\n";
  fields += "  disaggregation: [race_ethnicity, sex]\n";
  auto r = load_document(dcf_pack(), kHead + fields + "title: \"x\"\n", "a.yaml");
  REQUIRE(r.ok());
  const Document& d = *r.document;
  // The paths written out from the root, as a reader would spell them.
  std::map<uint32_t, std::string> expected;
  std::vector<std::pair<uint32_t, std::string>> stack{{d.root(), ""}};
  while (!stack.empty()) {
    auto [id, at] = stack.back();
    stack.pop_back();
    expected[id] = at;
    const DocNode& n = d.node(id);
    if (n.kind != TypeKind::kRecord && n.kind != TypeKind::kList) continue;
    auto kids = d.children(n);
    for (uint32_t i = 0; i < kids.size(); ++i) {
      if (kids[i] == steward::kNoIndex) continue;
      std::string step = n.kind == TypeKind::kList
                             ? "[" + std::to_string(i) + "]"
                             : (at.empty() ? "" : ".") + n.type->fields[i].name;
      stack.emplace_back(kids[i], at + step);
    }
  }
  REQUIRE(expected.size() > 60);
  for (const auto& [id, at] : expected) CHECK(d.path(id) == at);
  CHECK(d.path(steward::kNoIndex).empty());
  // Spot checks, so that a reference and a path wrong alike still fail.
  CHECK(std::count_if(expected.begin(), expected.end(), [](const auto& e) {
          return e.second == "data.fields[11].category" || e.second == "data.disaggregation[1]";
        }) == 2);
}

TEST_CASE("hostile inputs are refused with a located error", "[document][hostile]") {
  auto [name, text, code] = GENERATE(table<std::string, std::string, std::string>({
      {"NUL byte", kHead + std::string("title: \"a\0b\"\n", 13) + kData, "input.control"},
      {"invalid UTF-8", kHead + "title: \"\xc3\x28\"\n" + kData, "input.utf8"},
      {"10,000-deep flow nesting", kHead + "risks: " + std::string(10000, '[') + std::string(10000, ']') + "\n" + kData, "input.limit"},
      {"100,000-deep flow nesting", std::string(100000, '{') + std::string(100000, '}'), "input.limit"},
      {"deep block nesting", [] {
         std::string s = "title:\n";
         for (int i = 1; i < 3000; ++i) s += std::string(i, ' ') + "- \n";
         return s;
       }(), "input.limit"},
      {"empty", "", "input.empty"},
      {"only a comment", "# nothing\n", "input.empty"},
      {"a scalar document", "just text\n", "input.type"},
      {"a list document", "- a\n- b\n", "input.type"},
      {"unclosed flow list", kHead + "risks: [a, b\n" + kData, "input.syntax"},
  }));
  INFO(name);
  auto r = load_document(dcf_pack(), text, "h.yaml");
  REQUIRE_FALSE(r.ok());
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors[0].code == code);
  if (code != "input.empty") CHECK(r.errors[0].line > 0);
}

TEST_CASE("a nonempty string of invisible characters is empty", "[document]") {
  for (std::string id : {"\"\u00a0\"", "\"\u200b\u2060\"", "\"\u3000 \\t\"", "\"\\u00a0\""}) {
    INFO(id);
    auto r = load_document(
        dcf_pack(), "format: steward/agreement/v2\nid: " + id + "\nkind: data_sharing\n" + kData,
        "blank.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors[0].code == "input.empty");
    CHECK(r.errors[0].line == 2);
  }
  CHECK(load_document(dcf_pack(),
                      "format: steward/agreement/v2\nid: \"\u00a0x\"\nkind: data_sharing\n" + kData,
                      "x.yaml")
            .ok());
}

TEST_CASE("a YAML alias bomb is refused, not expanded", "[document][hostile]") {
  std::string bomb =
      kHead + kData +
      "x0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ",*a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  bomb += "risks: *a9\n";
  auto r = load_document(dcf_pack(), bomb, "bomb.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors.size() <= LoadLimits{}.max_errors);
}

TEST_CASE("aliases of valid values are expanded within the value budget", "[document]") {
  std::string text = kHead + kData + "subjects_anchor: x\n";
  LoadLimits small;
  small.max_values = 50;
  std::string list = "risks: &r [";
  for (int i = 0; i < 30; ++i) list += (i ? ",\"r\"" : "\"r\"");
  list += "]\nbenefits: *r\n";
  auto r = load_document(dcf_pack(), kHead + kData + list, "alias.yaml", small);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.limit");
  auto ok = load_document(dcf_pack(), kHead + kData + list, "alias.yaml");
  CHECK(ok.ok());
}

TEST_CASE("a 50 MB document is refused by the size limit before parsing", "[document][hostile]") {
  std::string big = kHead + kData + "title: \"" + std::string(50u << 20, 'x') + "\"\n";
  auto r = load_document(dcf_pack(), big, "big.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.limit");
  namespace fs = std::filesystem;
  fs::path p = fs::temp_directory_path() / "steward_big_test.yaml";
  steward::testing::write_text(p, big);
  auto f = load_document_file(dcf_pack(), p);
  fs::remove(p);
  REQUIRE_FALSE(f.ok());
  CHECK(f.errors[0].code == "input.limit");
}

TEST_CASE("extremely long strings and keys are errors, not crashes", "[document][hostile]") {
  LoadLimits l;
  l.max_string_bytes = 1000;
  auto r = load_document(dcf_pack(), kHead + kData + "title: \"" + std::string(5000, 'y') + "\"\n",
                         "long.yaml", l);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.limit");
  auto k =
      load_document(dcf_pack(), kHead + kData + std::string(100000, 'k') + ": 1\n", "key.yaml");
  REQUIRE_FALSE(k.ok());
  CHECK(k.errors[0].line == 5);
  CHECK(k.errors[0].message.size() < 200);  // user input is clipped in messages
}

TEST_CASE("several input errors are reported together, in file order", "[document]") {
  auto r = load_document(dcf_pack(),
                         "format: steward/agreement/v2\nid: 7\nkind: nope\nfoo: 1\ndata: {level: "
                         "x, deidentification: none}\n",
                         "m.yaml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0].path == "id");
  CHECK(r.errors[1].path == "kind");
  CHECK(r.errors[2].path == "foo");
  CHECK(r.errors[3].path == "data.level");
  for (size_t i = 1; i < r.errors.size(); ++i) CHECK(r.errors[i - 1].line <= r.errors[i].line);
}

TEST_CASE("every limit, at every value, gives an input error and never a crash",
          "[document][hostile]") {
  // Found by the CLI limits test: a budget breached inside a record once read a missing id.
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(steward::testing::source_dir() +
                                              "/policies/dcf-5-4/examples/agreements")) {
    const std::string text = steward::testing::read_text(e.path());
    for (size_t budget = 0; budget < 200; budget += 7) {
      LoadLimits l;
      l.max_values = budget;
      auto r = load_document(dcf_pack(), text, "x.yaml", l);
      if (!r.ok()) CHECK(r.errors[0].code == "input.limit");
      LoadLimits d;
      d.max_depth = budget % 5;
      auto r2 = load_document(dcf_pack(), text, "x.yaml", d);
      if (!r2.ok()) CHECK(r2.errors[0].code == "input.limit");
      LoadLimits s;
      s.max_string_bytes = budget;
      auto r3 = load_document(dcf_pack(), text, "x.yaml", s);
      if (!r3.ok()) CHECK(r3.errors[0].code == "input.limit");
    }
  }
}

namespace {

// The value a document gives `data.suppression.threshold` (int) or
// `analytics.bias_monitoring.threshold` (number), or the first error's code.
std::string suppression_threshold(const std::string& literal) {
  auto r = load_document(dcf_pack(),
                         kHead +
                             "data: {level: aggregate, deidentification: none, suppression: "
                             "{threshold: " +
                             literal + "}}\n",
                         "n.yaml");
  if (!r.ok()) return r.errors[0].code;
  const Document& d = *r.document;
  const DocNode& data = d.node(d.children(d.node(d.root()))[dcf_pack().root->find_field("data")]);
  const DocNode& sup = d.node(d.children(data)[data.type->find_field("suppression")]);
  return std::to_string(d.node(d.children(sup)[0]).i);
}

std::string bias_threshold(const std::string& literal) {
  auto r = load_document(
      dcf_pack(), kHead + kData + "analytics: {bias_monitoring: {threshold: " + literal + "}}\n",
      "n.yaml");
  if (!r.ok()) return r.errors[0].code;
  const Document& d = *r.document;
  const DocNode& an =
      d.node(d.children(d.node(d.root()))[dcf_pack().root->find_field("analytics")]);
  const DocNode& bm = d.node(d.children(an)[an.type->find_field("bias_monitoring")]);
  const DocNode& t = d.node(d.children(bm)[bm.type->find_field("threshold")]);
  return fmt::format("{}", t.d);
}

}  // namespace

TEST_CASE("integers are YAML 1.2 core integers", "[document][numbers]") {
  // Found by the v2 review: `011` was read as octal nine and `08` was "out of range".
  CHECK(suppression_threshold("011") == "11");
  CHECK(suppression_threshold("08") == "8");
  CHECK(suppression_threshold("+12") == "12");
  CHECK(suppression_threshold("0o17") == "15");
  CHECK(suppression_threshold("0x1F") == "31");
  CHECK(suppression_threshold("9223372036854775807") == "9223372036854775807");
  CHECK(suppression_threshold("9223372036854775808") == "input.range");
  CHECK(suppression_threshold("0xZZ") == "input.type");  // a string in the core schema
  CHECK(suppression_threshold("0o9") == "input.type");
  CHECK(suppression_threshold("1_000") == "input.type");
  CHECK(suppression_threshold("1.5") == "input.type");
}

TEST_CASE("numbers are finite YAML 1.2 core numbers, never a silent zero", "[document][numbers]") {
  // Found by the fail-closed review: `.inf`, `.nan`, `0o777` and `0xZZ` were all read as 0.
  CHECK(bias_threshold("0.25") == "0.25");
  CHECK(bias_threshold("0o777") == "511");
  CHECK(bias_threshold("0x10") == "16");
  CHECK(bias_threshold("1e3") == "1000");
  CHECK(bias_threshold(".5") == "0.5");
  CHECK(bias_threshold(".inf") == "input.range");
  CHECK(bias_threshold("-.Inf") == "input.range");
  CHECK(bias_threshold(".nan") == "input.range");
  CHECK(bias_threshold("1e999") == "input.range");
  CHECK(bias_threshold("0xZZ") == "input.type");
  CHECK(bias_threshold("inf") == "input.type");
  CHECK(bias_threshold("nan") == "input.type");
  CHECK(bias_threshold("0x1p3") == "input.type");
}

TEST_CASE("control characters written as escapes are refused where they are",
          "[document][hostile]") {
  // Found by the fail-closed review: `"\e[2K"` in an id reached the terminal raw.
  auto [name, text, line] = GENERATE(table<std::string, std::string, uint32_t>({
      {"YAML \\e", "format: steward/agreement/v2\nid: \"A\\e[2K\"\nkind: data_sharing\n", 2},
      {"YAML \\0", "format: steward/agreement/v2\nid: T\ntitle: \"a\\0b\"\n", 3},
      {"YAML \\r", "format: steward/agreement/v2\nid: T\ntitle: \"DENY\\rALLOW\"\n", 3},
      {"YAML \\x85 (C1)", "format: steward/agreement/v2\nid: T\ntitle: \"a\\x85\"\n", 3},
      {"YAML bidi escape", "format: steward/agreement/v2\nid: T\ntitle: \"a\\u202Eb\"\n", 3},
      {"JSON \\u001b", "{\"format\": \"steward/agreement/v2\",\n \"id\": \"\\u001b[1A\"}", 2},
      {"JSON key \\u0007", "{\"format\": \"steward/agreement/v2\",\n\n \"a\\u0007\": 1}", 3},
      {"raw C1 character",
       "format: steward/agreement/v2\nid: T\ntitle: a\xc2\x9b"
       "b\n",
       3},
      {"raw bidi override",
       "format: steward/agreement/v2\nid: T\ntitle: a\xe2\x80\xae"
       "b\n",
       3},
  }));
  INFO(name);
  auto r = load_document(dcf_pack(), text, "c.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.control");
  CHECK(r.errors[0].line == line);
  CHECK(r.errors[0].column > 0);
}

TEST_CASE("a carriage return written raw in a string never reaches a value",
          "[document][hostile]") {
  // The text check lets carriage returns through (CRLF line ends) and the value check runs only
  // when the text holds a backslash or a carriage return: whatever the parser makes of a raw
  // one inside quotes, it is refused or gone.
  const std::string text = "{\"format\": \"steward/agreement/v2\",\n \"id\": \"a\rb\"}";
  for (const char* name : {"c.json", "c.yaml", "c"}) {
    INFO(name);
    auto r = load_document(dcf_pack(), text, name, LoadLimits{}, format_for(name));
    for (const InputError& e : r.errors) CHECK(e.message.find('\r') == std::string::npos);
    if (r.ok()) CHECK(r.document->id().find('\r') == std::string::npos);
    auto with_key = load_document(dcf_pack(), kHead + "title: \"a\rb\"\n" + kData, name);
    if (with_key.ok()) {
      const Document& d = *with_key.document;
      for (size_t i = 0; i < d.node_count(); ++i) {
        const DocNode& n = d.node(static_cast<uint32_t>(i));
        if (n.kind == TypeKind::kString) CHECK(d.string(n).find('\r') == std::string_view::npos);
      }
    }
  }
}

TEST_CASE("text that must be JSON is JSON, never YAML", "[document][json]") {
  // Found by the fail-closed review: `.json` files took comments, trailing commas and single
  // quotes by falling back to the YAML parser.
  const std::string good = "{\"format\": \"steward/agreement/v2\", \"id\": \"J\"}";
  auto [name, text, line] = GENERATE(table<std::string, std::string, uint32_t>({
      {"comment", "{\"format\": \"steward/agreement/v2\",\n # c\n \"id\": \"J\"}", 2},
      {"trailing comma", "{\"format\": \"steward/agreement/v2\",\n \"id\": \"J\",\n}", 3},
      {"single quotes", "{\"format\": \"steward/agreement/v2\",\n 'id': 'J'}", 2},
      {"unquoted key", "{format: \"steward/agreement/v2\"}", 1},
      {"leading zero", "{\"format\": \"steward/agreement/v2\", \"id\": 011}", 1},
      {"YAML document", "format: steward/agreement/v2\nid: J\n", 1},
  }));
  INFO(name);
  auto r = load_document(dcf_pack(), text, "a.json", {}, DocumentFormat::kJson);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.syntax");
  CHECK(r.errors[0].line == line);
  // The same text as YAML (or of unknown format) goes on to validation instead.
  auto as_yaml = load_document(dcf_pack(), text, "a.yaml", {}, DocumentFormat::kAuto);
  if (!as_yaml.ok()) CHECK(as_yaml.errors[0].code != "input.syntax");
  // Valid JSON is unaffected, and too deep JSON is the depth limit, located.
  auto ok = load_document(dcf_pack(), good, "a.json", {}, DocumentFormat::kJson);
  if (!ok.ok()) CHECK(ok.errors[0].code == "input.missing-key");
  auto deep =
      load_document(dcf_pack(), "{\"a\":\n" + std::string(100, '[') + std::string(100, ']') + "}",
                    "d.json", {}, DocumentFormat::kJson);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.errors[0].code == "input.limit");
  CHECK(deep.errors[0].line == 2);
  CHECK(format_for("x/A.JSON") == DocumentFormat::kJson);
  CHECK(format_for("a.Yml") == DocumentFormat::kYaml);
  CHECK(format_for("a.txt") == DocumentFormat::kAuto);
}

TEST_CASE("a mapping with many keys loads in linear time and has a key limit",
          "[document][hostile]") {
  // Found by the fail-closed review: 80,000 keys in one mapping took 20-44 s (a pairwise
  // duplicate check).
  std::string many = kHead + kData + "analytics:\n";
  for (int i = 0; i < 9000; ++i) many += "  k" + std::to_string(i) + ": 1\n";
  auto r = load_document(dcf_pack(), many, "many.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.unknown-key");
  CHECK(r.errors.size() == LoadLimits{}.max_errors);
  std::string dup = kHead + kData + "analytics:\n";
  for (int i = 0; i < 100; ++i)
    dup += "  predictive" + std::string(i == 99 ? "" : std::to_string(i)) + ": true\n";
  dup += "  predictive: false\n";
  LoadLimits l;
  l.max_errors = 1000;
  auto d = load_document(dcf_pack(), dup, "dup.yaml", l);
  REQUIRE_FALSE(d.ok());
  CHECK(std::any_of(d.errors.begin(), d.errors.end(),
                    [](const InputError& e) { return e.code == "input.duplicate-key"; }));
  std::string huge = kHead + kData + "analytics: {";
  for (int i = 0; i < 20000; ++i) huge += (i ? ", k" : "k") + std::to_string(i) + ": 1";
  huge += "}\n";
  auto h = load_document(dcf_pack(), huge, "huge.yaml");
  REQUIRE_FALSE(h.ok());
  CHECK(h.errors[0].code == "input.limit");
  CHECK(h.errors[0].line == 5);
}

TEST_CASE("only regular files are read", "[document][hostile]") {
  // Found by the fail-closed review: a FIFO blocked `eval` forever.
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "steward_fifo_test";
  fs::create_directories(dir);
  fs::path fifo = dir / "pipe.yaml";
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto f = load_document_file(dcf_pack(), fifo);
  REQUIRE_FALSE(f.ok());
  CHECK(f.errors[0].code == "input.read");
  auto d = load_document_file(dcf_pack(), dir);
  REQUIRE_FALSE(d.ok());
  CHECK(d.errors[0].code == "input.read");
  auto missing = load_document_file(dcf_pack(), dir / "none.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors[0].code == "input.read");
  fs::remove_all(dir);
}

TEST_CASE("a document in a retired format gets one input.format error that says what changed",
          "[document][formats]") {
  const std::string policy = R"(
enum Format { "example/v2" }
document Doc { format: Format, id: string, basis: string }
clause c { title: "C" }
rule r { clause: c, outcome: deny, when: empty(basis), message: "m" }
)";
  const std::string manifest =
      "formats:\n  field: format\n  retired:\n    example/v1: \"`mandate` became `basis`; see "
      "docs/upgrade.md\"\n";
  auto res = compile(steward::testing::pack_of(policy, manifest));
  INFO(render(res.diagnostics, *res.sources));
  REQUIRE(res.ok());
  // v1, in YAML and in JSON: one error at the format's value, however many keys moved.
  for (const std::string& text : {std::string("id: a\nformat: example/v1\nmandate: x\nmore: 1\n"),
                                  std::string("{\"id\": \"a\",\n \"format\": \"example/v1\"}")}) {
    auto r = load_document(*res.pack, text, "a.yaml");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == "input.format");
    CHECK(r.errors[0].line == 2);
    CHECK(r.errors[0].message ==
          "`example/v1` is retired: `mandate` became `basis`; see docs/upgrade.md");
  }
  // The current format loads; an unknown one is the schema's ordinary error.
  CHECK(load_document(*res.pack, "format: example/v2\nid: a\nbasis: b\n", "b.yaml").ok());
  auto other = load_document(*res.pack, "format: example/v3\nid: a\nbasis: b\n", "c.yaml");
  REQUIRE_FALSE(other.ok());
  CHECK(other.errors[0].code != "input.format");
  // The manifest's formats entry is checked against the schema.
  for (const auto& [bad, expected] : std::vector<std::pair<std::string, std::string>>{
           {"formats:\n  field: basiss\n  retired: {a: b}\n", "is not a required string or enum"},
           {"formats:\n  field: format\n  retired:\n    example/v2: x\n",
            "`example/v2` is retired but still a member of enum `Format`"},
           {"formats:\n  field: format\n  retired:\n    example/v1: \" \"\n",
            "retired format `example/v1` needs a message"},
           {"formats:\n  field: format\n", "`formats.retired` must map each retired format"}}) {
    INFO(bad);
    auto r = compile(steward::testing::pack_of(policy, bad));
    CHECK_FALSE(r.ok());
    CHECK_THAT(render(r.diagnostics, *r.sources), Catch::Contains(expected));
  }
}

TEST_CASE("YAML escapes that lengthen a value past the text's own size are read whole",
          "[document]") {
  // `\L` (two bytes) is U+2028 (three): the reader's buffer, sized from the text, must grow.
  std::string escapes, expected;
  for (int i = 0; i < 300; ++i) {
    escapes += "\\L";
    expected += "\xe2\x80\xa8";
  }
  auto r = load_document(dcf_pack(), kHead + kData + "title: \"" + escapes + "\"\n", "a.yaml");
  REQUIRE(r.ok());
  const Document& d = *r.document;
  const uint32_t t = d.children(d.node(d.root()))[dcf_pack().root->find_field("title")];
  CHECK(d.string(d.node(t)) == expected);
  CHECK(d.id() == "T-1");
}
