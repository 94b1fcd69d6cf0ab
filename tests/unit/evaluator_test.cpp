// Tests for evaluator.h and decision.h: combining, per-element reasons, evidence, determinism
// and concurrent use of one compiled pack.
#include "steward/evaluator.h"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/source.h"
#include "test_support.h"

using namespace steward;

namespace {

std::shared_ptr<const CompiledPack> pack_at(const std::string& rel) {
  auto res = compile_pack(steward::testing::source_dir() + "/" + rel);
  REQUIRE(res.ok());
  return res.pack;
}

Decision decide(const std::shared_ptr<const CompiledPack>& pack, const std::string& text) {
  auto loaded = load_document(*pack, text, "doc.yaml");
  REQUIRE(loaded.ok());
  return Evaluator(pack).evaluate(*loaded.document);
}

// `id: a` and `items` of n strings `b`, loaded against `pack`.
std::shared_ptr<const Document> items_document(const CompiledPack& pack, int n) {
  std::string doc = "id: a\nitems: [";
  for (int i = 0; i < n; ++i) doc += i ? ",b" : "b";
  doc += "]\n";
  auto loaded = load_document(pack, doc, "d.yaml");
  REQUIRE(loaded.ok());
  return loaded.document;
}

// The decision document built key by key through the library, in the spec's order.
nlohmann::ordered_json decision_tree(const Decision& d) {
  using ojson = nlohmann::ordered_json;
  ojson j;
  j["agreement"] = d.agreement;
  j["decision"] = outcome_name(d.outcome);
  j["policy"] = {
      {"name", d.policy.name}, {"version", d.policy.version}, {"digest", d.policy.digest}};
  j["as_of"] = format_iso_date(d.as_of);
  j["reasons"] = ojson::array();
  for (const Reason& r : d.reasons) {
    ojson e = ojson::array();
    for (const Evidence& v : r.evidence)
      e.push_back({{"path", v.path}, {"line", v.line}, {"column", v.column}});
    ojson reason;
    reason["outcome"] = outcome_name(r.outcome);
    reason["clause"] = r.clause;
    reason["rule"] = r.rule;
    reason["message"] = r.message;
    reason["citation"] = r.citation;
    reason["reviewers"] = std::vector<std::string>(r.reviewers.begin(), r.reviewers.end());
    reason["evidence"] = e;
    reason["policy_location"] = {{"file", r.policy_file},
                                 {"line", r.policy_position.line},
                                 {"column", r.policy_position.column}};
    j["reasons"].push_back(reason);
  }
  j["reviewers"] = d.reviewers;
  if (!d.data.empty()) {
    j["data"] = ojson::array();
    for (const DataFileRef& f : d.data)
      j["data"].push_back(
          {{"file", f.file}, {"sha256", f.sha256}, {"rows", f.rows}, {"columns", f.columns}});
  }
  if (d.approvals.from_records) {
    ojson not_counted = ojson::array();
    for (const auto& u : d.approvals.unbacked)
      not_counted.push_back(
          {{"path", u.path}, {"body", u.body}, {"line", u.line}, {"column", u.column}});
    j["approvals"] = {
        {"from", "review_records"}, {"records", d.approvals.records}, {"not_counted", not_counted}};
  }
  return j;
}

}  // namespace

TEST_CASE("per-element rules give one reason per element, naming it", "[evaluator]") {
  auto pack = pack_at("tests/packs/lending");
  Decision d =
      decide(pack,
             "id: L\nborrower: {name: B, role: guest}\nitems:\n  - {name: Mac, kind: laptop}\n  - "
             "{name: Cam, kind: camera}\nstart: 2026-01-01\nend: 2026-01-02\n");
  CHECK(d.outcome == Outcome::kDeny);
  REQUIRE(d.reasons.size() == 2);
  CHECK(d.reasons[0].message == "guests may not borrow `Mac` (laptop)");
  CHECK(d.reasons[0].evidence[0].path == "items[0]");
  CHECK(d.reasons[0].evidence[0].line == 4);
  CHECK(d.reasons[1].message == "guests may not borrow `Cam` (camera)");
  CHECK(d.reasons[1].evidence[0].path == "items[1]");
}

TEST_CASE("a default decision, whose views hold no data at all, writes as JSON", "[decision]") {
  // Reason and PolicyRef fields are views: empty ones have a null data pointer (UBSan caught
  // memcpy being handed one).
  Decision d;
  d.reasons.emplace_back();
  REQUIRE(d.policy.digest.data() == nullptr);
  const auto parsed = nlohmann::json::parse(to_json(d, -1));
  CHECK(parsed["policy"]["digest"] == "");
  CHECK(parsed["reasons"][0]["clause"] == "");
  CHECK(parsed["reasons"][0]["reviewers"].empty());
}

TEST_CASE("a decision keeps its pack alive: reasons point into it, not into copies",
          "[evaluator]") {
  Decision d;
  const CompiledPack* where = nullptr;
  {
    auto pack = pack_at("tests/packs/lending");
    where = pack.get();
    d = decide(pack,
               "id: L\nborrower: {name: B, role: guest}\nitems:\n  - {name: Mac, kind: laptop}\n"
               "start: 2026-01-01\nend: 2026-01-02\n");
  }  // the compiled pack's last owner outside the decision is gone
  REQUIRE(d.pack.get() == where);
  CHECK(d.pack.use_count() == 1);
  REQUIRE(d.reasons.size() == 1);
  const Reason& r = d.reasons[0];
  const RulePlan* rule = nullptr;
  for (const RulePlan& p : d.pack->rules)
    if (p.id == r.rule) rule = &p;
  REQUIRE(rule != nullptr);
  // The same bytes, not equal copies.
  CHECK(r.rule.data() == rule->id.data());
  CHECK(r.clause.data() == rule->clause.data());
  CHECK(r.citation.data() == rule->citation.data());
  CHECK(r.policy_file.data() == rule->file.data());
  CHECK(r.reviewers.data() == rule->reviewers.data());
  CHECK(d.policy.digest.data() == d.pack->digest.data());
  CHECK(d.policy.name == d.pack->name);
  // A copy of the decision shares the pack; the JSON reads the same after the original goes.
  const std::string json = to_json(d, -1);
  Decision copy = d;
  d = Decision();
  CHECK(to_json(copy, -1) == json);
}

