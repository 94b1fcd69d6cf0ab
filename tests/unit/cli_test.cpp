// The `steward` binary: subcommands, exit codes, JSON output, the bundled examples against their
// expected decision documents, and the case corpus run through the CLI.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "case_corpus.h"

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
    auto r = run(bin() + " eval --format json --policy policies/dcf-5-4 " + rel);
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

TEST_CASE("eval over many files: one broken agreement is reported, the others decided", "[cli]") {
  fs::path tmp = fs::temp_directory_path() / ("steward_cli_dir_" + std::to_string(::getpid()));
  fs::create_directories(tmp / "sub");
  const std::string good = read_text(
      fs::path(source_dir()) / "policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
  for (int i = 0; i < 5; ++i) write_text(tmp / ("a" + std::to_string(i) + ".yaml"), good);
  write_text(tmp / "sub" / "broken.yaml",
             "format: steward/agreement/v1\nid: B\nkind: data_sharing\ndata: {level: client\n");
  auto r = run(bin() + " eval --format json -p policies/dcf-5-4 '" + tmp.string() + "'");
  fs::remove_all(tmp);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("broken.yaml:"));
  json arr = json::parse(r.out);
  REQUIRE(arr.size() == 6);
  int decided = 0;
  for (const auto& item : arr) decided += item["decision"] == "allow";
  CHECK(decided == 5);
  CHECK(arr[5]["decision"].is_null());
  CHECK(arr[5]["errors"][0]["line"] > 0);
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
  auto cases = load_cases();
  fs::path tmp = fs::temp_directory_path() / ("steward_cli_cases_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  int n = 0;
  for (const auto& c : cases) {
    fs::path file = tmp / ("case" + std::to_string(n++) + c.extension);
    write_text(file, c.agreement);
    std::string params;
    for (const auto& [k, v] : c.params) params += " --param " + k + "=" + v;
    auto r = run(bin() + " eval --format json -p " + c.pack + params + " '" + file.string() + "'");
    INFO(c.file << ": " << c.name << "\nstderr: " << r.err);
    CHECK(r.exit_code == c.want_exit());
    json j = json::parse(r.out);
    if (c.want_decision == "error") {
      CHECK(j["decision"].is_null());
      CHECK_FALSE(j["errors"].empty());
      CHECK_THAT(r.err, Catch::Contains(file.filename().string()));
      continue;
    }
    CHECK(j["decision"] == c.want_decision);
    std::set<std::string> deny, review, reviewers;
    for (const auto& reason : j["reasons"]) {
      if (reason["outcome"] == "deny") deny.insert(reason["clause"].get<std::string>());
      if (reason["outcome"] == "needs_review") review.insert(reason["clause"].get<std::string>());
    }
    for (const auto& x : j["reviewers"]) reviewers.insert(x.get<std::string>());
    if (c.pack == "policies/dcf-5-4") {
      CHECK(deny == c.want_deny);
      CHECK(review == c.want_review);
    }
    CHECK(reviewers == c.want_reviewers);
  }
  fs::remove_all(tmp);
}
