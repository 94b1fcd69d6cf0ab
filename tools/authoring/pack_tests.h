// Policy tests: YAML files in a pack's tests/ directory, each test an agreement and the decision
// it must get. Used by `steward test` and by the test suite's case corpus.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "steward/compiler.h"
#include "steward/decision.h"
#include "steward/document.h"

namespace steward::authoring {

struct ExpectedError {
  std::string code;
  std::string path;               // "" : any
  uint32_t line = 0, column = 0;  // 0 : any
};

// What a test expects. Clause and reviewer sets are compared exactly (a missing key means the
// empty set), so an unexpected extra reason fails the test; `rules` must each fire.
struct Expectation {
  std::string decision;  // allow | deny | needs_review | error
  std::set<std::string> deny, review, allow, reviewers;
  std::vector<std::string> rules;
  std::vector<ExpectedError> errors;
};

struct PackTest {
  std::string file;   // the test file
  uint32_t line = 0;  // of the test in that file
  std::string name;
  std::map<std::string, std::string> params;
  std::string agreement;  // the text to evaluate
  std::string extension = ".yaml";
  // The evaluation date (`as_of:` of the test or its file); unset: the runner's default.
  std::optional<int32_t> as_of;
  // Data files the agreement sends (`data:`, file name -> inline text): scanned as
  // `steward eval --data` scans them, and observed by the rules.
  std::vector<std::pair<std::string, std::string>> data;
  Expectation want;
};

// Reads every `*.yaml` file under `dir` (sorted). A test's agreement is `agreement:` (inline
// text), `file:` (a path relative to the test file), or `base:` (a path) patched with `set:`
// (dotted key path -> YAML value) and `remove:` (dotted key paths); `data:` maps the names of
// data files it sends to their text. Problems with the test
// files themselves are appended to `problems` as `file:line: message`.
std::vector<PackTest> load_pack_tests(const std::filesystem::path& dir,
                                      std::vector<std::string>* problems);

// Applies `set` and `remove` to a YAML tree (exposed for tests).
std::string patch_yaml(const std::string& base_text, const std::string& set_yaml,
                       const std::string& remove_yaml);

struct PackTestResult {
  const PackTest* test = nullptr;
  bool passed = false;
  std::vector<std::string> problems;  // what differed, one line each
  std::unique_ptr<Decision> decision;
  std::vector<InputError> errors;
};

// Compiles the pack once per parameter set and runs the tests whose name contains a match of
// `pattern` (ECMAScript regex; empty: all). A test without `as_of` is decided on `as_of`
// (days since 1970-01-01; `steward test --as-of`), or today when that is unset too.
std::vector<PackTestResult> run_pack_tests(const std::filesystem::path& pack_dir,
                                           const std::vector<PackTest>& tests,
                                           const std::string& pattern,
                                           std::vector<std::string>* compile_problems,
                                           std::optional<int32_t> as_of = std::nullopt);

// Which rules and clauses the tests made fire.
struct Coverage {
  struct ClauseCoverage {
    std::string clause;
    std::vector<std::string> fired, missed;  // rule ids
  };
  std::vector<ClauseCoverage> clauses;
  size_t rules_total = 0, rules_fired = 0;
  double percent() const { return rules_total ? 100.0 * rules_fired / rules_total : 100.0; }
};
Coverage coverage(const CompiledPack& pack, const std::vector<PackTestResult>& results);

}  // namespace steward::authoring