TEST_CASE("evidence for a missing key points at the nearest key that exists", "[evaluator]") {
  auto pack = pack_at("tests/packs/lending");
  Decision d = decide(pack,
                      "id: L\nborrower: {name: B, role: staff}\nitems:\n  - {name: Mac, kind: "
                      "laptop, value: 2000}\nstart: 2026-01-01\n");
  CHECK(d.outcome == Outcome::kNeedsReview);
  bool saw_end = false;
  for (const auto& r : d.reasons) {
    if (r.rule == "no_end") {
      saw_end = true;
      REQUIRE(r.evidence.size() == 1);
      CHECK(r.evidence[0].path == "");  // `end` is missing: the document itself
      CHECK(r.evidence[0].line == 1);
    }
    if (r.rule == "restricted_needs_desk") CHECK(r.evidence[0].path == "items[0].value");
  }
  CHECK(saw_end);
  CHECK(d.reviewers == std::vector<std::string>{"desk"});
}

TEST_CASE("reasons are sorted strongest first and the JSON is byte-stable", "[evaluator]") {
  auto pack = pack_at("policies/dcf-5-4");
  std::string text = steward::testing::read_text(
      steward::testing::source_dir() +
      "/policies/dcf-5-4/examples/agreements/31-denied-also-lists-reviews-deny.yaml");
  Decision d = decide(pack, text);
  REQUIRE(d.reasons.size() >= 2);
  CHECK(d.reasons.front().outcome == Outcome::kDeny);
  CHECK(d.reasons.back().outcome == Outcome::kNeedsReview);
  CHECK(to_json(d) == to_json(decide(pack, text)));
  auto j = nlohmann::json::parse(to_json(d));
  CHECK(j["decision"] == "deny");
  CHECK(j["policy"]["name"] == "dcf-5-4");
  CHECK(j["reasons"][0]["policy_location"]["file"].get<std::string>().find("request.policy") !=
        std::string::npos);
}

TEST_CASE("one compiled pack serves many threads with identical results", "[evaluator][threads]") {
  auto pack = pack_at("policies/dcf-5-4");
  Evaluator ev(pack);
  std::vector<std::shared_ptr<const Document>> docs;
  std::vector<std::string> want;
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(steward::testing::source_dir() +
                                              "/policies/dcf-5-4/examples/agreements")) {
    auto r = load_document_file(*pack, e.path());
    REQUIRE(r.ok());
    docs.push_back(r.document);
    want.push_back(to_json(ev.evaluate(*r.document)));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round)
        for (size_t i = 0; i < docs.size(); ++i)
          if (to_json(ev.evaluate(*docs[i])) != want[i]) ++mismatches[t];
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("the decision JSON is laid out exactly as a JSON library would write it", "[decision]") {
  auto pack = pack_at("policies/dcf-5-4");
  Evaluator ev(pack);
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(steward::testing::source_dir() +
                                              "/policies/dcf-5-4/examples/agreements")) {
    auto r = load_document_file(*pack, e.path());
    REQUIRE(r.ok());
    Decision d = ev.evaluate(*r.document);
    // Indents past 32 spaces at depth five (9) take the writer's long-indent path.
    for (int indent : {2, -1, 0, 1, 4, 9}) {
      std::string mine = to_json(d, indent);
      CHECK(mine == nlohmann::ordered_json::parse(mine).dump(indent));
    }
  }
  Decision odd;
  odd.agreement = "quote \" backslash \\ newline \n tab \t bell \x07 caf\xc3\xa9";
  odd.reasons.push_back({});
  odd.reasons[0].message = "ctl \x01\x1f end";
  for (int indent : {2, -1}) {
    std::string mine = to_json(odd, indent);
    auto parsed = nlohmann::ordered_json::parse(mine);
    CHECK(parsed["agreement"] == odd.agreement);
    CHECK(parsed["reasons"][0]["message"] == odd.reasons[0].message);
    CHECK(mine == parsed.dump(indent));
  }
  auto errs = errors_to_json("f.yaml", {{"input.type", "a.b", 3, 4, "bad \"x\""}}, 2);
  CHECK(errs == nlohmann::ordered_json::parse(errs).dump(2));
}

