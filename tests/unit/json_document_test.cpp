// Tests for document.h's JSON fast path: every JSON text loads to the same result, errors and
// document (document_difference) as through the general reader and validator.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "case_corpus.h"
#include "steward/compiler.h"
#include "steward/document.h"
#include "steward/evaluator.h"
#include "steward/scalar.h"
#include "test_support.h"

using namespace steward;
using nlohmann::json;

namespace {

using steward::testing::dcf_pack;

std::vector<std::filesystem::path> json_examples() {
  return steward::testing::files_in("bench/json");
}

// Both paths, compared; returns whether the text loaded.
bool same_both_ways(const std::string& text, const LoadLimits& limits = {},
                    DocumentFormat format = DocumentFormat::kAuto) {
  LoadResult fast = load_document(dcf_pack(), text, "a.json", limits, format);
  LoadResult general = load_document_general(dcf_pack(), text, "a.json", limits, format);
  INFO(text.substr(0, 400));
  REQUIRE(fast.ok() == general.ok());
  CHECK(steward::testing::error_list(fast) == steward::testing::error_list(general));
  if (fast.ok()) CHECK(document_difference(*fast.document, *general.document).empty());
  return fast.ok();
}

// A YAML agreement as JSON, near enough to give the fast path every shape the case corpus has:
// quoted scalars are strings, plain ones booleans, nulls or numbers where YAML reads them so
// (and JSON can write them), else strings.
json to_json_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = to_json_value(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : n) out.push_back(to_json_value(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string text = n.Scalar();
      if (n.Tag() == "!") return text;
      switch (resolve_core_scalar(text)) {
        case ScalarKind::kNull:
          return nullptr;
        case ScalarKind::kBool:
          return text[0] == 't' || text[0] == 'T';
        case ScalarKind::kInt:
        case ScalarKind::kFloat: {
          json number = json::parse(text, nullptr, false);
          return number.is_number() ? number : json(text);
        }
        default:
          return text;
      }
    }
    default:
      return nullptr;
  }
}

}  // namespace

TEST_CASE("the JSON fast path builds the general path's document for every example",
          "[document][json]") {
  const auto files = json_examples();
  REQUIRE(files.size() >= 30);
  for (const auto& f : files) {
    INFO(f.filename().string());
    CHECK(same_both_ways(steward::testing::read_text(f)));
    CHECK(same_both_ways(steward::testing::read_text(f), {}, DocumentFormat::kJson));
    // Written on one line and with other spacing, positions move; the paths still agree.
    CHECK(same_both_ways(json::parse(steward::testing::read_text(f)).dump()));
    CHECK(same_both_ways(json::parse(steward::testing::read_text(f)).dump(7)));
    // Positions are looked up in a newline index of 64-byte words: lines that cross words
    // (each indented by 130 spaces more) and words that hold many newlines (blank lines).
    std::string wide, tall;
    for (char c : steward::testing::read_text(f)) {
      wide += c;
      tall += c;
      if (c == '\n') {
        wide += std::string(130, ' ');
        tall += "\n\n\n";
      }
    }
    CHECK(same_both_ways(wide));
    CHECK(same_both_ways(tall));
  }
}

TEST_CASE("document_difference names the first difference", "[document][json]") {
  const std::string text = steward::testing::read_text(json_examples()[0]);
  std::string changed = text;
  const size_t at = changed.find("\"title\": \"");
  REQUIRE(at != std::string::npos);
  changed.insert(at + 10, "Another ");
  LoadResult a = load_document(dcf_pack(), text, "a.json");
  LoadResult b = load_document(dcf_pack(), changed, "a.json");
  LoadResult moved = load_document(dcf_pack(), "\n" + text, "a.json");
  LoadResult other_file = load_document(dcf_pack(), text, "b.json");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(moved.ok());
  REQUIRE(other_file.ok());
  CHECK(document_difference(*a.document, *a.document).empty());
  CHECK(document_difference(*a.document, *b.document) == "`title`: values differ");
  CHECK(document_difference(*a.document, *moved.document).find("positions differ") !=
        std::string::npos);
  CHECK(document_difference(*a.document, *other_file.document) == "files differ");
}

