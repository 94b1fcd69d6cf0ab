// Jump threading over compiled tests (internal to the runtime): a test whose result the tests
// before it already decided, on every path that reaches it, is skipped.
#pragma once

#include <cstdint>
#include <vector>

#include "steward/evaluator.h"

namespace steward::detail {

// Redirects the jumps of `tests` past every test whose question was already answered on each
// path into it within the same pass (a test's result cannot change within one: the document,
// the evaluation date and the definitions are fixed, and so is a loop's element until a test
// that may run another loop). Questions are compared by what they read (the field path, the
// member, the definition), not by plan node, and a few answers imply others (`x == A` holding
// answers `x == B`, `present(x)` and `empty(x)`). `entries`: every test a pass starts at, where
// nothing is known. Tests jump only to tests made before them (TestCompiler); if one does not,
// nothing is changed.
void thread_known_tests(std::vector<Test>& tests, const Prepared& prep,
                        const std::vector<uint32_t>& entries);

}  // namespace steward::detail
