// Tests for format.h: the golden layout, idempotence over every .policy file, and safety.
#include "steward/format.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "steward/parser.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

TEST_CASE("the formatter lays out a careless module canonically, keeping comments", "[format]") {
  const std::string dir = steward::testing::source_dir() + "/tests/golden/fmt/";
  FormatResult r = format_policy("messy.policy", steward::testing::read_text(dir + "messy.policy"));
  REQUIRE(r.ok);
  if (std::getenv("STEWARD_UPDATE_GOLDEN"))
    steward::testing::write_text(dir + "messy.expected", r.text);
  CHECK(r.text == steward::testing::read_text(dir + "messy.expected"));
  CHECK(r.text.find("// why this matters") != std::string::npos);
  CHECK(r.text.find("/* block */") != std::string::npos);
}

TEST_CASE("formatting is idempotent and keeps the AST, for every .policy file in the repository",
          "[format]") {
  size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(steward::testing::source_dir());
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string p = it->path().string();
    if (it->is_directory() && (it->path().filename() == "node_modules" ||
                               it->path().filename().string().rfind("build", 0) == 0 ||
                               it->path().filename() == ".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().extension() != ".policy") continue;
    const std::string text = steward::testing::read_text(p);
    FormatResult once = format_policy(p, text);
    if (!once.ok) continue;  // golden files with deliberate syntax errors
    FormatResult twice = format_policy(p, once.text);
    INFO(p);
    REQUIRE(twice.ok);
    CHECK(twice.text == once.text);
    SourceMap sm;
    Diagnostics d1, d2;
    CHECK(ast::dump(parse_module(sm, sm.add("a", text), d1)) ==
          ast::dump(parse_module(sm, sm.add("b", once.text), d2)));
    ++n;
  }
  CHECK(n >= 10);
}

TEST_CASE("a file that opens with a byte order mark keeps it, and only it", "[format]") {
  const std::string bom = "\xEF\xBB\xBF";
  FormatResult r = format_policy("bom.policy", bom + "reviewer   r\nlet  big = 1 >  0\n");
  REQUIRE(r.ok);
  CHECK(r.text.substr(0, 3) == bom);
  CHECK(r.text.substr(3, 3) != bom);
  FormatResult plain = format_policy("plain.policy", r.text.substr(3));
  REQUIRE(plain.ok);
  CHECK(r.text == bom + plain.text);  // the same layout, the mark in front
  FormatResult again = format_policy("bom.policy", r.text);
  REQUIRE(again.ok);
  CHECK(again.text == r.text);
  // Without a mark, none is added.
  CHECK(plain.text.substr(0, 3) != bom);
}

TEST_CASE("a file that does not parse is left as it is", "[format]") {
  FormatResult r = format_policy("bad.policy", "rule r { when a }\n");
  CHECK_FALSE(r.ok);
  CHECK(r.text == "rule r { when a }\n");
  CHECK(r.diagnostics.has_errors());
}