TEST_CASE("every change to a valid JSON agreement gets the general path's result",
          "[document][json]") {
  const json base = json::parse(steward::testing::read_text(json_examples()[0]));
  REQUIRE(base.contains("data"));
  std::vector<std::pair<std::string, json>> cases;
  auto with = [&](const std::string& name, auto change) {
    json j = base;
    change(j);
    cases.emplace_back(name, j);
  };
  with("unchanged", [](json&) {});
  with("unknown key", [](json& j) { j["colour"] = "red"; });
  with("unknown nested key", [](json& j) { j["data"]["colour"] = "red"; });
  with("unknown key, not ASCII", [](json& j) { j["t\u00eftle"] = "red"; });
  with("unknown key, long", [](json& j) { j[std::string(40, 'k')] = "red"; });
  with("known key's name and more", [](json& j) { j["titles"] = "red"; });
  with("known key's name but less", [](json& j) { j["titl"] = "red"; });
  with("null required", [](json& j) { j["title"] = nullptr; });
  with("missing required", [](json& j) { j.erase("title"); });
  with("null optional", [](json& j) { j["request_reference"] = nullptr; });
  with("number for a string", [](json& j) { j["title"] = 7; });
  with("string for a bool", [](json& j) { j["parties"][0]["external"] = "false"; });
  with("number for a bool", [](json& j) { j["parties"][0]["external"] = 0; });
  with("list for a record", [](json& j) { j["term"] = json::array(); });
  with("record for a list", [](json& j) { j["risks"] = json::object(); });
  with("empty list", [](json& j) { j["parties"] = json::array(); });
  with("null list item", [](json& j) { j["risks"].push_back(nullptr); });
  // Record and list fields are read as objects and arrays straight away: anything else, a
  // null too, must still get the general path's result.
  with("null record", [](json& j) { j["term"] = nullptr; });
  with("null list", [](json& j) { j["risks"] = nullptr; });
  with("string for a record", [](json& j) { j["term"] = "2026"; });
  with("number for a list", [](json& j) { j["risks"] = 3; });
  with("null record item", [](json& j) { j["parties"].push_back(nullptr); });
  with("string record item", [](json& j) { j["parties"].push_back("p"); });
  with("list record item", [](json& j) { j["parties"].push_back(json::array()); });
  with("blank string", [](json& j) { j["title"] = " \u00a0\t"; });
  with("empty string", [](json& j) { j["title"] = ""; });
  with("unknown enum member", [](json& j) { j["kind"] = "data_sharin"; });
  with("bad date", [](json& j) { j["term"]["end"] = "2027-02-30"; });
  with("empty date", [](json& j) { j["term"]["end"] = ""; });
  with("retired format", [](json& j) { j["format"] = "steward/agreement/v1"; });
  with("unknown format", [](json& j) { j["format"] = "steward/agreement/v9"; });
  with("stated observations", [](json& j) { j["observed"] = json::array(); });
  with("top-level list", [](json& j) { j = json::array({j}); });
  with("merge key", [](json& j) { j["<<"] = json::object(); });
  for (const auto& [name, j] : cases) {
    INFO(name);
    same_both_ways(j.dump(2));
    same_both_ways(j.dump(2), {}, DocumentFormat::kJson);
  }
  // Texts no serializer writes: duplicates, numbers, escapes, trailing content.
  const std::string text = base.dump(2);
  const size_t title = text.find("\"title\"");
  REQUIRE(title != std::string::npos);
  const std::vector<std::string> raw = {
      text.substr(0, title) + "\"title\": \"first\",\n  " + text.substr(title),
      text + " {}",
      text + " x",
      text + "\n# YAML reads a comment after the value; JSON does not\n",
      text.substr(0, text.size() - 1),
      text.substr(0, title) + "\"ti\\u0074le\": \"escaped key\",\n  " + text.substr(title + 8),
      text.substr(0, title) + "\"title\": \"a\\u001bb\",\n  " + text.substr(title + 8),
  };
  for (const std::string& t : raw) same_both_ways(t);
  // Every kind of JSON value, well formed or not, where a string, an optional date, an enum,
  // an enum list item, a boolean and an integer are expected: the fast path reads strings and
  // booleans with get_string or get_bool first, and whatever is not one (or is a string it
  // cannot read) must give the general path's result.
  const std::vector<std::string> tokens = {
      "7", "0", "tru", "True", "falsey", "\"true\"", "-1.5", "true", "false", "null", "nul",
      "nullx", "{}", "[]", "[\"x\"]", "{\"a\": 1}", "\"\"", "\" \"", "\"\\x\"", "\"\\ud800\"",
      "\"a\\u0062\"", "\"2026-03-01\"", "\"data_sharing\"", "\"legal_division\"", "\"unterminated",
      "-", "\"\\u0000\"",
      // Read where they stand in the text (no escape): multibyte UTF-8, and closing quotes
      // on each side of a 16-byte step.
      "\"\u00e9t\u00e9 \u2014 \U0001F600\"", "\"" + std::string(15, 'a') + "\"",
      "\"" + std::string(16, 'a') + "\"", "\"" + std::string(17, 'a') + "\"",
      "\"" + std::string(47, 'b') + "\"", "\"" + std::string(48, 'b') + "\""};
  for (const char* field :
       {"/title", "/kind", "/term/end", "/incident_response/notify/0", "/approvals/1/date",
        "/parties/0/external", "/incident_response/within_hours"}) {
    for (const std::string& token : tokens) {
      json j = base;
      j[json::json_pointer(field)] = "@@token@@";
      std::string t = j.dump(2);
      const size_t at = t.find("\"@@token@@\"");
      REQUIRE(at != std::string::npos);
      t.replace(at, 11, token);
      INFO(field << " = " << token);
      same_both_ways(t);
    }
  }
  // Numbers in every form JSON allows, for an integer and a number field.
  for (const char* n : {"0", "-0", "11", "011", "1e3", "1E+3", "1.0", "1.5", "-1", "1e400",
                        "9223372036854775807", "9223372036854775808", "0.000001"}) {
    json j = base;
    j["data"]["suppression"] = {{"threshold", 1}, {"complementary", true}};
    std::string t = j.dump(2);
    const size_t at = t.find("\"threshold\": 1");
    REQUIRE(at != std::string::npos);
    t.replace(at + 13, 1, n);
    INFO(n);
    same_both_ways(t);
  }
}

