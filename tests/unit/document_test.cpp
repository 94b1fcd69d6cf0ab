// Tests for document.h: hostile and malformed input always gets a located error, never a decision.
#include "steward/document.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;

namespace {

const CompiledPack& dcf() {
  static CompileResult res = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  REQUIRE(res.ok());
  return *res.pack;
}

const std::string kHead = "format: steward/agreement/v1\nid: T-1\nkind: data_sharing\n";
const std::string kData = "data: {level: client, deidentification: none}\n";

}  // namespace

TEST_CASE("a valid document loads with locations for its values", "[document]") {
  auto r = load_document(dcf(), kHead + kData + "title: \"x\"\n", "a.yaml");
  REQUIRE(r.ok());
  const Document& d = *r.document;
  CHECK(d.id() == "T-1");
  const DocNode& root = d.node(d.root());
  int title = dcf().root->find_field("title");
  uint32_t t = d.children(root)[title];
  CHECK(d.string(d.node(t)) == "x");
  CHECK(d.node(t).line == 5);
  CHECK(d.path(t) == "title");
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
  auto r = load_document(dcf(), text, "h.yaml");
  REQUIRE_FALSE(r.ok());
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors[0].code == code);
  if (code != "input.empty") CHECK(r.errors[0].line > 0);
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
  auto r = load_document(dcf(), bomb, "bomb.yaml");
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
  auto r = load_document(dcf(), kHead + kData + list, "alias.yaml", small);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.limit");
  auto ok = load_document(dcf(), kHead + kData + list, "alias.yaml");
  CHECK(ok.ok());
}

TEST_CASE("a 50 MB document is refused by the size limit before parsing", "[document][hostile]") {
  std::string big = kHead + kData + "title: \"" + std::string(50u << 20, 'x') + "\"\n";
  auto r = load_document(dcf(), big, "big.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.limit");
  namespace fs = std::filesystem;
  fs::path p = fs::temp_directory_path() / "steward_big_test.yaml";
  steward::testing::write_text(p, big);
  auto f = load_document_file(dcf(), p);
  fs::remove(p);
  REQUIRE_FALSE(f.ok());
  CHECK(f.errors[0].code == "input.limit");
}

TEST_CASE("extremely long strings and keys are errors, not crashes", "[document][hostile]") {
  LoadLimits l;
  l.max_string_bytes = 1000;
  auto r = load_document(dcf(), kHead + kData + "title: \"" + std::string(5000, 'y') + "\"\n",
                         "long.yaml", l);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].code == "input.limit");
  auto k = load_document(dcf(), kHead + kData + std::string(100000, 'k') + ": 1\n", "key.yaml");
  REQUIRE_FALSE(k.ok());
  CHECK(k.errors[0].line == 5);
  CHECK(k.errors[0].message.size() < 200);  // user input is clipped in messages
}

TEST_CASE("several input errors are reported together, in file order", "[document]") {
  auto r = load_document(dcf(),
                         "format: steward/agreement/v1\nid: 7\nkind: nope\nfoo: 1\ndata: {level: "
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
      auto r = load_document(dcf(), text, "x.yaml", l);
      if (!r.ok()) CHECK(r.errors[0].code == "input.limit");
      LoadLimits d;
      d.max_depth = budget % 5;
      auto r2 = load_document(dcf(), text, "x.yaml", d);
      if (!r2.ok()) CHECK(r2.errors[0].code == "input.limit");
      LoadLimits s;
      s.max_string_bytes = budget;
      auto r3 = load_document(dcf(), text, "x.yaml", s);
      if (!r3.ok()) CHECK(r3.errors[0].code == "input.limit");
    }
  }
}
