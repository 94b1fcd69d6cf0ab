// The `steward` binary: subcommands, exit codes, JSON output, the bundled examples against their
// expected decision documents, and the case corpus run through the CLI.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "case_corpus.h"
#include "steward/compiler.h"
#include "steward/date.h"

using namespace steward::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string bin() { return "'" + steward_bin() + "'"; }

}  // namespace

TEST_CASE("the version flag and help on every subcommand work", "[cli]") {
  auto v = run(bin() + " --version");
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::StartsWith("steward "));
  for (const char* sub : {"", " check", " eval"}) {
    auto h = run(bin() + sub + " --help");
    INFO(sub);
    CHECK(h.exit_code == 0);
    CHECK_THAT(h.out, Catch::Contains("Usage"));
  }
  auto none = run(bin());
  CHECK(none.exit_code == 2);
}

TEST_CASE("check: a clean pack exits 0, a broken one exits 2 with every error located", "[cli]") {
  auto ok = run(bin() + " check policies/dcf-5-4");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("pack dcf-5-4 2023 is valid"));
  auto bad = run(bin() + " check tests/golden/check/five-mistakes");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("5 errors"));
  for (const char* loc : {"rules.policy:14:26: error[check.enum-member]",
                          "rules.policy:19:23: error[check.unknown-name]",
                          "rules.policy:24:11: error[check.unknown-clause]",
                          "rules.policy:32:19: error[check.unknown-reviewer]",
                          "rules.policy:33:9: error[check.optional]"}) {
    CHECK_THAT(bad.err, Catch::Contains(loc));
  }
  auto missing = run(bin() + " check no/such/pack");
  CHECK(missing.exit_code == 2);
  // A diagnostic about no file starts at its severity (it printed `<unknown>:` before).
  CHECK_THAT(missing.err, Catch::StartsWith("error[pack.not-found]: `no/such/pack`"));
  // The newcomer's slip: a bundle file given to --policy says what to write instead.
  auto file = run(bin() + " eval --policy README.md policies/dcf-5-4/examples/agreements");
  CHECK(file.exit_code == 2);
  CHECK_THAT(file.err, Catch::Contains("this is a file") && Catch::Contains("--bundle FILE"));
  CHECK_THAT(file.err, !Catch::Contains("<unknown>"));
  auto strict = run(bin() + " check --strict tests/packs/lending");
  CHECK(strict.exit_code == 2);
  CHECK(run(bin() + " check tests/packs/lending").exit_code == 0);
}

TEST_CASE("every bundled example matches its expected decision document", "[cli][dcf]") {
  const fs::path dir = fs::path(source_dir()) / "policies/dcf-5-4/examples";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "agreements")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);
  std::set<std::string> outcomes;
  for (const auto& f : files) {
    std::string rel = "policies/dcf-5-4/examples/agreements/" + f.filename().string();
    auto r = run(bin() + " eval --format json --as-of 2026-03-01 --policy policies/dcf-5-4 " + rel);
    INFO(rel << "\n" << r.err);
    json got = json::parse(r.out);
    json want = json::parse(read_text(dir / "decisions" / (f.stem().string() + ".json")));
    // The digest changes with every edit of the pack; everything else must match exactly.
    got["policy"].erase("digest");
    want["policy"].erase("digest");
    CHECK(got.dump(2) == want.dump(2));
    std::string d = got["decision"];
    outcomes.insert(d);
    CHECK(r.exit_code == (d == "allow" ? 0 : d == "deny" ? 1 : 3));
  }
  CHECK(outcomes.size() == 3);
}