TEST_CASE("the JSON fast path stops at every limit where the general path does",
          "[document][json][hostile]") {
  const std::string text = steward::testing::read_text(json_examples()[0]);
  for (size_t n : {0, 1, 2, 3, 4, 5, 8, 16, 40, 100}) {
    INFO(n);
    for (size_t LoadLimits::*limit : {&LoadLimits::max_keys, &LoadLimits::max_values,
                                      &LoadLimits::max_depth, &LoadLimits::max_string_bytes}) {
      LoadLimits limits;
      limits.*limit = n;
      same_both_ways(text, limits);
    }
  }
}

TEST_CASE("every agreement of the DCF pack's tests, written as JSON, loads the same both ways",
          "[document][json]") {
  size_t cases = 0, loaded = 0;
  for (const auto& pc : steward::testing::load_corpus()) {
    if (pc.pack != "policies/dcf-5-4") continue;
    for (const auto& t : pc.tests) {
      YAML::Node node;
      try {
        node = YAML::Load(t.agreement);
      } catch (const YAML::Exception&) {
        continue;  // a test of malformed text: nothing to write as JSON
      }
      if (!node.IsMap()) continue;
      INFO(t.file << ":" << t.line << " " << t.name);
      const json j = to_json_value(node);
      ++cases;
      loaded += same_both_ways(j.dump(2)) ? 1 : 0;
      same_both_ways(j.dump());
    }
  }
  // Most of the corpus is valid agreements, which the fast path reads whole.
  CHECK(cases > 100);
  CHECK(loaded > cases / 2);
}

TEST_CASE("positions in JSON text are right wherever its line breaks fall", "[document][json]") {
  // Lines of every length from 0 to 39 bytes, so line breaks fall at every offset of a
  // sixteen-byte block (the text checks and the line index scan in blocks): the line and column
  // of an error after them, with the format found and with the format `.json` asks for.
  for (size_t width = 0; width < 40; ++width) {
    for (size_t lines = 1; lines < 5; ++lines) {
      std::string text = "{";
      for (size_t i = 0; i < lines; ++i) text += std::string(width, ' ') + "\n";
      text += std::string(width % 7, ' ') + "\"colour\": 1}";
      INFO(width << " " << lines);
      for (DocumentFormat format : {DocumentFormat::kAuto, DocumentFormat::kJson}) {
        LoadResult r = load_document(dcf_pack(), text, "a.json", {}, format);
        REQUIRE_FALSE(r.ok());
        bool found = false;
        for (const InputError& e : r.errors) {
          if (e.code != "input.unknown-key") continue;
          found = true;
          CHECK(e.line == lines + 1);
          CHECK(e.column == width % 7 + 1);
        }
        CHECK(found);
      }
    }
  }
}

