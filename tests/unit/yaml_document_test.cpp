// Tests for document.h's YAML fast path: a plain YAML agreement goes straight from libyaml's
// events to its document (load_document_fast), and every YAML text loads to the same result,
// errors and document (document_difference) as through the general reader and validator.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "case_corpus.h"
#include "steward/compiler.h"
#include "steward/document.h"
#include "test_support.h"

using namespace steward;

namespace {

using steward::testing::dcf_pack;

std::vector<std::filesystem::path> yaml_examples() {
  return steward::testing::files_in("policies/dcf-5-4/examples/agreements");
}

// load_document, load_document_general and load_document_fast on one text: the first two give
// the same result; the fast path's document, when it builds one, is the general path's. Returns
// whether the fast path built it.
bool fast_and_same(const std::string& text, const LoadLimits& limits = {},
                   DocumentFormat format = DocumentFormat::kAuto) {
  LoadResult loaded = load_document(dcf_pack(), text, "a.yaml", limits, format);
  LoadResult general = load_document_general(dcf_pack(), text, "a.yaml", limits, format);
  std::shared_ptr<const Document> fast =
      load_document_fast(dcf_pack(), text, "a.yaml", limits, format);
  INFO(text.substr(0, 600));
  REQUIRE(loaded.ok() == general.ok());
  CHECK(steward::testing::error_list(loaded) == steward::testing::error_list(general));
  if (loaded.ok()) CHECK(document_difference(*loaded.document, *general.document).empty());
  if (fast) {
    // Never a document where the general path reports an error.
    REQUIRE(general.ok());
    CHECK(document_difference(*fast, *general.document).empty());
  }
  return fast != nullptr;
}

// `text` with the first `from` replaced by `to`.
std::string with(const std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  std::string out = text;
  out.replace(at, from.size(), to);
  return out;
}

}  // namespace

TEST_CASE("the YAML fast path builds the general path's document for every example",
          "[document][yaml]") {
  const auto files = yaml_examples();
  REQUIRE(files.size() >= 30);
  for (const auto& f : files) {
    INFO(f.filename().string());
    const std::string text = steward::testing::read_text(f);
    // The one example written with anchors and aliases is the general path's.
    const bool plain = f.filename().string().find("anchors") == std::string::npos;
    CHECK(fast_and_same(text) == plain);
    CHECK(fast_and_same(text, {}, DocumentFormat::kYaml) == plain);
    // Markers and a comment at the end: positions move; the paths agree.
    CHECK(fast_and_same("---\n" + text + "...\n") == plain);
    CHECK(fast_and_same("%YAML 1.2\n---\n" + text + "# the end\n") == plain);
  }
}

