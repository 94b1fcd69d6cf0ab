// Approvals from review records (load_document's `approvals`, Archive::approvals_for): a stated
// approval counts only when a record backs it, and the manifest's `approvals:` lists are
// checked against the schema.
#include <catch2/catch.hpp>
#include <filesystem>

#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/evaluator.h"
#include "test_support.h"

// The runtime's own header: its lookup is called while a fast path's document is open.
#include "approvals.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

const char* kPolicy = R"P(
enum Body { board, chair }
enum Verdict { approved, denied, pending }
record Approval { body: Body, decision: Verdict, date: date? }
document D {
  id: string
  approvals: [Approval]?
  plan: { text: string, approvals: [Approval]? }?
}
reviewer board { title: "Board" }
clause c { title: "C" }
reviewer chair { title: "Chair" }
rule needs_board {
  clause: c, outcome: review(board),
  when: not any(a in approvals: a.body == "board" and a.decision == "approved"),
  message: "no approval by the board", evidence: approvals
}
rule board_denied for a in approvals {
  clause: c, outcome: deny, when: a.decision == "denied", message: "denied by {a.body}"
}
rule plan_needs_chair {
  clause: c, outcome: review(chair),
  when: present(plan) and not any(a in plan.approvals: a.body == "chair" and a.decision == "approved"),
  message: "no approval of the plan by the chair", evidence: plan.approvals
}
)P";

std::shared_ptr<const CompiledPack> pack(
    const std::string& manifest = "approvals: [approvals, plan.approvals]\n") {
  auto r = compile(steward::testing::pack_of(kPolicy, manifest));
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(r.ok());
  return r.pack;
}

Decision decide(const CompiledPack& p, const std::string& text,
                const std::vector<ApprovalEvidence>* records, LoadResult* loaded = nullptr) {
  LoadResult l = load_document(p, text, "a.yaml", {}, DocumentFormat::kYaml, nullptr, records);
  for (const auto& e : l.errors) UNSCOPED_INFO(e.code << " " << e.line << ": " << e.message);
  REQUIRE(l.ok());
  std::shared_ptr<const CompiledPack> shared(&p, [](const CompiledPack*) {});
  Decision d = Evaluator(shared).evaluate(*l.document);
  if (loaded) *loaded = std::move(l);
  return d;
}

const char* kStated =
    "id: A-1\napprovals:\n  - {body: board, decision: approved, date: 2026-01-02}\n"
    "plan:\n  text: letters\n  approvals:\n    - {body: chair, decision: approved, date: "
    "2026-01-03}\n";

}  // namespace

TEST_CASE("a stated approval counts only when a review record backs it", "[approvals]") {
  auto p = pack();
  // The proposer's word: allowed.
  CHECK(decide(*p, kStated, nullptr).outcome == Outcome::kAllow);
  // From records, none: both stated approvals are not counted, and the reasons say so.
  std::vector<ApprovalEvidence> none;
  Decision d = decide(*p, kStated, &none);
  CHECK(d.outcome == Outcome::kNeedsReview);
  REQUIRE(d.approvals.unbacked.size() == 2);
  CHECK(d.approvals.unbacked[0].path == "approvals[0]");
  CHECK(d.approvals.unbacked[0].line == 3);
  CHECK(d.approvals.unbacked[1].path == "plan.approvals[0]");
  REQUIRE(d.reasons.size() == 2);
  CHECK_THAT(d.reasons[0].message + d.reasons[1].message,
             Catch::Contains("the approval by `board` that the agreement states (`approvals[0]`, "
                             "line 3) is not counted"));
  CHECK_THAT(to_json(d, -1), Catch::Contains("\"approvals\":{\"from\":\"review_records\""));
  // The board's record backs the board; the chair has none yet.
  int32_t day = 0;
  REQUIRE(parse_iso_date("2026-02-01", &day));
  std::vector<ApprovalEvidence> board{{"board", true, day, "r-1"}};
  LoadResult loaded;
  d = decide(*p, kStated, &board, &loaded);
  CHECK(d.outcome == Outcome::kNeedsReview);
  CHECK(d.reviewers == std::vector<std::string>{"chair"});
  CHECK(d.approvals.records == std::vector<std::string>{"r-1"});
  // Both lists take the record (the plan's too, since the plan is there); the chair's stated
  // approval is the one not counted.
  REQUIRE(d.approvals.unbacked.size() == 1);
  CHECK(d.approvals.unbacked[0].body == "chair");
  std::vector<ApprovalEvidence> both{{"board", true, day, "r-1"}, {"chair", true, day, "r-2"}};
  d = decide(*p, kStated, &both);
  CHECK(d.outcome == Outcome::kAllow);
  CHECK(d.approvals.unbacked.empty());
  // A denial on record denies, whatever the text states.
  std::vector<ApprovalEvidence> denied{{"board", false, day, "r-3"}, {"chair", true, day, "r-2"}};
  CHECK(decide(*p, kStated, &denied).outcome == Outcome::kDeny);
}

