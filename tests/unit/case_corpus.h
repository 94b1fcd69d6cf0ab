// The case corpus: the policy tests of every pack in the repository (policies/*/tests and
// tests/packs/*/tests), run through the library (cases_test) and the CLI (cli_test).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "pack_tests.h"
#include "test_support.h"

namespace steward::testing {

struct PackCases {
  std::string pack;  // relative to the source dir
  std::vector<authoring::PackTest> tests;
};

inline std::vector<PackCases> load_corpus() {
  namespace fs = std::filesystem;
  std::vector<PackCases> out;
  for (const char* root : {"policies", "tests/packs"}) {
    std::vector<fs::path> packs;
    for (const auto& e : fs::directory_iterator(fs::path(source_dir()) / root))
      if (fs::is_directory(e.path() / "tests")) packs.push_back(e.path());
    std::sort(packs.begin(), packs.end());
    for (const auto& p : packs) {
      std::vector<std::string> problems;
      PackCases pc;
      pc.pack = std::string(root) + "/" + p.filename().string();
      pc.tests = authoring::load_pack_tests(p / "tests", &problems);
      for (const auto& problem : problems) FAIL_CHECK(problem);
      out.push_back(std::move(pc));
    }
  }
  return out;
}

inline int want_exit(const authoring::PackTest& t) {
  const std::string& d = t.want.decision;
  return d == "allow" ? 0 : d == "deny" ? 1 : d == "needs_review" ? 3 : 2;
}

}  // namespace steward::testing
