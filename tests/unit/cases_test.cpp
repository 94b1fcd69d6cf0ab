// The case corpus through the library: load, validate, evaluate, compare.
#include <catch2/catch.hpp>
#include <map>

#include "case_corpus.h"
#include "steward/evaluator.h"

using namespace steward;
using namespace steward::testing;

TEST_CASE("case corpus through the library", "[cases]") {
  std::map<std::string, std::shared_ptr<const CompiledPack>> packs;
  auto cases = load_cases();
  REQUIRE(cases.size() > 50);
  for (const auto& c : cases) {
    INFO(c.file << ": " << c.name << "\n" << c.agreement);
    std::string key = c.pack;
    for (const auto& [k, v] : c.params) key += "|" + k + "=" + v;
    if (!packs.count(key)) {
      CompileOptions o;
      o.params = c.params;
      auto res = compile_pack(source_dir() + "/" + c.pack, o);
      REQUIRE(res.ok());
      packs[key] = res.pack;
    }
    auto pack = packs[key];
    auto loaded = load_document(*pack, c.agreement, "case" + c.extension);
    if (c.want_decision == "error") {
      CHECK_FALSE(loaded.ok());
      for (const auto& we : c.want_errors) {
        bool found = false;
        for (const auto& e : loaded.errors) {
          if (e.code == we.code && (we.path.empty() || e.path == we.path) &&
              (!we.line || e.line == we.line) && (!we.column || e.column == we.column))
            found = true;
        }
        std::string got;
        for (const auto& e : loaded.errors) got += render(e, "case") + "\n";
        INFO("errors:\n" << got);
        CHECK(found);
      }
      continue;
    }
    std::string got;
    for (const auto& e : loaded.errors) got += render(e, "case") + "\n";
    INFO("errors:\n" << got);
    REQUIRE(loaded.ok());
    Decision d = Evaluator(pack).evaluate(*loaded.document);
    std::set<std::string> deny, review, rules;
    for (const auto& r : d.reasons) {
      (r.outcome == Outcome::kDeny ? deny : review).insert(r.clause);
      rules.insert(r.rule);
    }
    CHECK(outcome_name(d.outcome) == c.want_decision);
    if (pack->name == "dcf-5-4") {  // the lending pack's allow reasons are not compared
      CHECK(deny == c.want_deny);
      CHECK(review == c.want_review);
    }
    CHECK(std::set<std::string>(d.reviewers.begin(), d.reviewers.end()) == c.want_reviewers);
    for (const auto& r : c.want_rules) CHECK(rules.count(r) == 1);
  }
}
