// Golden tests: each pack under tests/golden/check/ compiles to the diagnostics in NAME.expected.
// STEWARD_UPDATE_GOLDEN=1 rewrites the expected files.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

TEST_CASE("rendered diagnostics match the golden files", "[golden]") {
  fs::current_path(steward::testing::source_dir());
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator("tests/golden/check"))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  REQUIRE_FALSE(dirs.empty());
  for (const auto& dir : dirs) {
    auto res = compile_pack(dir.string());
    std::string actual = render(res.diagnostics, *res.sources);
    fs::path expected_file = dir.string() + ".expected";
    if (std::getenv("STEWARD_UPDATE_GOLDEN")) steward::testing::write_text(expected_file, actual);
    INFO("golden " << dir.string() << "\n--- actual ---\n" << actual);
    CHECK(actual == steward::testing::read_text(expected_file));
  }
}