TEST_CASE("positions the fast path leaves to be asked for equal the general path's",
          "[document][json]") {
  // In ASCII text the fast path keeps byte offsets and an index of line starts (found sixteen
  // bytes a step), and Document::position looks a node up when asked; other text gets its
  // positions as it is read. Non-ASCII text before values on one line, CRLF line ends, line
  // breaks at every offset of a block, and thousands of newlines before the first key.
  const auto files = json_examples();
  REQUIRE_FALSE(files.empty());
  const json ascii = json::parse(steward::testing::read_text(files.front()));
  const std::string ascii_text = ascii.dump(1);
  REQUIRE(std::none_of(ascii_text.begin(), ascii_text.end(), [](char c) { return c & 0x80; }));
  json agreement = ascii;
  agreement["title"] = "\u00dcbermittlung \u20ac \U0001F600 an die Stelle";
  const std::string one_line = agreement.dump();
  REQUIRE(one_line.find("\xF0\x9F\x98\x80") != std::string::npos);
  CHECK(same_both_ways(one_line));
  std::string crlf;
  for (char c : agreement.dump(2)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  CHECK(same_both_ways(crlf));
  for (size_t width = 0; width < 40; ++width) {
    INFO(width);
    std::string text = "{";
    for (int i = 0; i < 3; ++i) text += std::string(width, ' ') + "\n";
    CHECK(same_both_ways(text + ascii.dump(static_cast<int>(width % 5)).substr(1)));
    CHECK(same_both_ways(text + agreement.dump(static_cast<int>(width % 5)).substr(1)));
  }
  // A long line after line breaks: a position far along it finds the last newline before it
  // by its count, not in the few words before its own.
  for (size_t before : {0u, 1u, 63u, 64u, 65u, 300u, 1000u}) {
    INFO("a long line after " << before);
    const std::string head = "{" + std::string(before, ' ') + "\n \n";
    CHECK(same_both_ways(head + ascii.dump().substr(1)));
    CHECK(same_both_ways(head + agreement.dump().substr(1)));
  }
  for (size_t newlines : {4079u, 4080u, 4081u, 8200u}) {
    for (const json* a : std::initializer_list<const json*>{&ascii, &agreement}) {
      INFO(newlines << (a == &ascii ? " ASCII" : " not ASCII"));
      const std::string text = "{" + std::string(newlines, '\n') + a->dump(1).substr(1);
      REQUIRE(same_both_ways(text));
      auto doc = load_document_fast(dcf_pack(), text, "a.json");
      REQUIRE(doc);
      const int title = dcf_pack().root->find_field("title");
      const uint32_t t = doc->children(doc->node(doc->root()))[static_cast<size_t>(title)];
      const Position at = doc->position(t);
      // `title`'s key, where dump(1) puts it: after the newlines, on its own line, one space in.
      const size_t key = text.find("\"title\"");
      CHECK(at.line == 1 + std::count(text.begin(), text.begin() + static_cast<long>(key), '\n'));
      CHECK(at.column == 2);
    }
  }
}

TEST_CASE("many reasons on one long line point where the general path's document does",
          "[document][json][hostile]") {
  // Found attacking the positions computed when asked: counting code points from the line's
  // start for each reason made an agreement of 32,000 Safe Harbor fields on one non-ASCII line
  // (2.6 MB) take 26 s instead of 0.2. Non-ASCII text now gets its positions as it is read, in
  // one pass; ASCII text a line index. Here every reason's evidence, both ways and both texts,
  // is the general path's (docs/security.md has the timing; none is asserted).
  const CompileResult res = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  REQUIRE(res.ok());
  json agreement = json::parse(steward::testing::read_text(
      steward::testing::source_dir() + "/bench/json/16-safe-harbor-identifiers-deny.json"));
  json fields = json::array();
  for (int i = 0; i < 2000; ++i)
    fields.push_back({{"name", "f" + std::to_string(i)},
                      {"category", "county"},
                      {"justification", "Regional comparison"}});
  agreement["data"]["fields"] = fields;
  EvaluationContext context;
  REQUIRE(parse_iso_date("2026-03-01", &context.as_of));
  Evaluator ev(res.pack);
  for (const char* title : {"Plain title", "\u00dcbermittlung \u20ac"}) {
    agreement["title"] = title;
    const std::string text = agreement.dump();
    INFO(title);
    auto fast = load_document_fast(*res.pack, text, "a.json");
    REQUIRE(fast);
    LoadResult general = load_document_general(*res.pack, text, "a.json");
    REQUIRE(general.ok());
    const std::string a = to_json(ev.evaluate(*fast, context));
    CHECK(a == to_json(ev.evaluate(*general.document, context)));
    CHECK(nlohmann::json::parse(a)["reasons"].size() >= 2000);
  }
}

// A document's every node as its position, path, kind and string, for comparing two loads of
// one text.
std::vector<std::string> node_listing(const Document& d) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < d.node_count(); ++i) {
    const Position at = d.position(i);
    const DocNode& n = d.node(i);
    out.push_back(std::to_string(at.line) + ":" + std::to_string(at.column) + " " + d.path(i) +
                  " " + std::to_string(static_cast<int>(n.kind)) + " " +
                  (n.kind == TypeKind::kString ? std::string(d.string(n)) : std::string()));
  }
  return out;
}