TEST_CASE("every change to a valid YAML agreement gets the general path's result",
          "[document][yaml]") {
  const std::string base = steward::testing::read_text(yaml_examples()[0]);
  REQUIRE(fast_and_same(base));
  // Texts the fast path reads whole.
  const std::vector<std::pair<std::string, std::string>> taken = {
      {"flow mapping", with(base, "term:\n  start: 2026-03-01\n  end: 2027-02-28",
                            "term: {start: 2026-03-01, end: 2027-02-28}")},
      {"block list", with(base, "risks: [\"Re-identification of small groups\"]",
                          "risks:\n  - Re-identification of small groups")},
      {"literal block", with(base,
                             "summary_of_terms: \"Recipient may use the data only for the "
                             "evaluation\"",
                             "summary_of_terms: |\n  Recipient may use the data\n  only for it\n")},
      {"folded block", with(base,
                            "summary_of_terms: \"Recipient may use the data only for the "
                            "evaluation\"",
                            "summary_of_terms: >-\n  Recipient may use\n  the data\n")},
      {"quoted key", with(base, "title:", "'title':")},
      {"double-quoted key", with(base, "title:", "\"title\":")},
      {"null optional",
       with(base, "request_reference: \"R004512-020326\"", "request_reference: ~")},
      {"empty optional", with(base, "request_reference: \"R004512-020326\"", "request_reference:")},
      {"keys out of order", with(base,
                                 "id: DSA-EX-01\ntitle: \"Evaluation of in-home family "
                                 "support outcomes\"",
                                 "title: \"Evaluation of in-home family support outcomes\"\nid: "
                                 "DSA-EX-01")},
      {"integer forms", with(base, "within_hours: 24", "within_hours: 0x18")},
      {"octal form", with(base, "within_hours: 24", "within_hours: 0o30")},
      // YAML 1.2 reads a leading zero as decimal: eleven (issue 15's probe).
      {"leading zero", with(base, "within_hours: 24", "within_hours: 011")},
      {"empty list", with(base, "risks: [\"Re-identification of small groups\"]", "risks: []")},
      {"blank optional string",
       with(base, "Evaluation of in-home family support outcomes", " \u00a0 ")},
      {"plain string with spaces", with(base,
                                        "title: \"Evaluation of in-home family support "
                                        "outcomes\"",
                                        "title: Evaluation of in-home family support outcomes")},
      {"no-break space inside", with(base, "Evaluation of", "Evaluation\u00a0of")},
  };
  for (const auto& [name, text] : taken) {
    INFO(name);
    CHECK(fast_and_same(text));
  }
  // Texts it hands to the general path: errors, and what only the general path reads.
  const std::vector<std::pair<std::string, std::string>> handed = {
      {"anchor and alias",
       with(with(base, "role: provider", "role: &r provider"), "role: recipient", "role: *r")},
      {"alias only", with(base, "external: true", "external: *nothing")},
      {"anchor alone", with(base, "external: true", "external: &e true")},
      {"anchored mapping", with(base, "term:\n", "term: &t\n")},
      {"tag", with(base, "title: \"", "title: !!str \"")},
      {"local tag", with(base, "title: \"", "title: !x \"")},
      {"tagged mapping", with(base, "term:\n", "term: !!map\n")},
      {"second document", base + "---\nid: x\n"},
      {"empty second document", base + "---\n"},
      {"trailing garbage", base + "]\n"},
      {"duplicate key", with(base, "kind: data_sharing", "kind: data_sharing\nkind: data_sharing")},
      {"unknown key", with(base, "kind: data_sharing", "kind: data_sharing\ncolour: red")},
      {"unknown nested key", with(base, "  start: 2026-03-01", "  start: 2026-03-01\n  x: 1")},
      {"merge key", with(base, "term:\n", "term:\n  <<: {}\n")},
      {"list key", with(base, "kind: data_sharing", "kind: data_sharing\n? [a]\n: b")},
      {"null required", with(base, "kind: data_sharing", "kind: null")},
      {"missing required", with(base, "kind: data_sharing\n", "")},
      {"null required nested", with(base, "within_hours: 24", "within_hours: ~")},
      {"number for a string", with(base, "id: DSA-EX-01", "id: 7")},
      {"quoted bool", with(base, "external: false", "external: \"false\"")},
      {"yaml 1.1 bool", with(base, "external: false", "external: no")},
      {"string for an integer", with(base, "within_hours: 24", "within_hours: \"24\"")},
      {"not finite", with(base, "within_hours: 24", "within_hours: .inf")},
      {"list for a record",
       with(base, "term:\n  start: 2026-03-01\n  end: 2027-02-28", "term: []")},
      {"record for a list",
       with(base, "risks: [\"Re-identification of small groups\"]", "risks: {}")},
      {"scalar for a list",
       with(base, "risks: [\"Re-identification of small groups\"]", "risks: x")},
      {"null list item",
       with(base, "risks: [\"Re-identification of small groups\"]", "risks: [\"a\", ~]")},
      {"blank nonempty string", with(base, "id: DSA-EX-01", "id: \" \u00a0 \"")},
      {"unknown enum member", with(base, "kind: data_sharing", "kind: data_sharin")},
      {"bad date", with(base, "end: 2027-02-28", "end: 2027-02-30")},
      {"retired format", with(base, "steward/agreement/v2", "steward/agreement/v1")},
      {"stated observations", with(base, "kind: data_sharing", "kind: data_sharing\nobserved: []")},
      {"escape", with(base, "Evaluation of", "Evaluation\\tof")},
      {"escaped control", with(base, "Evaluation of", "Evaluation\\eof")},
      {"carriage returns",
       [&] {
         std::string crlf;
         for (char c : base) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
         return crlf;
       }()},
      {"top-level list", "- " + with(base, "\n", "\n  ")},
      {"top-level scalar", "just text\n"},
      {"comment only", "# nothing\n"},
      {"syntax error", with(base, "term:\n  start", "term:\n start:\n  start")},
      {"tab indentation", with(base, "  start: 2026-03-01", "\tstart: 2026-03-01")},
  };
  for (const auto& [name, text] : handed) {
    INFO(name);
    CHECK_FALSE(fast_and_same(text));
  }
  // A few of them the general path loads: the fast path gave up on reading, not on the
  // agreement.
  CHECK(load_document(dcf_pack(), handed[0].second, "a.yaml").ok());
  CHECK(load_document(dcf_pack(), handed[2].second, "a.yaml").ok());
  CHECK(load_document(dcf_pack(), with(base, "Evaluation of", "Evaluation\\tof"), "a.yaml").ok());
}