TEST_CASE("fields of a definition that holds a record, and of list elements, read correctly",
          "[evaluator]") {
  auto res = compile(steward::testing::pack_of(R"(
enum Role { staff, guest }
document D { id: string, who: { role: Role, name: string? }, items: [{ k: string }]? }
clause c { title: "C" }
let person = who
let first_k = any(i in items: i.k == "x")
rule r1 { clause: c, outcome: deny, when: person.role == "guest" and not present(person.name), message: "{person.role}" }
rule r2 { clause: c, outcome: deny, when: first_k, message: "x" }
)"));
  REQUIRE(res.ok());
  Evaluator ev(res.pack);
  auto doc =
      load_document(*res.pack, "id: a\nwho: {role: guest}\nitems: [{k: y}, {k: x}]\n", "d.yaml");
  REQUIRE(doc.ok());
  Decision d = ev.evaluate(*doc.document);
  REQUIRE(d.reasons.size() == 2);
  CHECK(d.reasons[0].message == "guest");
  auto doc2 = load_document(*res.pack, "id: a\nwho: {role: staff, name: N}\n", "d.yaml");
  REQUIRE(doc2.ok());
  CHECK(ev.evaluate(*doc2.document).reasons.empty());
}

TEST_CASE("evaluation shortcuts agree with the general evaluator on missing values",
          "[evaluator]") {
  // The evaluator takes faster routes for conditions (paths compared with constants, empty(),
  // quantifiers, bool definitions); each must treat a missing value exactly as the general
  // route does: a missing bool is not false, a missing list has no elements.
  auto res = compile(steward::testing::pack_of(R"(
enum Level { client, aggregate }
record Party { name: string, external: bool? }
document Doc {
  id: string
  level: Level?
  flag: bool?
  note: string?
  parties: [Party]?
}
clause c { title: "C" }
let flag_alias = flag
let flag_false = flag == false
let level_client = level == "client"
let none_external = none(p in parties: p.external == true)
let all_named = all(p in parties: not empty(p.name))
rule alias_false { clause: c, outcome: deny, when: flag_alias == false, message: "a" }
rule eq_false { clause: c, outcome: deny, when: flag_false, message: "b" }
rule ne_client { clause: c, outcome: deny, when: level != "client", message: "c" }
rule not_client { clause: c, outcome: deny, when: not level_client, message: "d" }
rule blank_note { clause: c, outcome: deny, when: empty(note), message: "e" }
rule no_external { clause: c, outcome: deny, when: none_external and all_named, message: "f" }
rule any_external { clause: c, outcome: deny, when: any(p in parties: p.external == true), message: "g" }
)"));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  auto fired = [&](const std::string& text) {
    auto loaded = load_document(*res.pack, text, "doc.yaml");
    REQUIRE(loaded.ok());
    std::set<std::string> rules;
    for (const auto& r : Evaluator(res.pack).evaluate(*loaded.document).reasons)
      rules.emplace(r.rule);
    return rules;
  };
  // Everything missing: no bool is false, `!=` holds, empty() holds, quantifiers see no items.
  CHECK(fired("id: X\n") ==
        std::set<std::string>{"ne_client", "not_client", "blank_note", "no_external"});
  CHECK(fired("id: X\nflag: false\nlevel: client\nnote: '  '\nparties: []\n") ==
        std::set<std::string>{"alias_false", "eq_false", "blank_note", "no_external"});
  CHECK(fired("id: X\nflag: true\nlevel: aggregate\nnote: n\nparties: [{name: A, external: "
              "true}, {name: B}]\n") ==
        std::set<std::string>{"ne_client", "not_client", "any_external"});
}

TEST_CASE("decision JSON stays valid JSON for text that is not UTF-8", "[decision]") {
  // Documents are validated, but file names come from the file system.
  const std::string bad = "agreements/caf\xe9-\xed\xa0\x80-\xf0\x9f\x99\x82.yaml";
  const std::string replaced =
      "agreements/caf\xef\xbf\xbd-\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd-\xf0\x9f\x99\x82.yaml";
  Decision d;
  d.agreement = "A-ü";
  Reason r;
  r.policy_file = bad;
  d.reasons.push_back(r);
  auto parsed = nlohmann::json::parse(to_json(d, -1));  // throws on invalid UTF-8
  CHECK(parsed["agreement"] == "A-ü");
  CHECK(parsed["reasons"][0]["policy_location"]["file"] == replaced);
  InputError e;
  e.code = "input.syntax";
  e.message = "m";
  auto errors = nlohmann::json::parse(errors_to_json(bad, {e}, -1));
  CHECK(errors["file"] == replaced);
}

TEST_CASE("decision strings are escaped alike at every offset of a sixteen-byte block",
          "[decision]") {
  // The writer skips safe bytes sixteen at a time, and thirty-two at a time through a string
  // of 64 bytes or more where the processor has AVX2: every byte that needs a look, at every
  // offset of three blocks and in strings of every length around them, and at every offset of
  // strings around the 32-byte steps' edges, must come out as a JSON library writes it (and
  // invalid UTF-8 as U+FFFD).
  std::vector<std::string> pieces = {
      "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80",
      "/",  " "};
  std::vector<size_t> lengths;
  for (size_t length = 0; length <= 48; ++length) lengths.push_back(length);
  for (size_t length : {63, 64, 65, 79, 95, 96, 97, 127, 128, 129, 160}) lengths.push_back(length);
  for (const std::string& piece : pieces) {
    for (size_t length : lengths) {
      const size_t step = length > 20 && length <= 48 ? 3 : 1;
      for (size_t pos = 0; pos + piece.size() <= length; pos += step) {
        Decision d;
        d.agreement = std::string(length, 'a');
        d.agreement.replace(pos, piece.size(), piece);
        for (int indent : {2, -1}) {
          const std::string mine = to_json(d, indent);
          auto parsed = nlohmann::ordered_json::parse(mine);
          INFO("piece " << escape_for_display(piece) << " at " << pos << " of " << length);
          REQUIRE(parsed["agreement"] == d.agreement);
          REQUIRE(mine == parsed.dump(indent));
        }
      }
    }
  }
  for (size_t pos = 0; pos < 100; ++pos) {
    Decision d;
    d.agreement = std::string(pos < 40 ? 40 : 100, 'b');
    d.agreement[pos] = '\xff';
    std::string want = d.agreement;
    want.replace(pos, 1, "\xef\xbf\xbd");
    CHECK(nlohmann::json::parse(to_json(d, -1))["agreement"] == want);
  }
}

TEST_CASE("decision JSON of every size is written whole, and the next one after it", "[decision]") {
  // The writer reuses one buffer per thread, grown when a document needs more; escapes write
  // six bytes for one (`\u0001`). Every size, past the 1 MiB after which the buffer is given
  // back, and a small one after that, must come out as a JSON library writes it.
  for (size_t count : {0u, 1u, 7u, 300u, 5000u, 90000u, 3u}) {
    std::vector<std::string> rules;  // a reason's rule is a view: its text must outlive it
    for (size_t i = 0; i < count % 50 + 1; ++i) rules.push_back("r" + std::to_string(i));
    Decision d;
    d.agreement = "A-" + std::to_string(count);
    for (size_t i = 0; i < count % 50 + 1; ++i) {
      Reason r;
      r.clause = "c";
      r.rule = rules[i];
      r.message = std::string(count, '\x01') + "\"" + std::string(count, '\\');
      r.evidence.push_back({std::string(count, '\x1f'), 1, 2});
      d.reasons.push_back(std::move(r));
    }
    for (int indent : {2, -1}) {
      const std::string mine = to_json(d, indent);
      INFO(count << " " << indent);
      auto parsed = nlohmann::ordered_json::parse(mine);
      REQUIRE(parsed["reasons"].size() == d.reasons.size());
      CHECK(parsed["reasons"].back()["message"] == d.reasons.back().message);
      CHECK(mine == parsed.dump(indent));
    }
  }
}

TEST_CASE("decision JSON has every section's layout at every indent", "[decision]") {
  // Keys are written from fragments made once per indent (a new line, the indentation, the
  // quoted key): every key of every section, at indents whose fragments fit and whose do not,
  // one after another on one thread, must come out as a JSON library lays the same tree out.
  const std::vector<std::string> reviewers = {"chair", "legal"};
  Decision d;
  d.agreement = "A-1";
  d.outcome = Outcome::kNeedsReview;
  d.policy = {"p", "1", "sha256:00"};
  d.as_of = 20000;
  for (int i = 0; i < 3; ++i) {
    Reason r;
    r.outcome = i == 0 ? Outcome::kNeedsReview : Outcome::kAllow;
    r.clause = "clause";
    r.rule = "rule";
    r.message = "message \"" + std::to_string(i) + "\"";
    r.citation = "DCF 5-4";
    if (i != 1) r.reviewers = reviewers;
    for (int e = 0; e < i; ++e) r.evidence.push_back({"fields[" + std::to_string(e) + "]", 3, 4});
    r.policy_file = "pack/a.policy";
    r.policy_position = {7, 1};
    d.reasons.push_back(std::move(r));
  }
  d.reviewers = reviewers;
  d.data = {{"rows.csv", "sha256:ab", 10, 3}, {"more.csv", "sha256:cd", 0, 0}};
  d.approvals.from_records = true;
  d.approvals.records = {"R-1"};
  d.approvals.unbacked = {{"approvals[0]", "chair", 5, 7}, {"approvals[1]", "legal", 6, 7}};
  for (int pass = 0; pass < 2; ++pass) {
    for (int indent : {2, -1, 0, 1, 3, 4, 5, 6, 7, 8, 12, 40, 2, -1}) {
      INFO("indent " << indent << ", pass " << pass);
      const std::string mine = to_json(d, indent);
      CHECK(mine == decision_tree(d).dump(indent));
    }
    // No data and no approvals: `reviewers` closes the document.
    d.data.clear();
    d.approvals = {};
  }
  CHECK(to_json(d, 2).find("approvals") == std::string::npos);
  // The evaluation date's text is kept by the thread from one decision to the next: a new
  // date, the first one again, and the dates at the ends of the range are each their own.
  for (int32_t as_of : {20000, 20001, 0, 20000, -719162, 2932896, -1, 0}) {
    d.as_of = as_of;
    INFO("as_of " << as_of);
    CHECK(to_json(d, -1) == decision_tree(d).dump(-1));
    CHECK(nlohmann::json::parse(to_json(d, 2))["as_of"] == format_iso_date(as_of));
  }
}

TEST_CASE("decision JSON from a pack's layouts is the JSON of the same decision", "[decision]") {
  // The policy block and each reason's parts that come from its rule are written once per
  // pack, indent and thread, and spliced in after: every example of the DCF pack, at indents
  // whose key fragments fit and whose do not, twice, must come out as the library writes the
  // same tree.
  auto dcf = pack_at("policies/dcf-5-4");
  auto lending = pack_at("tests/packs/lending");
  const std::string lending_text =
      "id: L\nborrower: {name: B, role: guest}\nitems:\n  - {name: Mac, kind: laptop}\n"
      "start: 2026-01-01\nend: 2026-01-02\n";
  std::vector<Decision> decisions;
  const std::string dir = steward::testing::source_dir() + "/policies/dcf-5-4/examples/agreements";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto loaded = load_document(*dcf, steward::testing::read_text(f.string()), f.string());
    REQUIRE(loaded.ok());
    decisions.push_back(Evaluator(dcf).evaluate(*loaded.document));
  }
  size_t reasons = 0;
  for (const Decision& d : decisions) reasons += d.reasons.size();
  REQUIRE(reasons >= 20);
  for (int pass = 0; pass < 2; ++pass) {
    for (int indent : {2, -1, 0, 1, 4, 12, 40, 2}) {
      for (const Decision& d : decisions) {
        INFO(d.agreement << " at indent " << indent << ", pass " << pass);
        REQUIRE(to_json(d, indent) == decision_tree(d).dump(indent));
      }
      // Another pack's decision between them: the thread's layouts are made again for it.
      const Decision other = decide(lending, lending_text);
      REQUIRE(!other.reasons.empty());
      CHECK(to_json(other, indent) == decision_tree(other).dump(indent));
    }
  }

  // A reason that is no longer its rule's as made is written from its own views.
  Decision changed = decisions.back();
  REQUIRE(!changed.reasons.empty());
  const std::string clause = "another \"clause\"";
  const std::vector<std::string> reviewers = {"someone"};
  for (int what = 0; what < 6; ++what) {
    Decision d = changed;
    Reason& r = d.reasons[0];
    switch (what) {
      case 0:
        r.clause = clause;
        break;
      case 1:
        r.outcome = r.outcome == Outcome::kDeny ? Outcome::kAllow : Outcome::kDeny;
        break;
      case 2:
        r.reviewers = reviewers;
        break;
      case 3:
        r.policy_position.line += 1;
        break;
      case 4:
        r.plan = &lending->rules[0];
        break;  // a rule of another pack
      default:
        d.policy.name = clause;
        break;
    }
    INFO("change " << what);
    for (int indent : {2, -1}) CHECK(to_json(d, indent) == decision_tree(d).dump(indent));
  }

  // Packs made and dropped one after another at the same address (as an allocator may place
  // them): each decision is written with its own pack's citation, never a layout made for the
  // pack that was there before.
  auto base = steward::testing::compiled_policy(
      "document Doc { id: string }\nclause c { title: \"C\" citation: \"x\" }\n"
      "rule r { clause: c  outcome: deny  when: id == \"a\"  message: \"m\" }\n");
  alignas(CompiledPack) static unsigned char slot[sizeof(CompiledPack)];
  for (int i = 0; i < 4; ++i) {
    CompiledPack copy = *base;  // its types are base's, which outlives it
    copy.rules[0].citation = "Policy " + std::to_string(i) + " \u00a7 " + std::string(i, '"');
    const std::shared_ptr<const CompiledPack> pack(
        new (slot) CompiledPack(std::move(copy)),
        [](const CompiledPack* p) { p->~CompiledPack(); });
    const Decision d = decide(pack, "id: a\n");
    REQUIRE(d.reasons.size() == 1);
    const std::string json = to_json(d, 2);
    CHECK(json == decision_tree(d).dump(2));
    CHECK(nlohmann::json::parse(json)["reasons"][0]["citation"] == pack->rules[0].citation);
  }
}

