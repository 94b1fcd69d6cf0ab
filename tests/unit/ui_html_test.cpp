// Tests for ui_html.h: what the staff pages do with bytes from agreements, reviewers and the
// archive.
#include "ui_html.h"

#include <catch2/catch.hpp>

using steward::cli::ui::escape;

TEST_CASE("escape keeps text, and turns markup, controls and bidi into inert text", "[ui]") {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"plain text, ünïcödé, 🙂", "plain text, ünïcödé, 🙂"},
      {"<script>alert('x')</script>", "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"},
      {"a \"quoted\" & b", "a &quot;quoted&quot; &amp; b"},
      {"line\nnext\ttab", "line\nnext\ttab"},
      {"esc\x1b[2Kred", "esc\\x1b[2Kred"},
      {std::string("nul\0byte", 8), "nul\\x00byte"},
      {"cr\rhere\x7f", "cr\\x0dhere\\x7f"},
      {"bad \xff\xfe utf-8", "bad \xEF\xBF\xBD\xEF\xBF\xBD utf-8"},
      {"overlong \xc0\xaf", "overlong \xEF\xBF\xBD\xEF\xBF\xBD"},
      {"surrogate \xed\xa0\x80", "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"cut \xe2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD"},
      {"rlo \xe2\x80\xae"
       "evil",
       "rlo \\u{202e}evil"},
      {"isolate \xe2\x81\xa6x", "isolate \\u{2066}x"},
      {"c1 \xc2\x9b"
       "31m",
       "c1 \\u{009b}31m"},
      {"", ""},
  };
  for (const Case& c : cases) {
    INFO(c.in);
    CHECK(escape(c.in) == c.out);
  }
}

TEST_CASE("the agreement text has a numbered, addressable line for each line, marked ones marked",
          "[ui]") {
  const std::string html =
      steward::cli::ui::agreement_section("id: <x>\r\nlevel: client\nlast", {2});
  CHECK(html.find(R"(id="L1")") != std::string::npos);
  CHECK(html.find("id: &lt;x&gt;</span>") != std::string::npos);  // the CR is not shown
  CHECK(html.find(R"(<span class="line hit" id="L2">)") != std::string::npos);
  CHECK(html.find("<mark>level: client</mark>") != std::string::npos);
  CHECK(html.find(R"(<span class="line" id="L3">)") != std::string::npos);
  CHECK(html.find(R"(id="L4")") == std::string::npos);
  CHECK(steward::cli::ui::agreement_section("", {}).find(R"(id="L1")") != std::string::npos);
}

TEST_CASE("times, ages and the lines reasons point at", "[ui]") {
  using namespace steward::cli::ui;
  CHECK(epoch_seconds("1970-01-02T00:00:01.250Z") == 86401);
  CHECK(epoch_seconds("2026-12-03") == -1);
  CHECK(epoch_seconds("2026-12-03Tab:00:00Z") == -1);
  CHECK(when("2026-12-03T01:44:09.120Z") == "2026-12-03 01:44 UTC");
  CHECK(age(40) == "40 s");
  CHECK(age(3 * 3600 + 125) == "3 h 2 min");
  CHECK(age(2 * 86400 + 7200) == "2 d 2 h");
  CHECK(age(-5) == "0 s");
  const auto doc = nlohmann::json::parse(
      R"({"reasons":[{"evidence":[{"line":9},{"line":3}]},{"evidence":[{"line":9},{"path":"x"}]},
          {"evidence":"not a list"},"not a reason"]})");
  CHECK(evidence_lines(doc) == std::vector<uint32_t>{3, 9});
  CHECK(evidence_lines(nlohmann::json::parse("[1]")).empty());
}