TEST_CASE("one broken agreement among a hundred is reported with its location, the others decided",
          "[cli]") {
  fs::path tmp = fs::temp_directory_path() / ("steward_cli_dir_" + std::to_string(::getpid()));
  fs::create_directories(tmp / "sub");
  const std::string good = read_text(
      fs::path(source_dir()) / "policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
  for (int i = 0; i < 99; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "a%02d.yaml", i);
    write_text(tmp / name, good);
  }
  write_text(tmp / "sub" / "broken.yaml",
             "format: steward/agreement/v2\nid: B\nkind: data_sharing\ndata: {level: client\n");
  auto r = run(bin() + " eval --format json -p policies/dcf-5-4 '" + tmp.string() + "'");
  fs::remove_all(tmp);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("broken.yaml:"));
  json arr = json::parse(r.out);
  REQUIRE(arr.size() == 100);
  int decided = 0;
  for (const auto& item : arr) decided += item["decision"] == "allow";
  CHECK(decided == 99);
  CHECK(arr[99]["decision"].is_null());
  CHECK(arr[99]["file"].get<std::string>().find("broken.yaml") != std::string::npos);
  CHECK(arr[99]["errors"][0]["line"] == 5);
}

TEST_CASE("eval refuses to decide with a broken pack", "[cli]") {
  auto r = run(bin() +
               " eval -p tests/golden/check/five-mistakes "
               "policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("no agreement was evaluated"));
}

TEST_CASE("text output names the decision, the clause and the evidence location", "[cli]") {
  auto r = run(
      bin() +
      " eval -p policies/dcf-5-4 policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("DENY DSA-EX-03"));
  CHECK_THAT(r.out, Catch::Contains("[request.channel]"));
  CHECK_THAT(r.out, Catch::Contains("03-email-request-deny.yaml:6:1 (request_channel)"));
  CHECK(r.out.find("\x1b[") == std::string::npos);  // no colour when not a terminal
}

TEST_CASE("case corpus through the CLI", "[cli][cases]") {
  fs::path tmp = fs::temp_directory_path() / ("steward_cli_cases_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  int n = 0;
  for (const auto& pc : load_corpus()) {
    for (const auto& c : pc.tests) {
      fs::path file = tmp / ("case" + std::to_string(n++) + c.extension);
      write_text(file, c.agreement);
      std::string params;
      for (const auto& [k, v] : c.params) params += " --param " + k + "=" + v;
      if (c.as_of) params += " --as-of " + steward::format_iso_date(*c.as_of);
      // Data files the case sends, under their own names.
      fs::path data_dir = tmp / ("data" + std::to_string(n));
      for (const auto& [name, text] : c.data) {
        fs::create_directories(data_dir);
        write_text(data_dir / name, text);
        params += " --data '" + (data_dir / name).string() + "'";
      }
      auto r =
          run(bin() + " eval --format json -p " + pc.pack + params + " '" + file.string() + "'");
      INFO(c.file << ":" << c.line << ": " << c.name << "\nstderr: " << r.err);
      CHECK(r.exit_code == want_exit(c));
      json j = json::parse(r.out);
      if (c.want.decision == "error") {
        CHECK(j["decision"].is_null());
        CHECK_FALSE(j["errors"].empty());
        CHECK_THAT(r.err, Catch::Contains(file.filename().string()));
        continue;
      }
      CHECK(j["decision"] == c.want.decision);
      std::set<std::string> deny, review, allow, reviewers;
      for (const auto& reason : j["reasons"]) {
        std::string clause = reason["clause"];
        (reason["outcome"] == "deny"           ? deny
         : reason["outcome"] == "needs_review" ? review
                                               : allow)
            .insert(clause);
      }
      for (const auto& x : j["reviewers"]) reviewers.insert(x.get<std::string>());
      CHECK(deny == c.want.deny);
      CHECK(review == c.want.review);
      CHECK(allow == c.want.allow);
      CHECK(reviewers == c.want.reviewers);
    }
  }
  fs::remove_all(tmp);
}

TEST_CASE("output is the same whatever the number of parallel jobs", "[cli][batch]") {
  auto one =
      run(bin() + " eval -f json -j 1 -p policies/dcf-5-4 policies/dcf-5-4/examples/agreements");
  auto four =
      run(bin() + " eval -f json -j 4 -p policies/dcf-5-4 policies/dcf-5-4/examples/agreements");
  CHECK(one.exit_code == 1);
  CHECK(four.exit_code == 1);
  CHECK(one.out == four.out);
  json arr = json::parse(one.out);
  REQUIRE(arr.size() >= 20);
  CHECK(arr[0]["agreement"] == "DSA-EX-01");  // path order
}

TEST_CASE("jsonl prints one compact decision per line, in path order", "[cli][batch]") {
  auto r =
      run(bin() +
          " eval -f jsonl -p policies/dcf-5-4 'policies/dcf-5-4/examples/agreements/0[1-5]*.yaml'");
  CHECK(r.exit_code == 1);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> ids;
  while (std::getline(lines, line)) ids.push_back(json::parse(line)["agreement"]);
  CHECK(ids ==
        std::vector<std::string>{"DSA-EX-01", "DSA-EX-02", "DSA-EX-03", "DSA-EX-04", "DSA-EX-05"});
}

TEST_CASE("the fail-on option chooses what makes the exit status non-zero", "[cli][batch]") {
  const std::string review = "policies/dcf-5-4/examples/agreements/10-unknown-purpose-review.yaml";
  const std::string deny = "policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml";
  const std::string base = bin() + " eval -f json -p policies/dcf-5-4 ";
  CHECK(run(base + review).exit_code == 3);
  CHECK(run(base + "--fail-on review " + review).exit_code == 3);
  CHECK(run(base + "--fail-on deny " + review).exit_code == 0);
  CHECK(run(base + "--fail-on deny " + deny).exit_code == 1);
  CHECK(run(base + "--fail-on never " + deny).exit_code == 0);
  CHECK(run(base + "--fail-on never no/such/file.yaml").exit_code == 2);  // errors still count
}

TEST_CASE("github format writes workflow commands at the evidence lines", "[cli][batch]") {
  auto r = run(bin() +
               " eval -f github -p policies/dcf-5-4 "
               "policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml "
               "policies/dcf-5-4/examples/agreements/10-unknown-purpose-review.yaml");
  CHECK_THAT(r.out,
             Catch::Contains(
                 "::error file=policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml,"
                 "line=6,col=1,title=deny request.channel%3A request_not_through_govqa::"));
  CHECK_THAT(
      r.out,
      Catch::Contains(
          "::warning file=policies/dcf-5-4/examples/agreements/10-unknown-purpose-review.yaml"));
  CHECK_THAT(r.out, Catch::Contains("steward: 2 agreements: 0 allowed, 1 denied, 1 need review"));
}

TEST_CASE("text output ends with a summary of decisions and clauses", "[cli][batch]") {
  auto r = run(bin() +
               " eval --as-of 2026-03-01 -p policies/dcf-5-4 policies/dcf-5-4/examples/agreements");
  CHECK_THAT(
      r.out,
      Catch::Contains("33 agreements: 10 allowed, 15 denied, 8 need review, 0 with input errors"));
  CHECK_THAT(r.out, Catch::Contains("clauses that fired most: "));
}

// Bundles (signing, forgery, digests): cli_fail_closed_test.cpp.

TEST_CASE("steward test runs a pack's tests, reports failures with a diff, and measures coverage",
          "[cli][authoring]") {
  auto ok = run(bin() + " test policies/dcf-5-4 --coverage --threshold 100");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains(" passed, 0 failed"));
  CHECK_THAT(ok.out, Catch::Contains("coverage: 82 of 82 rules fired (100.0%)"));
  CHECK_THAT(ok.out, Catch::Contains("sharing.documentation        12/12 rules"));

  auto some = run(bin() + " test policies/dcf-5-4 --run 'suppression'");
  CHECK(some.exit_code == 0);
  CHECK(some.out == "5 passed, 0 failed\n");

  // A pack copy with one wrong expectation and a rule no test fires.
  fs::path tmp = fs::temp_directory_path() / ("steward_packtest_" + std::to_string(::getpid()));
  fs::copy(fs::path(source_dir()) / "tests/packs/lending", tmp, fs::copy_options::recursive);
  std::string t = read_text(tmp / "tests/lending.yaml");
  t.replace(t.find("want: {decision: deny}"), 22, "want: {decision: allow}");
  write_text(tmp / "tests/lending.yaml", t);
  auto bad = run(bin() + " test '" + tmp.string() + "' --coverage --threshold 100");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Catch::Contains("FAIL "));
  CHECK_THAT(bad.out, Catch::Contains("decision: want allow, got deny"));
  CHECK_THAT(bad.out, Catch::Contains("never fired: too_long"));
  CHECK_THAT(bad.out, Catch::Contains("3 passed, 1 failed"));
  auto junit = run(bin() + " test '" + tmp.string() + "' -f junit");
  CHECK(junit.exit_code == 1);
  CHECK_THAT(junit.out, Catch::StartsWith("<?xml"));
  CHECK_THAT(junit.out, Catch::Contains("<failure message=\"decision: want allow, got deny\">"));
  fs::remove_all(tmp);
}

TEST_CASE("steward explain shows definitions, condition parts and why rules fired",
          "[cli][authoring]") {
  const std::string file =
      "policies/dcf-5-4/examples/agreements/14-aggregate-threshold-9-deny.yaml";
  auto r = run(bin() + " explain -p policies/dcf-5-4 " + file);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("client_level = false"));
  CHECK_THAT(r.out,
             Catch::Contains("FIRED  suppression_threshold_too_low [data.suppression, deny]"));
  CHECK_THAT(r.out, Catch::Contains("data.suppression.threshold < min_cell_size = true"));
  CHECK_THAT(r.out, Catch::Contains("silent suppression_missing"));
  auto j = json::parse(run(bin() + " explain -f json -p policies/dcf-5-4 " + file).out);
  CHECK(j["decision"] == "deny");
  bool found = false;
  for (const auto& rule : j["rules"]) {
    if (rule["rule"] == "suppression_threshold_too_low") {
      found = true;
      CHECK(rule["fired"] == true);
      CHECK(rule["message"].get<std::string>().find("is 9, below the minimum cell size of 10") !=
            std::string::npos);
    }
  }
  CHECK(found);
}

