// The case corpus through the library: compile, load, validate, evaluate, compare.
#include <catch2/catch.hpp>

#include "case_corpus.h"

using namespace steward;
using namespace steward::testing;

TEST_CASE("case corpus through the library", "[cases]") {
  size_t total = 0;
  for (const auto& pc : load_corpus()) {
    std::vector<std::string> compile_problems;
    auto results =
        authoring::run_pack_tests(source_dir() + "/" + pc.pack, pc.tests, "", &compile_problems);
    for (const auto& p : compile_problems) FAIL_CHECK(p);
    CHECK(results.size() == pc.tests.size());
    for (const auto& r : results) {
      std::string why;
      for (const auto& p : r.problems) why += p + "\n";
      INFO(r.test->file << ":" << r.test->line << ": " << r.test->name << "\n" << why);
      CHECK(r.passed);
      // An input error never yields a decision, and a decision always has its reasons' clauses.
      if (!r.errors.empty()) CHECK(r.decision == nullptr);
    }
    total += results.size();
  }
  CHECK(total > 100);
}

TEST_CASE("a failing policy test reports what differed", "[cases]") {
  authoring::PackTest t;
  t.file = "inline";
  t.name = "deliberately wrong";
  t.agreement =
      read_text(source_dir() + "/policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml");
  t.want.decision = "allow";
  t.want.deny = {"sharing.purpose"};
  std::vector<std::string> problems;
  auto results = authoring::run_pack_tests(source_dir() + "/policies/dcf-5-4", {t}, "", &problems);
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].passed);
  std::string all;
  for (const auto& p : results[0].problems) all += p + "\n";
  CHECK_THAT(all, Catch::Contains("decision: want allow, got deny"));
  CHECK_THAT(all, Catch::Contains("- sharing.purpose"));
  CHECK_THAT(all, Catch::Contains("+ request.channel"));
}

TEST_CASE("patches set and remove dotted key paths", "[cases]") {
  std::string out = authoring::patch_yaml("a: {b: 1, c: [x, {d: 2}]}\ne: 3\n",
                                          "{a.b: 5, a.c.1.d: 7, f.g: 1}", "[e]");
  CHECK(out.find("b: 5") != std::string::npos);
  CHECK(out.find("d: 7") != std::string::npos);
  CHECK(out.find("g: 1") != std::string::npos);
  CHECK(out.find("e: 3") == std::string::npos);
}