TEST_CASE("a document on tables a destroyed one left is the document a fresh thread loads",
          "[document][json]") {
  // A destroyed document leaves its node, child and string tables and its newline index to its
  // thread's next load (kept_tables.h). Loaded after a larger document, in JSON and YAML, each
  // example must be what a thread that kept nothing loads: nodes, positions, paths, strings.
  // A document still alive keeps its own tables: loads and frees beside it change nothing.
  std::vector<std::filesystem::path> files = json_examples();
  const auto yaml = steward::testing::files_in("policies/dcf-5-4/examples/agreements");
  files.insert(files.end(), yaml.begin(), yaml.end());
  REQUIRE(files.size() > 2);
  json big = json::parse(steward::testing::read_text(files.front()));
  big["purpose"]["description"] = std::string(20000, 'x');
  const std::string large = big.dump(1);  // many lines: a large newline index
  for (const auto& f : files) {
    const std::string text = steward::testing::read_text(f);
    const std::string name = f.filename().string();
    INFO(name);
    std::vector<std::string> fresh;
    std::thread([&] {
      LoadResult r = load_document(dcf_pack(), text, name);
      if (r.ok()) fresh = node_listing(*r.document);
    }).join();
    if (fresh.empty()) continue;                   // an example that does not load (an input error)
    load_document(dcf_pack(), large, "big.json");  // loaded and destroyed: its tables kept
    LoadResult kept = load_document(dcf_pack(), text, name);
    REQUIRE(kept.ok());
    CHECK(node_listing(*kept.document) == fresh);
    // Beside it: other texts loaded and destroyed, by both paths, in JSON and YAML.
    load_document(dcf_pack(), large, "big.json");
    load_document_general(dcf_pack(), text, name);
    load_document(dcf_pack(), steward::testing::read_text(files[1]), "b.json");
    load_document(dcf_pack(), steward::testing::read_text(yaml.front()), "c.yaml");
    CHECK(node_listing(*kept.document) == fresh);
  }
}

TEST_CASE("a document destroyed as its thread exits frees its tables", "[document][json]") {
  // A thread-local holder made before the thread's kept tables is destroyed after them; the
  // document it holds must then free its tables, not move them into what is gone (where no one
  // frees them: a leak LeakSanitizer reports in CI's AddressSanitizer run, without the guard
  // in keep_tables).
  struct Holder {
    std::shared_ptr<const Document> doc;
  };
  const std::string text = steward::testing::read_text(json_examples().front());
  std::thread([&] {
    thread_local Holder holder;                 // made first: destroyed last
    load_document(dcf_pack(), text, "b.json");  // destroyed at once: the thread keeps its tables
    holder.doc = load_document(dcf_pack(), text, "a.json").document;  // and this one takes them
    REQUIRE(holder.doc != nullptr);
  }).join();
  // The thread exited cleanly; this one still loads.
  CHECK(load_document(dcf_pack(), text, "a.json").ok());
}

TEST_CASE("the fast path's reused text buffer keeps nothing of the text before",
          "[document][json]") {
  // The fast path copies each text into a buffer its thread keeps (with simdjson's padding
  // after it) and gives it back after a text over 1 MiB. A text read after a longer one has the
  // longer one's bytes beyond its padding: each prefix of an agreement must still load, or
  // fail, as the general path has it, after the whole agreement and after a large one.
  const std::string text =
      steward::testing::read_text(json_examples().front());  // an allowed agreement
  json big = json::parse(text);
  big["purpose"]["description"] = std::string(700000, 'x');  // each under 1 MiB a value
  big["summary_of_terms"] = std::string(700000, 'y');
  const std::string large = big.dump();
  const size_t brace = text.rfind('}');
  for (const std::string* before : {&text, &large}) {
    INFO("after " << before->size() << " bytes");
    REQUIRE(same_both_ways(*before));
    for (size_t cut : {brace, brace - 1, text.size() / 2, size_t{1}})
      CHECK_FALSE(same_both_ways(text.substr(0, cut)));
    CHECK(same_both_ways(text));
  }
}