TEST_CASE("steward graph prints the rule graph as DOT and JSON", "[cli][authoring]") {
  auto dot = run(bin() + " graph policies/dcf-5-4");
  CHECK(dot.exit_code == 0);
  CHECK_THAT(dot.out, Catch::StartsWith("digraph \"dcf-5-4 2023\""));
  auto j = json::parse(run(bin() + " graph -f json policies/dcf-5-4").out);
  size_t defs = 0, rules = 0, clauses = 0;
  for (const auto& n : j["nodes"]) {
    defs += n["kind"] == "definition";
    rules += n["kind"] == "rule";
    clauses += n["kind"] == "clause";
  }
  CHECK(defs == 30);
  CHECK(rules == 82);
  CHECK(clauses == 19);
  CHECK(j["edges"].size() > rules);  // every rule serves a clause, and many use definitions
}

TEST_CASE("steward impact lists agreements whose decision changes between pack versions",
          "[cli][authoring]") {
  auto same = run(bin() +
                  " impact --as-of 2026-03-01 --from policies/dcf-5-4 --to policies/dcf-5-4 "
                  "policies/dcf-5-4/examples/agreements");
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Catch::Contains("0 of 33 agreements change"));
  auto r = run(bin() +
               " impact --as-of 2026-03-01 --from policies/dcf-5-4 --to policies/dcf-5-4 "
               "--to-param min_cell_size=11 "
               "policies/dcf-5-4/examples/agreements");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("13-aggregate-threshold-10-allow.yaml\n  from: allow\n  to:   "
                                    "deny (deny data.suppression)"));
  CHECK_THAT(r.out, Catch::Contains("1 of 33 agreements change"));
  CHECK_THAT(r.out, Catch::Contains("(allow -> deny: 1)"));
}

