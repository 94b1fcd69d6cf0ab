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
             R"({"format": "steward/agreement/v2", "id": "J", "kind": "data_sharing"})");
  fs::create_directory_symlink(dir / "f-real", dir / "g-link");
  fs::create_directories(dir / "h-locked");
  write_text(dir / "h-locked" / "hidden-deny.yaml", deny);
  fs::permissions(dir / "h-locked", fs::perms::none);
  // Root reads any directory: run as `nobody` so the locked one really is unreadable. The
  // checkout may be private (CI clones into a mode-700 directory), so `nobody` gets its own
  // copy of the binary and the pack.
  std::string command = bin() + " eval -p policies/dcf-5-4 '" + dir.string() + "'";
  fs::path tools = scratch("steward_walk_tools");
  if (::geteuid() == 0) {
    fs::copy_file(steward_bin(), tools / "steward");
    fs::copy(fs::path(source_dir()) / "policies/dcf-5-4", tools / "pack",
             fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(tools))
      fs::permissions(e.path(), fs::perms::owner_all | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read |
                                    fs::perms::others_exec);
    command = "setpriv --reuid=65534 --regid=65534 --clear-groups '" +
              (tools / "steward").string() + "' eval -p '" + (tools / "pack").string() + "' '" +
              dir.string() + "'";
  }
  auto r = run(command);
  fs::remove_all(tools);
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
             "format: steward/agreement/v2\nid: \"DSA\\e[1A\\e[2KALLOW\"\nkind: data_sharing\n");
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
             "{\"format\": \"steward/agreement/v2\", // a comment\n \"id\": \"X\"}\n");
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

namespace {

// Decisions without the policy file names, which differ between a pack directory and a bundle.
json without_files(const std::string& out) {
  json arr = json::parse(out);
  for (auto& d : arr)
    for (auto& r : d["reasons"]) r.erase("policy_location");
  return arr;
}

}  // namespace

TEST_CASE("bundles are signed and load only against a pinned key, and forgeries are refused",
          "[cli][bundle][fail-closed]") {
  fs::path tmp = scratch("steward_bundle");
  const std::string key = (tmp / "signer.pem").string(), other = (tmp / "other.pem").string();
  REQUIRE(run(bin() + " keygen '" + key + "'").exit_code == 0);
  REQUIRE(run(bin() + " keygen '" + other + "'").exit_code == 0);
  CHECK((fs::status(key).permissions() & fs::perms::group_all) == fs::perms::none);
  CHECK(run(bin() + " keygen '" + key + "'").exit_code == 2);  // never overwritten
  const std::string bundle = (tmp / "dcf.bundle").string();
  auto b = run(bin() + " build policies/dcf-5-4 --sign-key '" + key + "' -o '" + bundle + "'");
  REQUIRE(b.exit_code == 0);
  const std::string trust = " --trust-key '" + key + ".pub'";
  const std::string dir = " policies/dcf-5-4/examples/agreements";
  auto from_dir = run(bin() + " eval -f json -p policies/dcf-5-4" + dir);
  auto from_bundle = run(bin() + " eval -f json --bundle '" + bundle + "'" + trust + dir);
  CHECK(from_bundle.exit_code == from_dir.exit_code);
  CHECK(without_files(from_bundle.out) == without_files(from_dir.out));

  const std::string text = read_text(bundle);
  CHECK(text.find(source_dir()) == std::string::npos);  // no path of the building machine
  CHECK(text.find("\"name\": \"request.policy\"") != std::string::npos);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);

  auto eval_bundle = [&](const nlohmann::ordered_json& doc, const std::string& name,
                         const std::string& keys) {
    write_text(tmp / name, doc.dump());
    return run(bin() + " eval --bundle '" + (tmp / name).string() + "'" + keys + dir);
  };
  // Without --trust-key, or with the wrong key: refused.
  auto no_key = run(bin() + " eval --bundle '" + bundle + "'" + dir);
  CHECK(no_key.exit_code == 2);
  CHECK_THAT(no_key.err, Catch::Contains("no trusted key"));
  auto wrong = run(bin() + " eval --bundle '" + bundle + "' --trust-key '" + other + ".pub'" + dir);
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("does not verify against any trusted key"));
  // Found by the fail-closed review: edited parameters or rules with a recomputed sha256 (and
  // source digest) loaded and carried the reviewed digest. Now the signature fails.
  auto edited = j;
  edited["params"]["min_cell_size"] = "1";
  edited.erase("sha256");
  edited.erase("signature");
  edited["sha256"] = steward::sha256_hex(edited.dump());
  edited["signature"] = j["signature"];
  auto r1 = eval_bundle(edited, "params.bundle", trust);
  CHECK(r1.exit_code == 2);
  CHECK_THAT(r1.err, Catch::Contains("does not verify"));
  // Re-signed by another key: still refused when only the signer's key is trusted.
  auto resigned = run(bin() + " build policies/dcf-5-4 --param min_cell_size=1 --sign-key '" +
                      other + "' -o '" + (tmp / "other.bundle").string() + "'");
  REQUIRE(resigned.exit_code == 0);
  auto r2 = run(bin() + " eval --bundle '" + (tmp / "other.bundle").string() + "'" + trust + dir);
  CHECK(r2.exit_code == 2);
  // Unsigned, or with the signature removed: refused.
  auto unsigned_ = j;
  unsigned_.erase("signature");
  auto r3 = eval_bundle(unsigned_, "unsigned.bundle", trust);
  CHECK(r3.exit_code == 2);
  CHECK_THAT(r3.err, Catch::Contains("not signed"));
  // A changed text without a new sha256, and an old or unknown format.
  auto changed = j;
  changed["modules"][0]["text"] = changed["modules"][0]["text"].get<std::string>() + "\n// x\n";
  CHECK_THAT(eval_bundle(changed, "changed.bundle", trust).err,
             Catch::Contains("sha256 does not match"));
  auto old = j;
  old["format"] = "steward-bundle/1";
  CHECK_THAT(eval_bundle(old, "old.bundle", trust).err, Catch::Contains("unknown bundle format"));

  // The digest on a decision is the digest of what was evaluated: parameters included.
  const std::string ten =
      " policies/dcf-5-4/examples/agreements/13-aggregate-threshold-10-allow.yaml";
  auto base = json::parse(run(bin() + " eval -f json -p policies/dcf-5-4" + ten).out);
  auto p11 = json::parse(
      run(bin() + " eval -f json -p policies/dcf-5-4 --param min_cell_size=11" + ten).out);
  CHECK(base["policy"]["digest"] != p11["policy"]["digest"]);
  CHECK(base["policy"]["digest"].get<std::string>() == j["pack"]["plan_digest"].get<std::string>());
  // Parameters baked in at build time apply, and --param still overrides them.
  auto b11 = run(bin() + " build --param min_cell_size=11 --sign-key '" + key +
                 "' policies/dcf-5-4 -o '" + (tmp / "p11.bundle").string() + "'");
  REQUIRE(b11.exit_code == 0);
  auto e11 =
      run(bin() + " eval -f json --bundle '" + (tmp / "p11.bundle").string() + "'" + trust + ten);
  CHECK(e11.exit_code == 1);
  CHECK(json::parse(e11.out)["policy"]["digest"] == p11["policy"]["digest"]);
  CHECK(run(bin() + " eval --param min_cell_size=10 --bundle '" + (tmp / "p11.bundle").string() +
            "'" + trust + ten)
            .exit_code == 0);
  fs::remove_all(tmp);
}