TEST_CASE("columns count code points, and a leading byte order mark none, in JSON as in YAML",
          "[document][json]") {
  // Found by reading agreements that open with a byte order mark: JSON columns counted bytes
  // (`colour` below was at column 24 in JSON and 16 in YAML), a JSON syntax error's column
  // counted the mark, and a `.json` file with one was read by the YAML parser.
  const std::string bom = "\xEF\xBB\xBF";
  const std::string json_text =
      "{\"title\": \"\xC3\x9C\xE2\x82\xAC\xF0\x9F\x98\x80\", \"colour\": 1}";
  const std::string yaml_text = "{title: \"\xC3\x9C\xE2\x82\xAC\xF0\x9F\x98\x80\", colour: 1}";
  auto unknown_key_at = [](const LoadResult& r) {
    for (const InputError& e : r.errors)
      if (e.code == "input.unknown-key") return std::make_pair(e.line, e.column);
    return std::make_pair(0u, 0u);
  };
  for (const std::string& mark : {std::string(), bom}) {
    INFO("byte order mark: " << !mark.empty());
    for (DocumentFormat format : {DocumentFormat::kAuto, DocumentFormat::kJson}) {
      CHECK(unknown_key_at(load_document(dcf_pack(), mark + json_text, "a.json", {}, format)) ==
            std::make_pair(1u, 18u));
      CHECK(unknown_key_at(load_document_general(dcf_pack(), mark + json_text, "a.json", {},
                                                 format)) == std::make_pair(1u, 18u));
      if (format == DocumentFormat::kJson) {  // as YAML, `x` is a string
        LoadResult bad = load_document(dcf_pack(), mark + "{\"title\": \"\xC3\x9C\", \"a\": x}",
                                       "a.json", {}, format);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.errors[0].code == "input.syntax");
        CHECK(bad.errors[0].column == 21);
      }
      LoadResult control =
          load_document(dcf_pack(), mark + "{\"title\": \"\xC3\x9C\x01\"}", "a.json", {}, format);
      REQUIRE_FALSE(control.ok());
      CHECK(control.errors[0].code == "input.control");
      CHECK(control.errors[0].column == 13);
    }
    CHECK(unknown_key_at(load_document(dcf_pack(), mark + yaml_text, "a.yaml")) ==
          std::make_pair(1u, 16u));
  }
  // A valid JSON agreement that opens with the mark takes the fast path to the same document.
  const std::vector<std::filesystem::path> examples = json_examples();
  REQUIRE_FALSE(examples.empty());
  std::ifstream in(examples.front());
  std::stringstream buf;
  buf << in.rdbuf();
  auto fast = load_document_fast(dcf_pack(), bom + buf.str(), "a.json");
  REQUIRE(fast);
  LoadResult general = load_document_general(dcf_pack(), buf.str(), "a.json");
  REQUIRE(general.ok());
  CHECK(document_difference(*fast, *general.document).empty());
  // One mark opens a JSON file; a second one is no JSON.
  LoadResult twice =
      load_document(dcf_pack(), bom + bom + buf.str(), "a.json", {}, DocumentFormat::kJson);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.errors[0].code == "input.syntax");
  CHECK(twice.errors[0].line == 1);
  CHECK(twice.errors[0].column == 1);
}