TEST_CASE("steward fmt --check prints a diff and fails, and --write fixes the file",
          "[cli][authoring]") {
  fs::path tmp =
      fs::temp_directory_path() / ("steward_fmt_" + std::to_string(::getpid()) + ".policy");
  fs::copy_file(fs::path(source_dir()) / "tests/golden/fmt/messy.policy", tmp,
                fs::copy_options::overwrite_existing);
  auto check = run(bin() + " fmt --check '" + tmp.string() + "'");
  CHECK(check.exit_code == 1);
  CHECK_THAT(check.out, Catch::Contains("+enum Level { client, aggregate }  // trailing comment"));
  CHECK_THAT(check.err, Catch::Contains("1 of 1 file would be reformatted"));
  CHECK(run(bin() + " fmt --write '" + tmp.string() + "'").exit_code == 0);
  CHECK(read_text(tmp) == read_text(fs::path(source_dir()) / "tests/golden/fmt/messy.expected"));
  CHECK(run(bin() + " fmt --check '" + tmp.string() + "'").exit_code == 0);
  fs::remove(tmp);
}

TEST_CASE("limits are configurable and a 1 GB file is refused before it is read",
          "[cli][hostile]") {
  fs::path tmp = fs::temp_directory_path() / ("steward_limits_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  // A sparse 1 GB file: refusing it must not read it.
  {
    std::ofstream big(tmp / "big.yaml", std::ios::binary);
    big.seekp((1LL << 30) - 1);
    big.put('\n');
  }
  auto r = run(bin() + " eval -p policies/dcf-5-4 '" + (tmp / "big.yaml").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err,
             Catch::Contains(
                 "error[input.limit]: the file is 1073741824 bytes; the limit is 8388608 bytes"));
  const std::string ok = " policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml";
  auto small = run(bin() + " eval -p policies/dcf-5-4 --max-bytes 100" + ok);
  CHECK(small.exit_code == 2);
  CHECK_THAT(small.err, Catch::Contains("the limit is 100 bytes"));
  auto depth = run(bin() + " eval -p policies/dcf-5-4 --max-depth 2" + ok);
  CHECK(depth.exit_code == 2);
  CHECK_THAT(depth.err, Catch::Contains("nests deeper than 2 levels"));
  auto values = run(bin() + " eval -p policies/dcf-5-4 --max-values 10" + ok);
  CHECK(values.exit_code == 2);
  CHECK_THAT(values.err, Catch::Contains("more than 10 values"));
  auto strings = run(bin() + " eval -p policies/dcf-5-4 --max-string-bytes 20" + ok);
  CHECK(strings.exit_code == 2);
  CHECK_THAT(strings.err, Catch::Contains("the limit is 20"));
  CHECK(run(bin() + " eval -p policies/dcf-5-4" + ok).exit_code == 0);
  fs::remove_all(tmp);
}

TEST_CASE(
    "eval --archive records every decision before printing it, and archive verify/list/show/export "
    "read them",
    "[cli][archive]") {
  fs::path db =
      fs::temp_directory_path() / ("steward_cli_archive_" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  const std::string url = " --archive 'sqlite:" + db.string() + "'";
  auto e = run(bin() + " eval -f jsonl -p policies/dcf-5-4" + url +
               " policies/dcf-5-4/examples/agreements");
  CHECK(e.exit_code == 1);
  auto v = run(bin() + " archive verify" + url);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("33 records, the chain is intact"));
  auto l = run(bin() + " archive list --decision deny --limit 2" + url);
  CHECK(std::count(l.out.begin(), l.out.end(), '\n') == 2);
  auto x = run(bin() + " archive export" + url);
  CHECK(std::count(x.out.begin(), x.out.end(), '\n') == 33);
  auto first = json::parse(x.out.substr(0, x.out.find('\n')));
  CHECK(first["agreement_id"] == "DSA-EX-01");
  auto s = run(bin() + " archive show " + first["decision_id"].get<std::string>() + url);
  CHECK(s.exit_code == 0);
  CHECK(json::parse(s.out)["decision"] == "allow");
  auto c = run(bin() + " archive export -f csv" + url);
  CHECK_THAT(c.out, Catch::StartsWith("seq,decision_id,time,agreement_id"));
  // A write that fails: the decision is withheld and reported as an error.
  auto t = run("python3 -c \"import sqlite3; c = sqlite3.connect('" + db.string() +
               "'); c.execute(\\\"CREATE TRIGGER refuse BEFORE INSERT ON decisions BEGIN SELECT "
               "RAISE(ABORT, 'disk "
               "full'); END\\\"); c.commit()\"");
  REQUIRE(t.exit_code == 0);
  auto refused = run(bin() + " eval -f json -p policies/dcf-5-4" + url +
                     " policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
  CHECK(refused.exit_code == 2);
  CHECK(json::parse(refused.out)["decision"].is_null());
  CHECK_THAT(refused.err, Catch::Contains("error[archive.write]"));
  CHECK_THAT(refused.err, Catch::Contains("the decision is withheld"));
  // An archive that cannot be opened: nothing is decided.
  auto bad = run(bin() + " eval -p policies/dcf-5-4 --archive sqlite:/no/such/dir/a.db " +
                 "policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK_THAT(bad.err, Catch::Contains("error[archive.open]"));
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

TEST_CASE("the evaluation date (--as-of) of eval, explain, test and impact", "[cli][as_of]") {
  fs::path tmp = fs::temp_directory_path() / ("steward_as_of_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "pack/tests");
  auto write = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  write(tmp / "pack/pack.yaml", "name: dated\nversion: \"1\"\n");
  write(tmp / "pack/rules.policy",
        "document Doc { id: string, end: date }\nclause term { title: \"Term\" }\n"
        "rule expired { clause: term  outcome: deny  when: end < as_of()  message: \"expired\" "
        "}\n");
  write(tmp / "a.yaml", "id: A\nend: 2026-03-01\n");
  // A test file pins its date; one test overrides it; one takes the runner's (--as-of).
  write(tmp / "pack/tests/dated.yaml",
        "as_of: 2026-03-01\ntests:\n"
        "  - {name: on the last day, agreement: \"id: A\\nend: 2026-03-01\\n\", want: {decision: "
        "allow}}\n"
        "  - {name: the day after, as_of: 2026-03-02, agreement: \"id: A\\nend: 2026-03-01\\n\", "
        "want: {decision: deny, deny: [term]}}\n");
  write(tmp / "pack/tests/undated.yaml",
        "tests:\n  - {name: runner date, agreement: \"id: A\\nend: 2026-03-01\\n\", want: "
        "{decision: allow}}\n");
  const std::string pack = (tmp / "pack").string(), a = (tmp / "a.yaml").string();

  auto before = run(bin() + " eval --format json --as-of 2026-03-01 -p " + pack + " " + a);
  CHECK(before.exit_code == 0);
  CHECK(json::parse(before.out)["as_of"] == "2026-03-01");
  auto after = run(bin() + " eval --format json --as-of 2026-03-02 -p " + pack + " " + a);
  CHECK(after.exit_code == 1);
  CHECK(json::parse(after.out)["as_of"] == "2026-03-02");
  // Today (after 2026-03-01 on any machine running this test): expired.
  CHECK(run(bin() + " eval -p " + pack + " " + a).exit_code == 1);

  auto explain = run(bin() + " explain --format json --as-of 2026-03-02 -p " + pack + " " + a);
  CHECK(json::parse(explain.out)["as_of"] == "2026-03-02");
  CHECK(json::parse(explain.out)["decision"] == "deny");

  CHECK(run(bin() + " test --as-of 2026-03-01 " + pack).exit_code == 0);
  auto late = run(bin() + " test --as-of 2026-03-05 " + pack);
  CHECK(late.exit_code == 1);  // only the undated test follows the runner's date
  CHECK(late.out.find("runner date") != std::string::npos);

  auto impact = run(bin() + " impact --format json --as-of 2026-03-02 --from " + pack + " --to " +
                    pack + " " + a);
  CHECK(impact.exit_code == 0);

  for (const char* bad : {"2026-02-30", "tomorrow", "2026-3-1", "\"\\x1b[31m\""}) {
    auto r = run(bin() + " eval --as-of " + bad + " -p " + pack + " " + a);
    INFO(bad << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--as-of must be a calendar date") != std::string::npos);
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK(r.out.find("ALLOW") == std::string::npos);
  }
  fs::remove_all(tmp);
}
