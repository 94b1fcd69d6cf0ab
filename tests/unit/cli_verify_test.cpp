// `steward verify` through the CLI: exit codes like eval's, the counterexample written and
// reproduced by `steward eval`, located warnings, SARIF, and a translation gap as an error.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace steward::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A copy of the DCF pack with `from` replaced by `to` in one module.
fs::path edited_dcf(const std::string& module, const std::string& from, const std::string& to) {
  fs::path dir = fs::temp_directory_path() / ("steward_verify_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(source_dir() + "/policies/dcf-5-4", dir, fs::copy_options::recursive);
  std::string text = read_text(dir / module);
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  write_text(dir / module, text);
  return dir;
}

fs::path small_pack(const std::string& name, const std::string& policy) {
  fs::path dir = fs::temp_directory_path() / (name + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_text(dir / "pack.yaml", "name: " + name + "\nversion: \"1\"\nmodules: [p.policy]\n");
  write_text(dir / "p.policy", policy);
  return dir;
}

}  // namespace

TEST_CASE("verify compare: proved against itself, a counterexample eval reproduces",
          "[cli][verify]") {
  const std::string bin = steward_bin();
  auto same =
      run(bin + " verify compare --from policies/dcf-5-4 --to policies/dcf-5-4 --as-of 2026-03-01");
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("proved") != std::string::npos);

  // The review's "N/A as a legal mandate": the registry lookup dropped.
  fs::path dir =
      edited_dcf("terms.policy", "\n    and (legal_basis.citation ?? \"\") in mandates", "");
  fs::path cx = dir / "counterexample.yaml";
  auto r = run(bin + " verify compare --from policies/dcf-5-4 --to '" + dir.string() +
               "' --as-of 2026-03-01 -f json --counterexample '" + cx.string() + "'");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j["status"] == "counterexample");
  CHECK_FALSE(j["lost"].empty());
  CHECK_FALSE(j.contains("verify_bug"));
  // The agreement written is one `steward eval` reads, and the two packs decide it apart.
  auto old_pack =
      run(bin + " eval --policy policies/dcf-5-4 --as-of 2026-03-01 -f json '" + cx.string() + "'");
  auto new_pack = run(bin + " eval --policy '" + dir.string() + "' --as-of 2026-03-01 -f json '" +
                      cx.string() + "'");
  CHECK(old_pack.exit_code != 2);
  CHECK(new_pack.exit_code != 2);
  CHECK(old_pack.out != new_pack.out);
  fs::remove_all(dir);
}

TEST_CASE("verify rules: located warnings, SARIF, and exit codes", "[cli][verify]") {
  fs::path dir = small_pack("verify_rules", R"P(
enum Level { client, aggregate }
document Doc { id: string, level: Level, external: bool }
clause c { title: "c" citation: "c" }
let client_level = level == "client"
rule contradiction { clause: c outcome: deny when: client_level and level == "aggregate" message: "x" }
rule external_sharing { clause: c outcome: deny when: external message: "x" }
)P");
  const std::string bin = steward_bin();
  auto r = run(bin + " verify rules -p '" + dir.string() + "'");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(
            "p.policy:6:1: warning[verify.dead]: rule `contradiction` fires for no agreement") !=
        std::string::npos);
  auto s = run(bin + " verify rules -f sarif -p '" + dir.string() + "'");
  json j = json::parse(s.out);
  REQUIRE(j["runs"][0]["results"].size() == 1);
  CHECK(j["runs"][0]["columnKind"] == "unicodeCodePoints");
  CHECK(j["runs"][0]["results"][0]["ruleId"] == "dead");
  CHECK(j["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6);
  CHECK(run(bin + " verify rules -p policies/dcf-5-4").exit_code == 0);
  fs::remove_all(dir);
}

TEST_CASE("verify: what the translation lacks is an error naming the rule, never an answer",
          "[cli][verify]") {
  fs::path dir = small_pack("verify_gap", R"P(
document Doc { id: string, title: string, tags: [string]?, more: [string] }
clause c { title: "c" citation: "c" }
rule ordered { clause: c outcome: deny when: title < "m" message: "x" }
rule coalesced { clause: c outcome: deny when: count(tags ?? more) > 1 message: "x" }
)P");
  auto r = run(steward_bin() + " verify rules -p '" + dir.string() + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("error[verify.unsupported]: rule `coalesced`") != std::string::npos);
  auto s = run(steward_bin() + " verify selftest --samples 200 -p policies/dcf-5-4");
  CHECK(s.exit_code == 0);
  CHECK(s.out.find("200 agreements, 200 decided alike") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("steward test holds every test agreement to the pack's invariants",
          "[cli][verify][assert]") {
  const std::string bin = steward_bin();
  CHECK(run(bin + " verify asserts -p policies/dcf-5-4").exit_code == 0);
  fs::path dir = edited_dcf("invariants.policy", "// Invariants:",
                            "assert wrong_on_purpose {\n  when: data.level == \"client\" and kind "
                            "== \"internal_analysis\"\n  expect: deny\n  message: \"m\"\n}\n\n// "
                            "Invariants:");
  auto t = run(bin + " test '" + dir.string() + "'");
  CHECK(t.exit_code == 1);
  CHECK(t.out.find("assert `wrong_on_purpose`") != std::string::npos);
  auto v = run(bin + " verify asserts -f json -p '" + dir.string() + "'");
  CHECK(v.exit_code == 1);
  json j = json::parse(v.out);
  bool found = false;
  for (const auto& a : j["asserts"])
    if (a["assert"] == "wrong_on_purpose") {
      found = a["status"] == "counterexample" && !a.contains("verify_bug");
    } else {
      CHECK(a["status"] == "proved");
    }
  CHECK(found);
  fs::remove_all(dir);
}