TEST_CASE("records of more than 64 fields tell repeated keys apart on every path",
          "[document][json][yaml]") {
  // A record's named fields are bits in a word up to 64 fields, flags beyond: keys at both
  // ends of a 70-field record, in the root and in a nested record, repeated or not.
  std::string fields;
  for (int i = 0; i < 70; ++i) fields += "  f" + std::to_string(i) + ": string?\n";
  const std::string policy = "record Wide {\n" + fields + "}\ndocument Doc {\n  id: string\n" +
                             fields + "  inner: Wide?\n}\nclause c { title: \"t\" }\n" +
                             "rule r { clause: c, outcome: deny, when: present(f69), "
                             "message: \"m\" }\n";
  const auto compiled = steward::testing::compiled_policy(policy);
  const CompiledPack& pack = *compiled;
  auto both = [&](const std::string& text, DocumentFormat format) {
    INFO(text);
    LoadResult fast = load_document(pack, text, "a", {}, format);
    LoadResult general = load_document_general(pack, text, "a", {}, format);
    REQUIRE(fast.ok() == general.ok());
    CHECK(steward::testing::error_list(fast) == steward::testing::error_list(general));
    if (fast.ok()) {
      CHECK(document_difference(*fast.document, *general.document).empty());
      // Built by a fast path, not handed to the general one.
      CHECK(load_document_fast(pack, text, "a", {}, format) != nullptr);
    }
    return fast.ok();
  };
  const std::vector<std::pair<std::vector<int>, bool>> cases = {
      {{0, 1, 69}, true},    {{69, 68, 0}, true},   {{65, 3, 65}, false},    {{3, 66, 3}, false},
      {{63, 64, 63}, false}, {{64, 63, 64}, false}, {{0, 63, 64, 69}, true},
  };
  for (const auto& [keys, ok] : cases) {
    for (const bool nested : {false, true}) {
      std::string json_text = "{\"id\": \"x\"";
      std::string yaml = "id: x\n";
      std::string json_keys, yaml_keys;
      for (int k : keys) {
        json_keys += ", \"f" + std::to_string(k) + "\": \"v" + std::to_string(k) + "\"";
        yaml_keys += std::string(nested ? "  " : "") + "f" + std::to_string(k) + ": v" +
                     std::to_string(k) + "\n";
      }
      if (nested) {
        json_text += ", \"f1\": \"a\", \"inner\": {" + json_keys.substr(2) + "}}";
        yaml += "f1: a\ninner:\n" + yaml_keys;
      } else {
        json_text += json_keys + "}";
        yaml += yaml_keys;
      }
      CHECK(both(json_text, DocumentFormat::kJson) == ok);
      CHECK(both(yaml, DocumentFormat::kYaml) == ok);
    }
  }
}

TEST_CASE("a required field left out or null is refused whether or not its type has a mask",
          "[document][json][yaml]") {
  // A record type of up to 64 fields carries its required fields as bits (index_names), and
  // the fast paths check only those at a record's end; a type without them (never indexed)
  // is checked field by field. Required fields first and last of 64, and last of 65.
  std::string mid = "  g0: string\n", big;
  for (int i = 1; i < 63; ++i) mid += "  g" + std::to_string(i) + ": string?\n";
  mid += "  g63: date\n";
  for (int i = 0; i < 64; ++i) big += "  h" + std::to_string(i) + ": string?\n";
  big += "  h64: string\n";
  const std::string policy = "record Mid {\n" + mid + "}\nrecord Big {\n" + big +
                             "}\ndocument Doc {\n  id: string\n  n: int\n  m: Mid?\n"
                             "  b: Big?\n}\nclause c { title: \"t\" }\n"
                             "rule r { clause: c, outcome: deny, when: n > 1, message: \"m\" }\n";
  const auto compiled = steward::testing::compiled_policy(policy);
  // Made by make_shared as a CompiledPack: the test may clear the masks it reads.
  CompiledPack& pack = const_cast<CompiledPack&>(*compiled);
  const std::string m_ok = R"("m": {"g0": "a", "g5": "b", "g63": "2026-01-02"})";
  const std::string b_ok = R"("b": {"h0": "a", "h64": "z"})";
  const std::vector<std::pair<std::string, bool>> cases = {
      {R"({"id": "x", "n": 1, )" + m_ok + ", " + b_ok + "}", true},
      {R"({"id": "x", "n": 1, "m": null, "b": null})", true},
      {R"({"id": "x", "n": 1})", true},
      {R"({"id": "x"})", false},
      {R"({"id": "x", "n": null})", false},
      {R"({"id": "x", "n": 1, "m": {"g0": "a", "g5": "b"}})", false},
      {R"({"id": "x", "n": 1, "m": {"g0": "a", "g63": null}})", false},
      {R"({"id": "x", "n": 1, "m": {"g5": "b", "g63": "2026-01-02"}})", false},
      {R"({"id": "x", "n": 1, "m": {"g0": null, "g63": "2026-01-02"}})", false},
      {R"({"id": "x", "n": 1, "b": {"h0": "a"}})", false},
      {R"({"id": "x", "n": 1, "b": {"h0": "a", "h64": null}})", false},
  };
  auto run = [&](const char* masks) {
    for (const auto& [text, ok] : cases) {
      INFO(masks << ": " << text);
      for (const DocumentFormat format : {DocumentFormat::kJson, DocumentFormat::kYaml}) {
        // JSON is YAML: the same text read by the YAML fast path.
        LoadResult fast = load_document(pack, text, "a", {}, format);
        LoadResult general = load_document_general(pack, text, "a", {}, format);
        CHECK(fast.ok() == ok);
        CHECK(general.ok() == ok);
        CHECK(steward::testing::error_list(fast) == steward::testing::error_list(general));
        // A fast path builds what it accepts, and gives up on every missing field.
        CHECK((load_document_fast(pack, text, "a", {}, format) != nullptr) == ok);
      }
    }
  };
  run("masks");
  for (Type& t : pack.types)
    if (t.kind == TypeKind::kRecord)
      CHECK(t.required_for_ == (t.fields.size() <= 64 ? t.fields.size() : SIZE_MAX));
  for (Type& t : pack.types) {  // as a type never indexed
    t.required_for_ = SIZE_MAX;
    t.required_bits_ = 0;
  }
  run("no masks");
}

