// `steward review` through the binary: a reviewer's verdict lands in the archive beside the
// decision it reviews; a wrong body, other text or a missing text is refused and writes nothing.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace steward::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string bin() { return "'" + steward_bin() + "'"; }
const std::string kAsked = "policies/dcf-5-4/examples/agreements/10-unknown-purpose-review.yaml";

}  // namespace

TEST_CASE("review: a verdict is recorded against the decision and text it names", "[cli][review]") {
  fs::path db =
      fs::temp_directory_path() / ("steward_cli_review_" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  const std::string url = " --archive 'sqlite:" + db.string() + "'";
  auto e = run(bin() + " eval -f json -p policies/dcf-5-4" + url + " " + kAsked);
  REQUIRE(e.exit_code == 3);
  auto listed = run(bin() + " archive export" + url);
  const std::string id = json::parse(listed.out)["decision_id"];
  const std::string base = bin() + " review" + url + " " + id;
  // A body the decision did not ask, another agreement's text, no text at all.
  auto wrong = run(base + " --body cphs --verdict approve --reviewer amy --agreement " + kAsked);
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("error[review.refused]") &&
                            Catch::Contains("did not ask `cphs` for review"));
  auto other = run(base +
                   " --body data_governance_committee --verdict approve --reviewer amy "
                   "--agreement policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml");
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Catch::Contains("is not the text `" + id + "` decided on"));
  auto none = run(base + " --body data_governance_committee --verdict approve --reviewer amy");
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Catch::Contains("error[usage]"));
  auto bad_verdict = run(base + " --body data_governance_committee --verdict allow --reviewer a" +
                         " --agreement " + kAsked);
  CHECK(bad_verdict.exit_code != 0);
  CHECK(json::parse("[" + run(bin() + " archive export" + url).out + "]").size() == 1);
  // The body it asked for, on the text it decided.
  auto ok = run(base + " --body data_governance_committee --verdict approve --reviewer amy" +
                " --note 'purpose is named in 2.1' --agreement " + kAsked);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("r-") &&
                         Catch::Contains("approve by `data_governance_committee` on " + id));
  auto reviews = run(bin() + " archive list --decision review" + url);
  CHECK(std::count(reviews.out.begin(), reviews.out.end(), '\n') == 1);
  auto v = run(bin() + " archive verify" + url);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("2 records, the chain is intact"));
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}