TEST_CASE("a reason names the stated approvals of the list it points at", "[approvals]") {
  auto p = pack();
  std::vector<ApprovalEvidence> none;
  Decision d = decide(*p,
                      "id: A-5\napprovals:\n  - {body: board, decision: approved}\n"
                      "  - {body: chair, decision: approved}\nplan:\n  text: t\n  approvals:\n"
                      "    - {body: chair, decision: approved}\n",
                      &none);
  REQUIRE(d.approvals.unbacked.size() == 3);
  const Reason* chair = nullptr;
  for (const Reason& r : d.reasons)
    if (r.rule == "plan_needs_chair") chair = &r;
  REQUIRE(chair != nullptr);
  CHECK_THAT(chair->message, Catch::Contains("(`plan.approvals[0]`, line 8)"));
  CHECK_THAT(chair->message, !Catch::Contains("`approvals[1]`"));
}

TEST_CASE("records fill a list the agreement left out, and stated denials stay", "[approvals]") {
  auto p = pack();
  int32_t day = 0;
  REQUIRE(parse_iso_date("2026-02-01", &day));
  std::vector<ApprovalEvidence> board{{"board", true, day, "r-1"}};
  // No `approvals` at all: the record makes the list. No plan: none is made.
  Decision d = decide(*p, "id: A-2\n", &board);
  CHECK(d.outcome == Outcome::kAllow);
  // `approvals: null` and `approvals: []` read the same.
  CHECK(decide(*p, "id: A-2\napprovals:\n", &board).outcome == Outcome::kAllow);
  CHECK(decide(*p, "id: A-2\napprovals: []\n", &board).outcome == Outcome::kAllow);
  // Attack: a list stated as null in any spelling still takes the records' verdicts. It was
  // left null, so a denial on record was dropped (needs_review here; an allow where the pack
  // asks for no approval but honours a denial).
  std::vector<ApprovalEvidence> denial{{"board", true, day, "r-1"}, {"chair", false, day, "r-9"}};
  for (const char* text :
       {"id: A-2\napprovals:\n", "id: A-2\napprovals: null\n", "id: A-2\napprovals: ~\n",
        "id: A-2\napprovals: Null\n", "id: A-2\napprovals: NULL\n", "id: A-2\n"}) {
    INFO(text);
    LoadResult loaded;
    CHECK(decide(*p, text, &denial, &loaded).outcome == Outcome::kDeny);
    CHECK(loaded.document->approval_source().records == std::vector<std::string>{"r-1", "r-9"});
  }
  {
    LoadResult l = load_document(*p, R"({"id": "A-2", "approvals": null})", "a.json", {},
                                 DocumentFormat::kJson, nullptr, &denial);
    REQUIRE(l.ok());
    std::shared_ptr<const CompiledPack> shared(p.get(), [](const CompiledPack*) {});
    CHECK(Evaluator(shared).evaluate(*l.document).outcome == Outcome::kDeny);
  }
  // A quoted "null" is a string, not a list: refused, not read as the records' list.
  CHECK_FALSE(load_document(*p, "id: A-2\napprovals: 'null'\n", "a.yaml", {}, DocumentFormat::kYaml,
                            nullptr, &denial)
                  .ok());
  // A denial the proposer states is kept: it only holds the decision back.
  d = decide(*p, "id: A-3\napprovals:\n  - {body: board, decision: denied, date: 2026-01-02}\n",
             &board);
  CHECK(d.outcome == Outcome::kDeny);
  // Attack: the approval spelled through a JSON escape is still an approval, still not counted.
  std::vector<ApprovalEvidence> none;
  LoadResult l = load_document(
      *p, R"({"id": "A-4", "approvals": [{"body": "board", "decision": "appro\u0076ed"}]})",
      "a.json", {}, DocumentFormat::kJson, nullptr, &none);
  REQUIRE(l.ok());
  CHECK(l.document->approval_source().unbacked.size() == 1);
  // A pack that names no approval lists refuses records rather than ignoring them.
  auto plain = pack("");
  LoadResult refused =
      load_document(*plain, kStated, "a.yaml", {}, DocumentFormat::kYaml, nullptr, &board);
  REQUIRE(refused.errors.size() == 1);
  CHECK(refused.errors[0].code == "input.approvals");
}