TEST_CASE("evaluation past its step budget is an error, never a decision", "[evaluator][hostile]") {
  std::string text =
      "document Doc { id: string, items: [string]? }\nclause c { title: \"C\" }\n"
      "rule r { clause: c  outcome: deny  when: any(x in items: any(y in items: "
      "any(z in items: x == \"never\")))  message: \"m\" }\n";
  CompileOptions allow;
  allow.max_cost = 1e100;
  auto res = compile(steward::testing::pack_of(text), allow);
  REQUIRE(res.ok());
  auto doc = items_document(*res.pack, 100);
  // 100^3 steps: within the default budget, past a small one.
  CHECK(Evaluator(res.pack).evaluate(*doc).outcome == Outcome::kAllow);
  Evaluator small(res.pack, 10'000);
  CHECK_THROWS_AS(small.evaluate(*doc), EvaluationBudgetExceeded);
  // The scratch state is reusable after the throw.
  auto few = load_document(*res.pack, "id: a\nitems: [b]\n", "d.yaml");
  CHECK(small.evaluate(*few.document).outcome == Outcome::kAllow);
}

TEST_CASE("a set index finds exactly its members, at every length", "[evaluator]") {
  // Lengths 0 to 70 cross the index's direct buckets (0-62) into its shared last one; each
  // length has members and near misses (one byte changed, one byte longer or shorter).
  std::vector<std::string> members;
  std::set<std::string> truth;
  for (size_t n = 0; n <= 70; n += (n < 66 ? 1 : 2)) {
    for (char c : {'b', 'd'}) {
      std::string m(n, c);
      if (n > 0) m[n / 2] = 'x';
      members.push_back(m);
      truth.insert(m);
    }
  }
  members.push_back(members.front());  // a duplicate changes nothing
  steward::detail::SetIndex index(members);
  std::set<std::string> probes(truth.begin(), truth.end());
  for (const std::string& m : truth) {
    for (char c : {'a', 'c', 'e', 'x'}) {
      std::string p = m;
      if (!p.empty()) p[0] = c;
      probes.insert(p);
      probes.insert(m + c);
    }
    if (!m.empty()) probes.insert(m.substr(1));
  }
  size_t found = 0;
  for (const std::string& p : probes) {
    INFO("`" << p << "` (" << p.size() << " bytes)");
    CHECK(index.contains(p) == (truth.count(p) == 1));
    found += index.contains(p);
  }
  CHECK(found == truth.size());
  CHECK_FALSE(steward::detail::SetIndex({}).contains(""));
}

TEST_CASE("membership tests count their steps against the budget", "[evaluator][hostile]") {
  // `"never" in items` for each of n items is n^2 steps: the compiled test that reads the list
  // where it is ticks per element, as eval() does.
  auto res = compile(steward::testing::pack_of(
      "document Doc { id: string, items: [string]? }\nclause c { title: \"C\" }\n"
      "rule r for x in items { clause: c  outcome: deny  when: \"never\" in items  "
      "message: \"m\" }\n"));
  REQUIRE(res.ok());
  auto doc = items_document(*res.pack, 200);
  CHECK(Evaluator(res.pack).evaluate(*doc).outcome == Outcome::kAllow);
  // 200 rule steps and 40,000 membership steps: past 10,000 only with the latter counted.
  CHECK_THROWS_AS(Evaluator(res.pack, 10'000).evaluate(*doc), EvaluationBudgetExceeded);
  CHECK_NOTHROW(Evaluator(res.pack, 41'000).evaluate(*doc));
}

TEST_CASE("definitions are computed when a rule first needs them, once per decision",
          "[evaluator][hostile]") {
  // `pairs` takes items^2 loop steps. A rule that never reaches it must not pay for it; a rule
  // over every item that reads it must compute it once, not once per item; and the next
  // decision (on the same thread, or after another pack's) must not see the previous value.
  std::string text =
      "document Doc { id: string, gate: bool, items: [string]? }\nclause c { title: \"C\" }\n"
      "let pairs = any(x in items: any(y in items: x == \"hit\" and y == \"hit\"))\n"
      "rule r { clause: c  outcome: deny  when: gate and pairs  message: \"m\" }\n"
      "rule each for i in items { clause: c  outcome: deny  when: gate and pairs and i == "
      "\"hit\"  message: \"e\" }\n";
  auto res = compile(steward::testing::pack_of(text));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  auto doc_with = [&](bool gate, const std::string& last) {
    std::string doc = fmt::format("id: a\ngate: {}\nitems: [", gate);
    for (int i = 0; i < 199; ++i) doc += i ? ",b" : "b";
    doc += "," + last + "]\n";
    auto loaded = load_document(*res.pack, doc, "d.yaml");
    REQUIRE(loaded.ok());
    return loaded.document;
  };
  // 200^2 = 40,000 steps for `pairs`; 200 for the rule's elements; 200^3 if it were
  // recomputed per element.
  Evaluator ev(res.pack, 50'000);
  CHECK(ev.evaluate(*doc_with(false, "b")).outcome == Outcome::kAllow);
  CHECK(Evaluator(res.pack, 1'000).evaluate(*doc_with(false, "hit")).outcome == Outcome::kAllow);
  Decision hit = ev.evaluate(*doc_with(true, "hit"));
  CHECK(hit.outcome == Outcome::kDeny);
  CHECK(hit.reasons.size() == 2);
  CHECK_THROWS_AS(Evaluator(res.pack, 1'000).evaluate(*doc_with(true, "hit")),
                  EvaluationBudgetExceeded);
  // The previous decision's `pairs` (true) is not this one's.
  CHECK(ev.evaluate(*doc_with(true, "b")).outcome == Outcome::kAllow);
  auto other = pack_at("tests/packs/lending");
  CHECK(decide(other,
               "id: L\nborrower: {name: B, role: guest}\nitems:\n  - {name: Mac, kind: laptop}\n"
               "start: 2026-01-01\nend: 2026-01-02\n")
            .outcome == Outcome::kDeny);
  CHECK(ev.evaluate(*doc_with(true, "hit")).outcome == Outcome::kDeny);
  CHECK(ev.evaluate(*doc_with(true, "b")).outcome == Outcome::kAllow);
}

namespace {

// The rules a decision fired, and the rules whose condition the general evaluator (explain
// evaluates each condition as a Value, with no compiled tests) finds true: they must agree.
void check_fast_matches_general(const CompileResult& res, const std::string& text,
                                const std::string& file, const EvaluationContext& context) {
  auto loaded = load_document(*res.pack, text, file);
  REQUIRE(loaded.ok());
  Evaluator ev(res.pack);
  Trace trace = ev.explain(*loaded.document, *res.sources, context);
  std::multiset<std::string> general, fast;
  for (const auto& r : trace.rules)
    if (r.fired) general.insert(r.id + " " + r.message);
  for (const auto& r : ev.evaluate(*loaded.document, context).reasons)
    fast.insert(std::string(r.rule) + " " + r.message);
  INFO(file << ":\n" << text);
  CHECK(fast == general);
}

}  // namespace

TEST_CASE("compiled tests decide each rule as the general evaluator does", "[evaluator]") {
  // Every shape the tests compile (paths against constants, as_of() and other paths; enum and
  // bool equality; enum and string sets; a constant in a list; empty, present; quantifiers;
  // definitions), on missing values too.
  auto res = compile(steward::testing::pack_of(R"(
enum Level { client, aggregate }
record Item { on: bool }
document Doc {
  id: string
  level: Level?
  items: [Item]?
  n: int?
  x: number?
  note: string?
  start: date?
  end: date?
  flag: bool?
  tags: [string]?
}
clause c { title: "C" }
set words = { "x", "y", "" }
let ended = present(end) and end <= as_of()
rule n_small { clause: c, outcome: deny, when: present(n) and n < 5, message: "a" }
rule n_not_3 { clause: c, outcome: deny, when: n != 3, message: "b" }
rule n_is_3 { clause: c, outcome: deny, when: n == 3, message: "c" }
rule x_big { clause: c, outcome: deny, when: present(x) and x >= 2.5, message: "d" }
rule x_int { clause: c, outcome: deny, when: present(x) and x > 2, message: "e" }
rule note_x { clause: c, outcome: deny, when: note == "x", message: "f" }
rule note_not_x { clause: c, outcome: deny, when: note != "x", message: "g" }
rule note_before { clause: c, outcome: deny, when: present(note) and note < "m", message: "h" }
rule backwards { clause: c, outcome: deny, when: present(end) and present(start) and end < start, message: "i" }
rule not_backwards { clause: c, outcome: deny, when: present(end) and present(start) and not (end >= start), message: "j" }
rule past { clause: c, outcome: deny, when: ended or (present(start) and start > as_of()), message: "k" }
rule level_agg { clause: c, outcome: deny, when: level != "client" and flag != false, message: "l" }
rule level_in { clause: c, outcome: deny, when: level in ["aggregate"], message: "m" }
rule tagged { clause: c, outcome: deny, when: any(t in tags: t == "x") or empty(tags), message: "n" }
rule note_in_set { clause: c, outcome: deny, when: note in words, message: "o" }
rule note_in_list { clause: c, outcome: deny, when: note in ["x", "zz"], message: "p" }
rule note_not_in { clause: c, outcome: deny, when: note not in words, message: "q" }
rule x_tag { clause: c, outcome: deny, when: "x" in tags, message: "r" }
rule no_y_tag { clause: c, outcome: deny, when: "y" not in tags, message: "s" }
rule level_tag { clause: c, outcome: deny, when: level in ["client"] and "x" in tags, message: "t" }
rule item_on for i in items { clause: c, outcome: deny, when: i.on, message: "w" }
rule any_on { clause: c, outcome: deny, when: any(i in items: not i.on), message: "x" }
rule late { clause: c, outcome: deny, when: present(end) and present(start) and start > end + 30, message: "y {end}" }
rule early { clause: c, outcome: deny, when: present(end) and present(start) and (start <= end - 2 or end + 0 < start), message: "z" }
rule not_late { clause: c, outcome: deny, when: present(end) and present(start) and not (start >= end + 1), message: "zz" }
)"));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  EvaluationContext context;
  REQUIRE(parse_iso_date("2026-03-01", &context.as_of));
  for (const char* doc : {
           "id: a\n",
           "id: a\nn: 3\nx: 2\nnote: x\nstart: 2026-03-01\nend: 2026-03-01\nflag: false\n",
           "id: a\nn: 7\nx: 2.5\nnote: ''\nstart: 2026-03-02\nend: 2026-01-01\nlevel: client\n",
           "id: a\nn: -1\nx: 2.0001\nnote: zz\nend: 2026-03-02\nlevel: aggregate\ntags: [y, x]\n",
           "id: a\nstart: 2026-02-28\nflag: true\ntags: []\nlevel: aggregate\n",
           "id: a\nnote: y\ntags: [X, y, x]\nlevel: client\n",
           "id: a\nnote: zz\ntags: [y]\n",
           "id: a\nnote: ''\ntags: [x]\nlevel: client\n",
           "id: a\nflag: null\nitems: [{on: true}, {on: false}, {on: true}]\n",
           "id: a\nitems: [{on: true}]\n",
           "id: a\nitems: []\n",
           // A date shifted by days, at and beside each boundary.
           "id: a\nstart: 2026-01-31\nend: 2026-01-01\n",
           "id: a\nstart: 2026-02-01\nend: 2026-01-01\n",
           "id: a\nstart: 2026-01-01\nend: 2026-01-03\n",
           "id: a\nstart: 2026-01-02\nend: 2026-01-03\n",
           "id: a\nstart: 2026-01-03\nend: 2026-01-03\n",
           "id: a\nstart: 2026-01-04\nend: 2026-01-03\n",
           "id: a\nend: 2026-01-03\n",
       })
    check_fast_matches_general(res, doc, "doc.yaml", context);
  // A shifted date past the calendar is an error as eval() has it: never a decision.
  Evaluator ev(res.pack);
  for (const char* doc : {"id: a\nstart: 2026-01-01\nend: 9999-12-15\n",
                          "id: a\nstart: 2026-01-01\nend: 0001-01-01\n"}) {
    INFO(doc);
    auto loaded = load_document(*res.pack, doc, "doc.yaml");
    REQUIRE(loaded.ok());
    CHECK_THROWS_AS(ev.evaluate(*loaded.document, context), EvaluationError);
    CHECK_THROWS_AS(ev.explain(*loaded.document, *res.sources, context), EvaluationError);
  }
}

TEST_CASE("explain shows a range error where the decision did not need the value", "[evaluator]") {
  // Found by the fuzzer's harness (tests/fuzz/regressions/evaluate-unused-definition-out-of-
  // range): `eval` decided while `explain` stopped, on a definition no rule needs and on a part
  // the decision's `or` never reached. Where the decision needs the value, both stop.
  auto res = compile(steward::testing::pack_of(R"(
document D { id: string, end: date?, far: bool? }
clause c { title: "C" }
let boom = (end ?? date("2026-01-01")) + 3000000
rule r { clause: c, outcome: deny,
  when: present(end) or (end ?? date("2026-01-01")) + 3000000 > date("2026-01-02"), message: "m" }
rule needs { clause: c, outcome: deny, when: far == true and boom > date("2026-01-02"),
  message: "m" }
)"));
  REQUIRE(res.ok());
  Evaluator ev(res.pack);
  auto loaded = load_document(*res.pack, "id: a\nend: 2026-01-01\n", "doc.yaml");
  REQUIRE(loaded.ok());
  const Decision d = ev.evaluate(*loaded.document);
  CHECK(d.outcome == Outcome::kDeny);
  Trace t = ev.explain(*loaded.document, *res.sources);
  CHECK(t.decision.outcome == Outcome::kDeny);
  REQUIRE(t.definitions.size() == 1);
  CHECK_THAT(t.definitions[0].value, Catch::StartsWith("(error[eval.range]:"));
  bool part_error = false;
  for (const TraceRule& r : t.rules)
    for (const TracePart& p : r.parts) part_error |= p.value.rfind("(error[eval.range]", 0) == 0;
  CHECK(part_error);
  // Needed: `far` is true, so `needs` computes `boom`. Both stop.
  auto needed = load_document(*res.pack, "id: a\nend: 2026-01-01\nfar: true\n", "doc.yaml");
  REQUIRE(needed.ok());
  CHECK_THROWS_AS(ev.evaluate(*needed.document), EvaluationError);
  CHECK_THROWS_AS(ev.explain(*needed.document, *res.sources), EvaluationError);
}

TEST_CASE("rules that open with the same test are decided as the general evaluator does",
          "[evaluator]") {
  // The evaluator runs rules with the same opening test side by side and, when that test fails
  // for one, skips it for the next (true and false both carry over, through `not` and `or`, and
  // around rules with a range). Every combination of missing, true and false is checked.
  auto res = compile(steward::testing::pack_of(R"(
document Doc {
  id: string
  a: bool?
  b: bool?
  c: bool?
  g: bool?
  n: int?
  items: [bool]?
}
clause c { title: "C" }
reviewer dgc { title: "Data Governance Committee" }
let gate = g == true
let other = a == true or c == true
rule r1 { clause: c, outcome: deny, when: gate and a == true, message: "1" }
rule r2 { clause: c, outcome: review(dgc), when: gate and b == true, message: "2" }
rule r3 { clause: c, outcome: deny, when: not gate and c == true, message: "3" }
rule r4 { clause: c, outcome: deny, when: gate or c == false, message: "4" }
rule r5 { clause: c, outcome: deny, when: gate, message: "5" }
rule r6 { clause: c, outcome: deny, when: not gate, message: "6" }
rule r7 { clause: c, outcome: deny, when: other and gate, message: "7" }
rule r8 { clause: c, outcome: deny, when: other and not gate, message: "8" }
rule r9 for x in items { clause: c, outcome: deny, when: x == gate, message: "9" }
rule r10 { clause: c, outcome: deny, when: (gate and a == true) or (gate and b != true), message: "10" }
rule r11 { clause: c, outcome: deny, when: a == true and b == true, message: "11" }
rule r12 { clause: c, outcome: deny, when: a == true and not (b == true), message: "12" }
rule r13 { clause: c, outcome: deny, when: a != true or b == true, message: "13" }
rule r14 for x in items { clause: c, outcome: deny, when: (n ?? 0) + 9223372036854775000 > 0 and x, message: "14" }
rule r15 for x in items { clause: c, outcome: deny, when: gate and x == true, message: "15" }
rule r16 for x in items { clause: c, outcome: deny, when: x == true and gate, message: "16" }
rule r17 for x in items { clause: c, outcome: deny, when: (gate or a == true) and x != b, message: "17" }
rule r18 for x in items { clause: c, outcome: deny, when: any(y in items: y == x) and c == true, message: "18" }
)"));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  const char* values[] = {"", "true", "false"};
  size_t docs = 0;
  for (int i = 0; i < 81; ++i) {
    std::string doc = "id: a\nitems: [true, false]\n";
    int k = i;
    for (const char* key : {"a", "b", "c", "g"}) {
      if (k % 3 != 0) doc += std::string(key) + ": " + values[k % 3] + "\n";
      k /= 3;
    }
    check_fast_matches_general(res, doc, "doc.yaml", EvaluationContext{});
    ++docs;
  }
  CHECK(docs == 81);
  // A rule's test that reads no element is asked once, and only when there is an element, as
  // it was per element: an empty list raises no error from it.
  Evaluator ev(res.pack);
  auto empty = load_document(*res.pack, "id: a\nn: 1000\nitems: []\n", "doc.yaml");
  REQUIRE(empty.ok());
  CHECK_NOTHROW(ev.evaluate(*empty.document));
  auto one = load_document(*res.pack, "id: a\nn: 1000\nitems: [true]\n", "doc.yaml");
  REQUIRE(one.ok());
  CHECK_THROWS_AS(ev.evaluate(*one.document), EvaluationError);
}

TEST_CASE("tests skipped because earlier ones answered them decide as the general evaluator does",
          "[evaluator]") {
  // thread_known_tests skips a test whose question an earlier test on every path into it
  // answered: the same field asked again by another rule, another member of the same enum
  // field (`kind == "a"` holding answers `kind == "b"`), `present` answered by a value held,
  // `empty` by an absent one, and elements of a loop, which a quantifier in between makes unknown.
  // Every combination of missing, null and each value is checked against explain().
  auto res = compile(steward::testing::pack_of(R"(
enum Kind { sharing, integration, research }
record Party { kind: Kind?, named: bool? }
document Doc {
  id: string
  kind: Kind?
  on: bool?
  note: string?
  parties: [Party]?
}
clause c { title: "C" }
let is_sharing = kind == "sharing"
rule k1 { clause: c, outcome: deny, when: kind == "sharing" and on == true, message: "1" }
rule k2 { clause: c, outcome: deny, when: kind == "integration" or on != true, message: "2" }
rule k3 { clause: c, outcome: deny, when: kind != "research" and empty(note), message: "3" }
rule k4 { clause: c, outcome: deny, when: present(kind) and kind != "sharing", message: "4" }
rule k5 { clause: c, outcome: deny, when: not present(kind) or kind == "research", message: "5" }
rule k6 { clause: c, outcome: deny, when: not present(on) or on == false, message: "6" }
rule k7 { clause: c, outcome: deny, when: not present(note) and empty(note) and on == true, message: "7" }
rule k8 { clause: c, outcome: deny, when: is_sharing and kind == "integration", message: "8" }
rule k9 for p in parties { clause: c, outcome: deny, when: p.kind == "sharing" and any(q in parties: q.kind == "research") and p.kind != "research", message: "9" }
rule k10 for p in parties { clause: c, outcome: deny, when: present(p.kind) and p.named == true and p.kind != "sharing" and present(p.named), message: "10" }
rule k11 { clause: c, outcome: deny, when: any(p in parties: p.kind == "sharing" and p.named == true) and any(p in parties: p.kind != "sharing"), message: "11" }
rule k12 { clause: c, outcome: deny, when: kind in ["sharing", "research"] and kind == "sharing", message: "12" }
rule k13 { clause: c, outcome: deny, when: present(note) and empty(note), message: "13" }
rule k14 { clause: c, outcome: deny, when: on == false and on != true and present(on), message: "14" }
rule k15 { clause: c, outcome: deny, when: kind == "research" or kind == "sharing" or kind == "integration", message: "15" }
rule k16 { clause: c, outcome: deny, when: not (kind == "research" or kind == "sharing") and present(kind), message: "16" }
)"));
  for (const auto& d : res.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(res.ok());
  const char* kinds[] = {"", "kind: null\n", "kind: sharing\n", "kind: integration\n",
                         "kind: research\n"};
  const char* ons[] = {"", "on: true\n", "on: false\n", "on: null\n"};
  const char* notes[] = {"", "note: ''\n", "note: x\n"};
  const char* parties[] = {
      "", "parties: []\n", "parties: [{kind: sharing, named: true}, {kind: research}]\n",
      "parties: [{named: true}, {kind: sharing}]\n",
      "parties: [{kind: research, named: true}, {kind: sharing, named: true}]\n"};
  size_t docs = 0;
  for (const char* k : kinds)
    for (const char* o : ons)
      for (const char* n : notes)
        for (const char* p : parties) {
          check_fast_matches_general(res, std::string("id: a\n") + k + o + n + p, "doc.yaml",
                                     EvaluationContext{});
          ++docs;
        }
  CHECK(docs == 5 * 4 * 3 * 5);
}

TEST_CASE("compiled tests decide each DCF example as the general evaluator does",
          "[evaluator][dcf]") {
  CompileOptions options;
  auto res = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4", options);
  REQUIRE(res.ok());
  EvaluationContext context;
  REQUIRE(parse_iso_date("2026-03-01", &context.as_of));
  namespace fs = std::filesystem;
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(steward::testing::source_dir() +
                                              "/policies/dcf-5-4/examples/agreements")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    check_fast_matches_general(res, text, e.path().string(), context);
    ++n;
  }
  CHECK(n >= 30);
}

TEST_CASE("broken_asserts names the invariants a decision breaks", "[evaluator][assert]") {
  auto res = compile(steward::testing::pack_of(R"P(
document Doc { id: string, external: bool, approved: bool? }
clause c { title: "c" citation: "c" }
rule unapproved { clause: c outcome: deny when: external and approved == false message: "x" }
assert external_needs_approval { when: external and approved != true expect: deny message: "m" }
assert internal_any { when: not external expect: allow, deny message: "m" }
)P"));
  REQUIRE(res.ok());
  Evaluator ev(res.pack);
  auto broken = [&](const std::string& text) {
    auto loaded = load_document(*res.pack, text, "doc.yaml");
    REQUIRE(loaded.ok());
    Decision d = ev.evaluate(*loaded.document);
    std::vector<std::string> names;
    for (const AssertPlan* a : ev.broken_asserts(*loaded.document, d)) names.push_back(a->name);
    return names;
  };
  // Missing approval is not `false`: the rule stays silent and the invariant catches it.
  CHECK(broken("id: a\nexternal: true\n") == std::vector<std::string>{"external_needs_approval"});
  CHECK(broken("id: a\nexternal: true\napproved: false\n").empty());
  CHECK(broken("id: a\nexternal: true\napproved: true\n").empty());
  CHECK(broken("id: a\nexternal: false\n").empty());
}

// A Document is read by field numbers of the pack it was loaded against: read with another
// pack's paths it would give that pack's rules values of the wrong fields (a deny read as an
// allow) or reach past its nodes. An empty Document (default-constructed) has no root at all.
TEST_CASE("a document loaded against another pack or an empty one decides nothing",
          "[evaluator][hostile]") {
  auto dcf = pack_at("policies/dcf-5-4");
  auto lending = pack_at("tests/packs/lending");
  auto loaded = load_document(
      *lending,
      "id: L\nborrower: {name: B, role: guest}\nitems:\n  - {name: Mac, kind: laptop}\n"
      "start: 2026-01-01\nend: 2026-01-02\n",
      "doc.yaml");
  REQUIRE(loaded.ok());
  auto code_of = [](auto&& call) {
    try {
      call();
    } catch (const EvaluationError& e) {
      return e.code();
    }
    return std::string("decided");
  };
  const Evaluator ev(dcf);
  const SourceMap sources;
  CHECK(code_of([&] { ev.evaluate(*loaded.document); }) == "eval.document");
  CHECK(code_of([&] { ev.explain(*loaded.document, sources); }) == "eval.document");
  const Document empty;
  CHECK(code_of([&] { ev.evaluate(empty); }) == "eval.document");
  CHECK(code_of([&] { Evaluator(lending).evaluate(empty); }) == "eval.document");
  // The same pack compiled again has types of its own: its documents are another pack's too.
  auto again = pack_at("tests/packs/lending");
  CHECK(code_of([&] { Evaluator(again).evaluate(*loaded.document); }) == "eval.document");
  CHECK(code_of([&] { Evaluator(lending).evaluate(*loaded.document); }) == "decided");
}

TEST_CASE("an evaluator of a pack that did not compile is refused, not a crash later",
          "[evaluator][hostile]") {
  auto broken = compile(steward::testing::pack_of("rule r {\n  clause: c\n"));
  REQUIRE_FALSE(broken.ok());
  CHECK_THROWS_AS(Evaluator(broken.pack), std::invalid_argument);
}