TEST_CASE("the JSON fast path counts keys and values only where a text could pass the limits",
          "[document][json]") {
  // A JSON text of no more bytes than the key and value limits cannot hold more keys or values
  // than they allow (each starts at a byte of its own), so the fast path does not count them
  // there. The densest text a schema takes, a list of one-digit numbers, at every limit around
  // its count and its size.
  const std::string policy =
      "document Doc {\n  id: string\n  xs: [int]?\n}\nclause c { title: \"t\" }\n"
      "rule r { clause: c, outcome: deny, when: count(xs) > 1, message: \"m\" }\n";
  const auto compiled = steward::testing::compiled_policy(policy);
  const CompiledPack& pack = *compiled;
  for (const size_t n : {1, 7, 300}) {
    std::string text = R"({"id":"x","xs":[)";
    for (size_t i = 0; i < n; ++i) text += i == 0 ? "1" : ",1";
    text += "]}";
    const size_t count = n + 4;  // two keys, the id, the list and its items
    for (const size_t max_values :
         {count - 1, count, count + 1, text.size() - 1, text.size(), text.size() + 1}) {
      for (const size_t max_keys : {size_t{1}, size_t{2}, text.size(), size_t{10000}}) {
        LoadLimits limits;
        limits.max_values = max_values;
        limits.max_keys = max_keys;
        INFO(n << " items, max_values " << max_values << ", max_keys " << max_keys);
        LoadResult fast = load_document(pack, text, "a.json", limits);
        LoadResult general = load_document_general(pack, text, "a.json", limits);
        const bool ok = max_values >= count && max_keys >= 2;
        CHECK(general.ok() == ok);
        CHECK(fast.ok() == ok);
        CHECK(steward::testing::error_list(fast) == steward::testing::error_list(general));
        if (ok) CHECK(document_difference(*fast.document, *general.document).empty());
        CHECK((load_document_fast(pack, text, "a.json", limits) != nullptr) == ok);
      }
    }
  }
}

TEST_CASE("the JSON fast path holds records to the depth limit and strings not",
          "[document][json]") {
  // The depth limit counts open collections (the root is 1), as the general readers do: a
  // string inside the deepest record or list is not past it. A text field's value and a list's
  // text items are read by the loop, not by value(), which also gives up at a scalar past it.
  const std::string policy =
      "record C {\n  s: string\n}\nrecord B {\n  s: string\n  c: C?\n  xs: [string]?\n}\n"
      "document Doc {\n  id: string\n  b: B?\n}\nclause c { title: \"t\" }\n"
      "rule r { clause: c, outcome: deny, when: present(b), message: \"m\" }\n";
  const auto compiled = steward::testing::compiled_policy(policy);
  const CompiledPack& pack = *compiled;
  const std::vector<std::pair<std::string, size_t>> texts = {
      {R"({"id": "x"})", 1},
      {R"({"id": "x", "b": {"s": "y"}})", 2},
      {R"({"id": "x", "b": {"s": "y", "c": {"s": "z"}}})", 3},
      {R"({"id": "x", "b": {"s": "y", "xs": ["p", "q"]}})", 3},
  };
  for (const auto& [text, depth] : texts) {
    for (size_t max_depth = 1; max_depth <= 5; ++max_depth) {
      INFO(text << ", max_depth " << max_depth);
      LoadLimits limits;
      limits.max_depth = max_depth;
      LoadResult fast = load_document(pack, text, "a.json", limits);
      LoadResult general = load_document_general(pack, text, "a.json", limits);
      CHECK(general.ok() == (max_depth >= depth));
      CHECK(fast.ok() == general.ok());
      CHECK(steward::testing::error_list(fast) == steward::testing::error_list(general));
      if (fast.ok()) CHECK(document_difference(*fast.document, *general.document).empty());
      // The fast path reads it whole wherever the general path takes it: strings one level
      // past the deepest record included.
      CHECK((load_document_fast(pack, text, "a.json", limits) != nullptr) == general.ok());
    }
  }
}
