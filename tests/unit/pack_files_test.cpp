// A pack reads only its own files: modules and test files resolve inside the pack directory,
// are regular files of bounded size, and no diagnostic quotes any other file of the machine.
#include "steward/pack_files.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "pack_tests.h"
#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

const char* kModule = R"(
document Doc { id: string }
clause c { title: "C" }
rule r { clause: c  outcome: deny  when: id == "x"  message: "m" }
)";

fs::path make_pack(const std::string& name, const std::string& modules_yaml) {
  fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  steward::testing::write_text(dir / "pack.yaml",
                               "name: t\nversion: \"1\"\nmodules:\n" + modules_yaml);
  steward::testing::write_text(dir / "a.policy", kModule);
  return dir;
}

std::string rendered(const CompileResult& r) { return render(r.diagnostics, *r.sources); }

}  // namespace

TEST_CASE("a manifest cannot make steward read a file outside the pack", "[pack][hostile]") {
  // Found by the fail-closed review: `/proc/self/environ` and `../../etc/passwd` were read and
  // their first line quoted; a symlink to /etc/passwd too.
  auto [listed, expected] = GENERATE(table<std::string, std::string>({
      {"/proc/self/environ", "must be a `.policy` file"},
      {"../../../../../../etc/passwd", "must be a `.policy` file"},
      {"../../../../../../etc/x.policy", "no such file"},
      {"evil.policy", "outside the pack directory"},
      {"fifo.policy", "not a regular file"},
      {"zero.policy", "outside the pack directory"},
      {"big.policy", "the limit is 8388608 bytes"},
      {"missing.policy", "no such file"},
  }));
  INFO(listed);
  fs::path dir = make_pack("steward_confine", "  - a.policy\n  - " + listed + "\n");
  fs::create_symlink("/etc/passwd", dir / "evil.policy");
  fs::create_symlink("/dev/zero", dir / "zero.policy");
  REQUIRE(::mkfifo((dir / "fifo.policy").c_str(), 0600) == 0);
  steward::testing::write_text(dir / "big.policy", std::string(9u << 20, '#'));
  CompileResult r = compile_pack(dir);
  fs::remove_all(dir);
  REQUIRE_FALSE(r.ok());
  std::string out = rendered(r);
  CHECK_THAT(out, Catch::Contains("error[pack.module]: cannot read the policy module"));
  CHECK_THAT(out, Catch::Contains(expected));
  CHECK_THAT(out, Catch::Contains("pack.yaml:5:5"));  // the entry in the manifest
  CHECK(out.find("root:") == std::string::npos);
  CHECK(out.find("PATH=") == std::string::npos);
}

TEST_CASE("a missing module is located in the manifest and hides no other error",
          "[pack][diagnostics]") {
  // Found by the fail-closed review: it was reported at `<unknown>:` and nothing else was.
  fs::path dir = make_pack("steward_missing", "  - a.policy\n  - gone.policy\n  - b.policy\n");
  steward::testing::write_text(
      dir / "b.policy", "rule s { clause: nope  outcome: deny  when: true  message: \"m\" }\n");
  CompileResult r = compile_pack(dir);
  fs::remove_all(dir);
  REQUIRE_FALSE(r.ok());
  std::string out = rendered(r);
  CHECK_THAT(out, Catch::Contains("pack.yaml:5:5: error[pack.module]"));
  CHECK_THAT(out, Catch::Contains("b.policy:1:18: error[check.unknown-clause]"));
  CHECK(out.find("<unknown>") == std::string::npos);
}

TEST_CASE("a manifest that is not UTF-8 says so, where", "[pack][diagnostics]") {
  fs::path dir = make_pack("steward_utf8", "  - a.policy\n");
  steward::testing::write_text(dir / "pack.yaml", "name: t\nversion: \"1\xff\"\n");
  CompileResult r = compile_pack(dir);
  fs::remove_all(dir);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(rendered(r), Catch::Contains("pack.yaml:2:12: error[manifest.utf8]"));
}

TEST_CASE("pack tests read only files inside the pack", "[pack][hostile]") {
  fs::path dir = make_pack("steward_tests_confine", "  - a.policy\n");
  fs::create_directories(dir / "tests");
  steward::testing::write_text(dir / "tests" / "t.yaml",
                               "tests:\n"
                               "  - name: escape\n    file: ../../../../../../etc/passwd\n"
                               "    want: {decision: allow}\n"
                               "  - name: base\n    base: /etc/hostname\n"
                               "    want: {decision: allow}\n"
                               "  - name: ok\n    agreement: \"id: y\"\n"
                               "    want: {decision: allow}\n"
                               "  - name: data escape\n    agreement: \"id: z\"\n"
                               "    data: {x.csv: {file: ../../../../../../etc/passwd}}\n"
                               "    want: {decision: allow}\n"
                               "  - name: data shape\n    agreement: \"id: z\"\n"
                               "    data: {x.csv: [1, 2]}\n"
                               "    want: {decision: allow}\n");
  fs::create_symlink("/etc/shadow", dir / "tests" / "linked.yaml");
  std::vector<std::string> problems;
  auto tests = authoring::load_pack_tests(dir / "tests", &problems);
  fs::remove_all(dir);
  REQUIRE(tests.size() == 1);
  CHECK(tests[0].name == "ok");
  REQUIRE(problems.size() == 5);
  CHECK_THAT(problems[0], Catch::Contains("linked.yaml: cannot read the test file: it resolves "
                                          "to a file outside the pack directory"));
  CHECK_THAT(problems[1], Catch::Contains("outside the pack directory"));
  CHECK_THAT(problems[2], Catch::Contains("outside the pack directory"));
  // A data file a test names is read from inside the pack too, and has one of two shapes.
  CHECK_THAT(problems[3], Catch::Contains("cannot read the data file"));
  CHECK_THAT(problems[3], Catch::Contains("outside the pack directory"));
  CHECK_THAT(problems[4], Catch::Contains("data file `x.csv` is its text or `{file: path}`"));
}