TEST_CASE("the manifest's approval lists are checked against the schema", "[approvals][compiler]") {
  auto errors = [](const std::string& manifest) {
    auto r = compile(steward::testing::pack_of(kPolicy, manifest));
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.items()) out.push_back(d.code + ": " + d.message);
    return out;
  };
  CHECK(errors("approvals: [approvals, plan.approvals]\n").empty());
  auto one = [&](const std::string& manifest) {
    auto e = errors(manifest);
    REQUIRE(e.size() == 1);
    return e[0];
  };
  CHECK_THAT(one("approvals: [aprovals]\n"),
             Catch::Contains("manifest.approvals") &&
                 Catch::Contains("`D` has no field `aprovals` (did you mean `approvals`?)"));
  CHECK_THAT(one("approvals: [plan.text]\n"), Catch::Contains("it is `string`, not a list"));
  CHECK_THAT(one("approvals: [id.x]\n"), Catch::Contains("`x` is `string`, not a record"));
  CHECK_THAT(one("approvals: approvals\n"), Catch::Contains("must be a list of paths"));
}

namespace {

// A fresh SQLite archive beside the DCF pack and its example 01, removed afterwards.
struct ReviewedExample {
  explicit ReviewedExample(const std::string& name)
      : db(fs::temp_directory_path() / (name + std::to_string(::getpid()) + ".db")) {
    fs::remove(db);
    archive = Archive::open("sqlite:" + db.string(), &error);
    REQUIRE(archive);
    REQUIRE(dcf.ok());
  }
  ~ReviewedExample() {
    archive.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  }
  fs::path db;
  std::string error;
  std::unique_ptr<Archive> archive;
  CompileResult dcf = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  const std::string text =
      steward::testing::read_text(steward::testing::source_dir() +
                                  "/policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
};

}  // namespace

TEST_CASE("approvals_for gives each body's latest verdict on this exact text",
          "[approvals][archive]") {
  ReviewedExample ex("steward_approvals_");
  std::string& error = ex.error;
  const auto& dcf = ex.dcf;
  const std::string& text = ex.text;
  // The stated approvals do not count: needs review by the committee and the commissioner.
  Archive& a = *ex.archive;
  auto first = load_with_reviews(a, *dcf.pack, text, "01.yaml");
  REQUIRE(first.ok());
  Decision d = Evaluator(dcf.pack).evaluate(*first.document);
  REQUIRE(d.outcome == Outcome::kNeedsReview);
  ArchiveRecord asked, r1, r2, r3;
  REQUIRE(a.append(d, text, "test", &asked, &error));
  const std::string digest = asked.agreement_digest;
  REQUIRE(a.append_review({asked.decision_id, digest, "commissioner", "approve", "", "c"}, &r1,
                          &error));
  REQUIRE(a.append_review(
      {asked.decision_id, digest, "data_governance_committee", "approve", "", "d"}, &r2, &error));
  REQUIRE(a.append_review(
      {asked.decision_id, digest, "data_governance_committee", "request_changes", "", "d"}, &r3,
      &error));
  // The committee's latest word withdrew its approval.
  auto got = a.approvals_for("DSA-EX-01", digest);
  REQUIRE(got.size() == 1);
  CHECK(got[0].body == "commissioner");
  CHECK(got[0].record == r1.decision_id);
  CHECK(format_iso_date(got[0].date) == r1.time.substr(0, 10));
  CHECK(a.approvals_for("DSA-EX-01", "sha256:other").empty());
  CHECK(a.approvals_for("DSA-EX-02", digest).empty());
  // A decision that names a review it did not use, or one of other text, fails verify.
  CHECK(a.verify().ok);
  Decision forged = d;
  forged.approvals.from_records = true;
  forged.approvals.records = {"r-00000000ffffffffffffffff"};
  REQUIRE(a.append(forged, text, "test", nullptr, &error));
  auto v = a.verify();
  CHECK_FALSE(v.ok);
  REQUIRE(v.problems.size() == 1);
  CHECK_THAT(v.problems[0], Catch::Contains("does not link to its reviews") &&
                                Catch::Contains("not an earlier review"));
}

TEST_CASE("review records on an agreement's other text back none of this text's approvals",
          "[approvals][archive]") {
  // load_with_reviews hashes the text only once the id has records: they must still be matched
  // to this exact text, so a text changed after its review does not inherit the approvals.
  ReviewedExample ex("steward_approvals_text_");
  std::string& error = ex.error;
  const auto& dcf = ex.dcf;
  const std::string& text = ex.text;
  Archive& a = *ex.archive;
  Evaluator ev(dcf.pack);
  auto decide = [&](const std::string& t) {
    LoadResult loaded = load_with_reviews(a, *dcf.pack, t, "01.yaml");
    REQUIRE(loaded.ok());
    return ev.evaluate(*loaded.document);
  };
  Decision d = decide(text);
  REQUIRE(d.outcome == Outcome::kNeedsReview);
  ArchiveRecord asked, r;
  REQUIRE(a.append(d, text, "test", &asked, &error));
  REQUIRE_FALSE(d.reviewers.empty());
  for (const std::string& body : d.reviewers)
    REQUIRE(a.append_review({asked.decision_id, asked.agreement_digest, body, "approve", "", "x"},
                            &r, &error));
  // The approvals now come from the records (dated today, after the data starts to flow, so
  // the decision still asks, for another reason).
  auto rules = [](const Decision& x) {
    std::vector<std::string> out;
    for (const Reason& reason : x.reasons) out.emplace_back(reason.rule);
    return out;
  };
  const Decision reviewed = decide(text);
  CHECK(reviewed.approvals.records.size() == d.reviewers.size());
  CHECK(rules(reviewed) != rules(d));
  // The same id, one comment more: other bytes, so other text.
  const Decision changed = decide(text + "\n# changed after its review\n");
  CHECK(changed.outcome == Outcome::kNeedsReview);
  CHECK(changed.approvals.records.empty());
  CHECK(rules(changed) == rules(d));
}

namespace {

// One text loaded with `records` by load_document (the fast paths apply them), by the general
// path alone and by the fast path alone: the same result, errors, document and decision.
// Which built it: 0 none (refused), 1 the general path only, 2 the fast path as well.
int same_as_general(const CompiledPack& p, const std::string& text,
                    const std::vector<ApprovalEvidence>& records, const LoadLimits& limits,
                    DocumentFormat format = DocumentFormat::kAuto) {
  INFO(text);
  INFO(records.size() << " records, max_values " << limits.max_values);
  LoadResult loaded = load_document(p, text, "a.json", limits, format, nullptr, &records);
  LoadResult general = load_document_general(p, text, "a.json", limits, format, &records);
  REQUIRE(loaded.ok() == general.ok());
  CHECK(steward::testing::error_list(loaded) == steward::testing::error_list(general));
  auto fast = load_document_fast(p, text, "a.json", limits, format, &records);
  if (!general.ok()) {
    CHECK(fast == nullptr);
    return 0;
  }
  CHECK(document_difference(*loaded.document, *general.document) == "");
  std::shared_ptr<const CompiledPack> shared(&p, [](const CompiledPack*) {});
  Evaluator ev(shared);
  CHECK(to_json(ev.evaluate(*loaded.document), -1) == to_json(ev.evaluate(*general.document), -1));
  if (fast == nullptr) return 1;
  CHECK(document_difference(*fast, *general.document) == "");
  return 2;
}

}  // namespace

TEST_CASE("the fast paths apply review records as the general path does", "[approvals]") {
  auto p = pack();
  int32_t day = 0;
  REQUIRE(parse_iso_date("2026-02-01", &day));
  const std::vector<std::vector<ApprovalEvidence>> record_sets = {
      {},
      {{"board", true, day, "r-1"}},
      {{"board", true, day, "r-1"}, {"chair", false, day, "r-2"}},
      {{"chair", true, day, "r-2"}, {"chair", true, day, "r-2"}},  // one record twice
      {{"nobody", true, day, "r-3"}},      // a body the schema does not know: refused
      {{"", true, day, "r-4"}},            // an empty one
      {{"board", true, 2932897, "r-5"}},   // 10000-01-01, past what a date reads
      {{"board", false, -719528, "r-6"}},  // 0000-01-01
      {{"board", true, day, std::string(300, 'r')}},
  };
  const std::vector<std::string> texts = {
      R"({"id": "A-1"})",
      R"({"id": "A-1", "approvals": null})",
      R"({"id": "A-1", "approvals": []})",
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": "approved", "date": )"
      R"("2026-01-02"}], "plan": {"text": "letters", "approvals": [{"body": "chair", )"
      R"("decision": "approved"}]}})",
      "{\n  \"id\": \"A-1\",\n  \"approvals\": [\n    {\"body\": \"board\", \"decision\": "
      "\"pending\"},\n    {\"body\": \"chair\", \"decision\": \"approved\", \"date\": "
      "\"2026-01-02\"},\n    {\"body\": \"board\", \"decision\": \"denied\"},\n    "
      "{\"body\": \"board\", \"decision\": \"approved\"}\n  ],\n  \"plan\": {\"text\": "
      "\"\xc3\xa9 letters\", \"approvals\": null}\n}\n",
      R"({"id": "A-1", "plan": null})",
      R"({"id": "A-1", "plan": {"text": "t"}})",
      R"({"id": "A-1", "plan": {"text": "t", "approvals": []}, "approvals": null})",
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": "approved", "date": ""}]})",
      // Refused whatever the records say.
      R"({"id": "A-1", "approvals": [null]})",
      R"({"id": "A-1", "approvals": "none"})",
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": "maybe"}]})",
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": null}]})",
      R"({"approvals": []})",
      R"({"id": 7, "approvals": []})",
      R"({"id": null})",
      "\xef\xbb\xbf{\"id\": \"A-1\", \"approvals\": [{\"body\": \"chair\", \"decision\": "
      "\"approved\"}]}",
      // YAML: the spellings of null, block lists, a parent left empty.
      "id: A-1\napprovals:\n",
      "id: A-1\napprovals: ~\nplan: {text: t, approvals: Null}\n",
      "id: A-1\napprovals:\n  - {body: board, decision: approved, date: 2026-01-02}\n  - body: "
      "chair\n    decision: pending\n  - body: chair\n    decision: approved\nplan:\n  text: "
      "letters\n  approvals:\n",
      "id: A-1\nplan:\n",
      "id: 'A-1'\napprovals: []\n",
      "id: A-1\napprovals: \"\"\n",
  };
  // Approved entries the general path drops before it validates them, so it does not refuse
  // them: the fast path, which read them already, gives up.
  const std::vector<std::string> dropped = {
      R"({"id": "A-1", "approvals": [{"body": "nobody", "decision": "approved"}]})",
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": "approved", "x": 1}]})",
      R"({"id": "A-1", "approvals": [{"body": null, "decision": "approved"}]})",
      R"({"id": "A-1", "approvals": [{"decision": "approved"}]})",
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": "approved", "body": "x"}]})",
      "id: A-1\napprovals:\n  - {body: board, decision: approved, by: me}\n",
      // What the YAML fast path does not read: an anchor, an alias.
      "id: A-1\napprovals: &a []\n",
      "id: A-1\nplan: {text: t, approvals: &a [{body: chair, decision: denied}]}\napprovals: *a\n",
  };
  // JSON texts are YAML too: with kYaml they take the YAML paths.
  const DocumentFormat formats[] = {DocumentFormat::kAuto, DocumentFormat::kYaml};
  size_t built[3] = {0, 0, 0};
  for (DocumentFormat format : formats)
    for (const auto& text : texts)
      for (const auto& records : record_sets)
        ++built[same_as_general(*p, text, records, {}, format)];
  // Within the limits the fast paths build every document these texts make (so this compares
  // them with the general path, not the general path with itself).
  CHECK(built[2] >= 150);
  CHECK(built[1] == 0);
  // Near the value budget it counts the approved entries it drops (more, never fewer: it gives
  // up where the general path may not); with them it gives up.
  for (size_t max_values = 1; max_values <= 48; ++max_values) {
    LoadLimits limits;
    limits.max_values = max_values;
    for (DocumentFormat format : formats)
      for (const auto& text : texts)
        for (const auto& records : record_sets)
          ++built[same_as_general(*p, text, records, limits, format)];
  }
  for (DocumentFormat format : formats)
    for (const auto& text : dropped)
      for (const auto& records : record_sets)
        CHECK(same_as_general(*p, text, records, {}, format) != 2);
  // The null list and the denial on record, straight from the fast path.
  std::vector<ApprovalEvidence> denial{{"board", true, day, "r-1"}, {"chair", false, day, "r-9"}};
  auto doc = load_document_fast(*p, R"({"id": "A-2", "approvals": null})", "a.json", {},
                                DocumentFormat::kAuto, &denial);
  REQUIRE(doc != nullptr);
  CHECK(doc->approval_source().records == std::vector<std::string>{"r-1", "r-9"});
  // A pack that names no approval lists: the general path refuses the records.
  auto plain = pack("");
  CHECK(load_document_fast(*plain, R"({"id": "A-2"})", "a.json", {}, DocumentFormat::kAuto,
                           &denial) == nullptr);
}

TEST_CASE("the fast paths apply review records to the DCF examples as the general path",
          "[approvals]") {
  const CompiledPack& p = steward::testing::dcf_pack();
  int32_t day = 0;
  REQUIRE(parse_iso_date("2026-02-01", &day));
  const std::vector<std::vector<ApprovalEvidence>> record_sets = {
      {},
      {{"data_governance_committee", true, day, "r-1"}},
      {{"data_governance_committee", true, day, "r-1"}, {"commissioner", false, day, "r-2"}},
      {{"commissioner_designee", true, day, "r-3"},
       {"data_governance_committee", true, day, "r-1"},
       {"legal_division", true, day, "r-4"},
       {"cphs", false, day, "r-5"}},
  };
  size_t built[3] = {0, 0, 0};
  for (const char* dir : {"bench/json", "policies/dcf-5-4/examples/agreements"})
    for (const auto& path : steward::testing::files_in(dir))
      for (const auto& records : record_sets)
        ++built[same_as_general(p, steward::testing::read_text(path), records, {})];
  // Every example but the one with YAML anchors (read by the general path) is plain JSON or
  // YAML the fast paths read whole.
  CHECK(built[2] >= 4 * 65);
  CHECK(built[1] == 4);
}

TEST_CASE("a denial on record denies a DCF agreement that states its approvals as null",
          "[approvals]") {
  // Example 23 needs no approval (an internal analysis) and is allowed; a denial on record
  // denies it however the agreement leaves its approvals out. Before, `approvals: null` or `~`
  // left the list null, the denial was dropped, and the agreement was allowed.
  const CompiledPack& p = steward::testing::dcf_pack();
  const std::string text = steward::testing::read_text(
      steward::testing::source_dir() +
      "/policies/dcf-5-4/examples/agreements/23-internal-analysis-allow.yaml");
  REQUIRE(text.find("\napprovals:") == std::string::npos);
  int32_t day = 0;
  REQUIRE(parse_iso_date("2026-02-01", &day));
  const std::vector<ApprovalEvidence> none;
  const std::vector<ApprovalEvidence> denied{{"data_governance_committee", false, day, "r-1"}};
  CHECK(decide(p, text, &none).outcome == Outcome::kAllow);
  for (const char* tail : {"", "approvals:\n", "approvals: null\n", "approvals: ~\n"}) {
    INFO(tail);
    CHECK(decide(p, text + tail, &denied).outcome == Outcome::kDeny);
  }
}

TEST_CASE("a load inside an approvals lookup leaves the outer load's document whole",
          "[approvals]") {
  // A fast path keeps its strings and list items in scratch its thread keeps from one load to
  // the next; a load that starts while another is open (here from the lookup, which runs
  // before the outer document is finished) must get scratch of its own.
  auto p = pack();
  const std::string inner_text =
      R"({"id": "ZZZZ-ZZZZ-ZZZZ", "plan": {"text": "other words entirely, and longer"}})";
  for (const DocumentFormat format : {DocumentFormat::kJson, DocumentFormat::kYaml}) {
    const std::string outer_text =
        format == DocumentFormat::kJson
            ? R"({"id": "A-1", "approvals": [{"body": "board", "decision": "approved"}], )"
              R"("plan": {"text": "letters"}})"
            : kStated;
    int calls = 0;
    LoadResult inner;
    const detail::ApprovalRecords records = [&](const std::string& id) {
      ++calls;
      CHECK(id == "A-1");
      inner = load_document(*p, inner_text, "b.json");
      return std::vector<ApprovalEvidence>{};
    };
    LoadResult outer =
        detail::load_document_with(*p, outer_text, "a", {}, format, nullptr, &records);
    CHECK(calls == 1);
    const std::vector<ApprovalEvidence> none;
    LoadResult expected = load_document_general(*p, outer_text, "a", {}, format, &none);
    REQUIRE(outer.ok());
    REQUIRE(expected.ok());
    CHECK(document_difference(*outer.document, *expected.document).empty());
    CHECK(outer.document->id() == "A-1");
    // Both loads took a fast path (the general path would not have shown the sharing).
    CHECK(load_document_fast(*p, outer_text, "a", {}, format, &none) != nullptr);
    REQUIRE(inner.ok());
    CHECK(inner.document->id() == "ZZZZ-ZZZZ-ZZZZ");
    CHECK(document_difference(*inner.document,
                              *load_document_general(*p, inner_text, "b.json").document)
              .empty());
  }
}

TEST_CASE("approvals counted on a JSON text too short to pass the value limit", "[approvals]") {
  // The JSON fast path does not count a text's values when the text has no more bytes than the
  // limit, and charges its size instead: records counted on top can then only make it give up
  // (to the general path, which counts exactly), never take what the general path refuses.
  auto p = pack();
  const std::string text =
      R"({"id": "A-1", "approvals": [{"body": "board", "decision": "approved"}]})";
  int32_t day = 0;
  REQUIRE(parse_iso_date("2026-02-01", &day));
  size_t uncounted_refused = 0;  // cases the change is about: a limit of at least the text's size
  for (const size_t n : {1, 5, 10, 20, 40}) {
    std::vector<ApprovalEvidence> records;
    for (size_t i = 0; i < n; ++i)
      records.push_back({"board", true, day, "r-" + std::to_string(i)});
    for (size_t max_values = 1; max_values <= text.size() + 300; ++max_values) {
      INFO(n << " records, max_values " << max_values);
      LoadLimits limits;
      limits.max_values = max_values;
      LoadResult general =
          load_document_general(*p, text, "a.json", limits, DocumentFormat::kJson, &records);
      LoadResult loaded =
          load_document(*p, text, "a.json", limits, DocumentFormat::kJson, nullptr, &records);
      REQUIRE(loaded.ok() == general.ok());
      CHECK(steward::testing::error_list(loaded) == steward::testing::error_list(general));
      if (general.ok()) {
        CHECK(document_difference(*loaded.document, *general.document).empty());
      } else {
        CHECK(load_document_fast(*p, text, "a.json", limits, DocumentFormat::kJson, &records) ==
              nullptr);
        if (max_values >= text.size()) ++uncounted_refused;
      }
    }
  }
  CHECK(uncounted_refused > 0);
}