TEST_CASE("the YAML fast path stops at every limit where the general path does",
          "[document][yaml][hostile]") {
  const std::string text = steward::testing::read_text(yaml_examples()[0]);
  for (size_t n : {0, 1, 2, 3, 4, 5, 8, 16, 40, 100, 400}) {
    INFO(n);
    for (size_t LoadLimits::*limit : {&LoadLimits::max_keys, &LoadLimits::max_values,
                                      &LoadLimits::max_depth, &LoadLimits::max_string_bytes}) {
      LoadLimits limits;
      limits.*limit = n;
      fast_and_same(text, limits);
    }
  }
  // Just at and just below what the example needs, the fast path reads it or gives up.
  LoadLimits depth;
  depth.max_depth = 4;  // the root, data, data.fields, data.fields[0]
  CHECK(fast_and_same(text, depth));
  depth.max_depth = 3;
  CHECK_FALSE(fast_and_same(text, depth));
}

TEST_CASE("every agreement of the DCF pack's tests loads the same both ways", "[document][yaml]") {
  size_t cases = 0, fast = 0;
  for (const auto& pc : steward::testing::load_corpus()) {
    for (const auto& t : pc.tests) {
      if (pc.pack != "policies/dcf-5-4") continue;
      INFO(t.file << ":" << t.line << " " << t.name);
      ++cases;
      fast += fast_and_same(t.agreement) ? 1 : 0;
    }
  }
  // Most of the corpus is valid plain agreements, which the fast path reads whole.
  CHECK(cases > 100);
  CHECK(fast > cases / 2);
}

TEST_CASE("every example written out again by another YAML emitter loads the same both ways",
          "[document][yaml]") {
  // yaml-cpp writes the same content in layouts no example uses: flow collections, wider
  // indentation, and every scalar quoted or a literal block (then booleans, numbers and dates
  // are strings: errors, which the fast path hands over).
  struct Style {
    const char* name;
    bool read_whole;
    void (*set)(YAML::Emitter&);
  };
  const Style styles[] = {
      {"block", true, [](YAML::Emitter&) {}},
      {"indent 4", true, [](YAML::Emitter& e) { e.SetIndent(4); }},
      {"flow", true,
       [](YAML::Emitter& e) {
         e.SetMapFormat(YAML::Flow);
         e.SetSeqFormat(YAML::Flow);
       }},
      {"flow lists", true, [](YAML::Emitter& e) { e.SetSeqFormat(YAML::Flow); }},
      {"double-quoted", false, [](YAML::Emitter& e) { e.SetStringFormat(YAML::DoubleQuoted); }},
      {"single-quoted", false, [](YAML::Emitter& e) { e.SetStringFormat(YAML::SingleQuoted); }},
      {"literal", false, [](YAML::Emitter& e) { e.SetStringFormat(YAML::Literal); }},
  };
  for (const auto& f : yaml_examples()) {
    const YAML::Node node = YAML::LoadFile(f.string());
    // yaml-cpp writes the anchors example's anchors and aliases again.
    const bool plain = f.filename().string().find("anchors") == std::string::npos;
    for (const Style& style : styles) {
      YAML::Emitter out;
      style.set(out);
      out << node;
      REQUIRE(out.good());
      const std::string text = std::string(out.c_str()) + "\n";
      INFO(f.filename().string() << " " << style.name);
      CHECK(fast_and_same(text, {}, DocumentFormat::kYaml) == (plain && style.read_whole));
      fast_and_same(text);
    }
  }
}
