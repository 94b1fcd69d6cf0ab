// `steward eval` fails closed on what it is given: every path found is decided or reported,
// outside text cannot draw on the terminal, and odd numbers never become values.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace steward::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string bin() { return "'" + steward_bin() + "'"; }

const fs::path kExamples = fs::path(source_dir()) / "policies/dcf-5-4/examples/agreements";

// A fresh directory under /tmp that the `nobody` user can read.
fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::all);
  return dir;
}

}  // namespace

TEST_CASE("eval DIR decides or reports every path it finds, never skips one",
          "[cli][hostile][fail-closed]") {
  // Found by the fail-closed review: an unreadable subdirectory ended the walk silently with
  // exit 0; FIFOs, dangling links and `.YAML` files were skipped.
  fs::path dir = scratch("steward_walk");
  const std::string deny = read_text(kExamples / "03-email-request-deny.yaml");
  write_text(dir / "a.yaml", read_text(kExamples / "01-compliant-allow.yaml"));
  write_text(dir / "B.YAML", deny);
  write_text(dir / "c.Yml", deny);
  write_text(dir / "notes.txt", "not an agreement\n");
  REQUIRE(::mkfifo((dir / "d-fifo.yaml").c_str(), 0644) == 0);
  fs::create_symlink(dir / "missing.yaml", dir / "e-dangling.yaml");
  fs::create_directories(dir / "f-real");
  write_text(dir / "f-real" / "inner.json",
             R"({"format": "steward/agreement/v1", "id": "J", "kind": "data_sharing"})");
  fs::create_directory_symlink(dir / "f-real", dir / "g-link");
  fs::create_directories(dir / "h-locked");
  write_text(dir / "h-locked" / "hidden-deny.yaml", deny);
  fs::permissions(dir / "h-locked", fs::perms::none);
  // Root reads any directory: run as `nobody` so the locked one really is unreadable.
  const std::string as_nobody =
      ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  auto r = run(as_nobody + bin() + " eval -p policies/dcf-5-4 '" + dir.string() + "'");
  fs::permissions(dir / "h-locked", fs::perms::owner_all);
  fs::remove_all(dir);
  CHECK(r.exit_code == 2);
  const std::string d = dir.string() + "/";
  CHECK_THAT(r.out, Catch::Contains(d + "a.yaml: ALLOW"));
  CHECK_THAT(r.out, Catch::Contains(d + "B.YAML: DENY"));
  CHECK_THAT(r.out, Catch::Contains(d + "c.Yml: DENY"));
  CHECK_THAT(r.out, Catch::Contains(
                        "8 agreements: 1 allowed, 2 denied, 0 need review, 5 with input errors"));
  CHECK_THAT(r.err, Catch::Contains(d + "f-real/inner.json:1:1: error[input.missing-key]"));
  CHECK(r.out.find("notes.txt") == std::string::npos);
  CHECK(r.err.find("notes.txt") == std::string::npos);
  CHECK_THAT(r.err,
             Catch::Contains(d + "e-dangling.yaml: error[input.read]: cannot read the file"));
  CHECK_THAT(r.err, Catch::Contains("h-locked: error[input.read]: cannot read the directory"));
  CHECK_THAT(r.err, Catch::Contains("d-fifo.yaml: error[input.read]: this is not a regular file"));
  CHECK_THAT(r.err, Catch::Contains("g-link: error[input.read]: a symbolic link to a directory"));
}

TEST_CASE("a FIFO named on the command line is refused without blocking", "[cli][hostile]") {
  fs::path dir = scratch("steward_fifo_cli");
  REQUIRE(::mkfifo((dir / "p.yaml").c_str(), 0644) == 0);
  auto r =
      run("timeout 20 " + bin() + " eval -p policies/dcf-5-4 '" + (dir / "p.yaml").string() + "'");
  fs::remove_all(dir);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("not a regular file"));
}

TEST_CASE("outside text reaches the terminal and CI logs escaped", "[cli][hostile][fail-closed]") {
  // Found by the fail-closed review: an ESC sequence could overwrite a DENY line with a fake
  // ALLOW. Values with control characters are input errors now; file names are escaped.
  fs::path dir = scratch("steward_escape");
  const std::string name = "x\x1b[2K\rALLOW.yaml";
  write_text(dir / name, read_text(kExamples / "03-email-request-deny.yaml"));
  write_text(dir / "id.yaml",
             "format: steward/agreement/v1\nid: \"DSA\\e[1A\\e[2KALLOW\"\nkind: data_sharing\n");
  for (const char* format : {"text", "github", "junit"}) {
    INFO(format);
    auto r = run(bin() + " eval -f " + format + " -p policies/dcf-5-4 '" + dir.string() + "'");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\r') == std::string::npos);
    CHECK_THAT(r.out + r.err, Catch::Contains("x\\x1b[2K"));
    CHECK_THAT(r.out + r.err, Catch::Contains("input.control"));
  }
  fs::remove_all(dir);
}

TEST_CASE(".json agreement files are JSON, and numbers are YAML 1.2 core numbers",
          "[cli][hostile]") {
  fs::path dir = scratch("steward_strict");
  // The allow example written as JSON with a comment: YAML would have read it.
  write_text(dir / "commented.json",
             "{\"format\": \"steward/agreement/v1\", // a comment\n \"id\": \"X\"}\n");
  auto r = run(bin() + " eval -p policies/dcf-5-4 '" + (dir / "commented.json").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("commented.json:1:"));
  CHECK_THAT(r.err, Catch::Contains("error[input.syntax]: the file is not valid JSON"));
  fs::remove_all(dir);
  // --param takes core numbers too: nan and inf are not values.
  const std::string ok =
      " policies/dcf-5-4/examples/agreements/13-aggregate-threshold-10-allow.yaml";
  for (const char* bad : {"nan", "inf", ".inf", "1e3", "0xZZ", " 10", "10 "}) {
    INFO(bad);
    auto p = run(bin() + " eval -p policies/dcf-5-4 --param 'min_cell_size=" + bad + "'" + ok);
    CHECK(p.exit_code == 2);
    CHECK_THAT(p.err, Catch::Contains("param.value"));
  }
  CHECK(run(bin() + " eval -p policies/dcf-5-4 --param min_cell_size=010" + ok).exit_code == 0);
  CHECK(run(bin() + " eval -p policies/dcf-5-4 --param min_cell_size=011" + ok).exit_code == 1);
}
