// `steward scan` through the binary: exit status, the three output formats, and what an
// attacker would try: reading values back out of the findings, a FIFO or a directory as a
// data file, a column name that writes escape sequences to the terminal.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

using namespace steward::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string bin() { return "'" + steward_bin() + "'"; }
const std::string kPlanted = "tests/data/scan/planted.csv";

}  // namespace

TEST_CASE("scan: findings exit 1, a clean file 0, an unreadable one 2", "[cli][scan]") {
  auto r = run(bin() + " scan -p policies/dcf-5-4 " + kPlanted);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("column `ref_a`: `ssn` - social security numbers (Safe Harbor "
                                    "G) by value: 120 values look like ssn, rows 1, 2"));
  CHECK_THAT(r.out, Catch::Contains("120 rows, 32 columns, 45 findings"));
  fs::path dir = fs::temp_directory_path() / ("steward_scan_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_text(dir / "clean.csv", "service_type,count\nfoster_care,12\nkinship,3\n");
  auto clean = run(bin() + " scan -p policies/dcf-5-4 '" + (dir / "clean.csv").string() + "'");
  CHECK(clean.exit_code == 0);
  CHECK_THAT(clean.out, Catch::Contains("2 rows, 2 columns, 0 findings"));
  // A directory, a FIFO and a missing file are each an error, never skipped and never "clean".
  REQUIRE(mkfifo((dir / "pipe.csv").c_str(), 0600) == 0);
  for (std::string bad : {dir.string(), (dir / "pipe.csv").string(), (dir / "none.csv").string()}) {
    auto e = run(bin() + " scan -p policies/dcf-5-4 '" + (dir / "clean.csv").string() + "' '" +
                 bad + "'");
    INFO(bad);
    CHECK(e.exit_code == 2);
    CHECK_THAT(e.out, Catch::Contains("error[datafile.read]"));
  }
  // A broken file keeps its location.
  write_text(dir / "broken.csv", "a,b\n1,\"never closed\n");
  auto broken = run(bin() + " scan -p policies/dcf-5-4 '" + (dir / "broken.csv").string() + "'");
  CHECK(broken.exit_code == 2);
  CHECK_THAT(broken.out, Catch::Contains("broken.csv:2:3: error[datafile.csv]"));
  // A pack without a scan plan is an error, not an empty scan.
  auto noplan = run(bin() + " scan -p tests/packs/lending " + kPlanted);
  CHECK(noplan.exit_code == 2);
  CHECK_THAT(noplan.err, Catch::Contains("error[scan.no-plan]"));
  fs::remove_all(dir);
}

TEST_CASE("scan: JSON and SARIF carry every finding and no value of the file",
          "[cli][scan][hostile]") {
  auto j = run(bin() + " scan -p policies/dcf-5-4 -f json " + kPlanted);
  CHECK(j.exit_code == 1);
  json doc = json::parse(j.out);
  REQUIRE(doc.size() == 1);
  CHECK(doc[0]["findings"].size() == 45);
  CHECK(doc[0]["rows"] == 120);
  auto s = run(bin() + " scan -p policies/dcf-5-4 -f sarif " + kPlanted);
  json sarif = json::parse(s.out);
  CHECK(sarif["version"] == "2.1.0");
  CHECK(sarif["runs"][0]["columnKind"] == "unicodeCodePoints");
  CHECK(sarif["runs"][0]["results"].size() == 45);
  CHECK(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
             ["uri"] == kPlanted);
  auto t = run(bin() + " scan -p policies/dcf-5-4 " + kPlanted);
  // No cell of the file (beyond the header) appears in any output: findings give rows only.
  std::istringstream lines(read_text(source_dir() + "/" + kPlanted));
  std::string line;
  std::getline(lines, line);
  size_t checked = 0;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) {
      if (!cell.empty() && cell.back() == '\r') cell.pop_back();
      if (cell.size() < 6) continue;  // short cells (3, 2012) occur in any text
      ++checked;
      INFO(cell);
      CHECK(j.out.find(cell) == std::string::npos);
      CHECK(s.out.find(cell) == std::string::npos);
      CHECK(t.out.find(cell) == std::string::npos);
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("scan: the ZIP3 list follows --param, column names are escaped", "[cli][scan]") {
  fs::path dir = fs::temp_directory_path() / ("steward_scan2_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_text(dir / "z.csv", "zip3,\"evil\x1b[2Jname\"\n063,a\n205,b\n");
  auto y2000 = run(bin() + " scan -p policies/dcf-5-4 -f json '" + (dir / "z.csv").string() + "'");
  auto y2010 = run(bin() + " scan -p policies/dcf-5-4 --param zip3_list=2010 -f json '" +
                   (dir / "z.csv").string() + "'");
  json a = json::parse(y2000.out), b = json::parse(y2010.out);
  REQUIRE(a[0]["findings"].size() == 1);
  CHECK(a[0]["findings"][0]["rows"] == json::array({1}));  // 063 is on the 2000 list only
  REQUIRE(b[0]["findings"].size() == 1);
  CHECK(b[0]["findings"][0]["rows"] == json::array({2}));  // 205 on the 2010 list only
  auto bad = run(bin() + " scan -p policies/dcf-5-4 --param zip3_list=1990 '" +
                 (dir / "z.csv").string() + "'");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("scan.parameter"));
  // The header's escape sequence is shown, not sent to the terminal.
  write_text(dir / "e.csv", "\"ssn\x1b[2J\"\n123-45-6789\n");
  auto esc = run(bin() + " scan -p policies/dcf-5-4 '" + (dir / "e.csv").string() + "'");
  CHECK(esc.out.find('\x1b') == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("scan: the plan is read only from inside the pack", "[cli][scan][hostile]") {
  fs::path dir = fs::temp_directory_path() / ("steward_scan3_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(source_dir() + "/policies/dcf-5-4", dir / "p", fs::copy_options::recursive);
  fs::create_symlink("/etc/passwd", dir / "p/data/x.yaml");
  const std::string manifest = read_text(dir / "p/pack.yaml");
  for (const char* target : {"data/x.yaml", "../../../../../../etc/passwd", "/etc/hostname"}) {
    std::string text = manifest;
    text.replace(text.find("scan: data/identifiers.yaml"), 27, std::string("scan: ") + target);
    write_text(dir / "p/pack.yaml", text);
    auto r = run(bin() + " scan -p '" + (dir / "p").string() + "' " + kPlanted);
    INFO(target);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("error[scan.file]"));
    CHECK(r.err.find("root:") == std::string::npos);
    CHECK(r.out.find("root:") == std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("eval --data: the file is judged, recorded, and never trusted blindly", "[cli][scan]") {
  fs::path dir = fs::temp_directory_path() / ("steward_eval_data_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string agreement = "policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml";
  std::string rows = "study_id,race_ethnicity\n";
  for (int i = 0; i < 60; ++i) rows += "R" + std::to_string(100000 + i * 7919) + ",white\n";
  write_text(dir / "ok.csv", rows);
  auto ok = run(bin() + " eval -f json --as-of 2026-03-01 -p policies/dcf-5-4 " + agreement +
                " --data '" + (dir / "ok.csv").string() + "'");
  CHECK(ok.exit_code == 0);
  json j = json::parse(ok.out);
  CHECK(j["decision"] == "allow");
  REQUIRE(j["data"].size() == 1);
  CHECK(j["data"][0]["rows"] == 60);
  CHECK(j["data"][0]["sha256"].get<std::string>().rfind("sha256:", 0) == 0);
  // The same agreement with a column it does not declare: denied, the column named.
  write_text(dir / "extra.csv", "study_id,race_ethnicity,dob\nR1,white,2015-03-02\n");
  auto extra = run(bin() + " eval --as-of 2026-03-01 -p policies/dcf-5-4 " + agreement +
                   " --data '" + (dir / "extra.csv").string() + "'");
  CHECK(extra.exit_code == 1);
  CHECK_THAT(extra.out, Catch::Contains("column `dob` (column 3 of"));
  // A FIFO, a directory or a missing data file: an input error (exit 2), no decision.
  REQUIRE(mkfifo((dir / "pipe.csv").c_str(), 0600) == 0);
  for (std::string bad : {dir.string(), (dir / "pipe.csv").string(), (dir / "none.csv").string()}) {
    auto e =
        run(bin() + " eval -f json -p policies/dcf-5-4 " + agreement + " --data '" + bad + "'");
    INFO(bad << "\n" << e.err);
    CHECK(e.exit_code == 2);
    CHECK(json::parse(e.out)["decision"].is_null());
  }
  // Data files belong to one agreement: two agreements with --data is a usage error.
  auto two = run(bin() + " eval -p policies/dcf-5-4 policies/dcf-5-4/examples/agreements" +
                 " --data '" + (dir / "ok.csv").string() + "'");
  CHECK(two.exit_code == 2);
  CHECK_THAT(two.err, Catch::Contains("error[usage]: --data checks the files of one agreement"));
  fs::remove_all(dir);
}

TEST_CASE("audit: recoverable cells exit 1 with their interval, protected tables 0",
          "[cli][table]") {
  auto bad = run(bin() + " audit -p policies/dcf-5-4 tests/data/tables/sdctable-4x4.csv");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Catch::Contains("sdctable-4x4.csv:3: recoverable: `row=w, col=b` lies in "
                                      "[47, 47]"));
  auto good = run(bin() +
                  " audit -p policies/dcf-5-4 -f json "
                  "tests/data/tables/sdctable-4x4-plus-xd.csv");
  CHECK(good.exit_code == 0);
  json j = json::parse(good.out);
  CHECK(j["threshold"] == 10);
  CHECK(j["files"][0]["recoverable"] == 0);
  CHECK(j["files"][0]["suppressed"].size() == 10);
  // The pack's threshold follows its parameter: at 100, a width of 78 no longer protects.
  auto strict = run(bin() +
                    " audit -p policies/dcf-5-4 --param min_cell_size=100 "
                    "tests/data/tables/sdctable-4x4-plus-xd.csv");
  CHECK(strict.exit_code == 1);
  // A small count shown, a contradictory total, an unreadable path.
  fs::path dir = fs::temp_directory_path() / ("steward_audit_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_text(dir / "small.csv", "county,n\nA,3\nB,40\nTotal,43\n");
  auto small = run(bin() + " audit -p policies/dcf-5-4 '" + (dir / "small.csv").string() + "'");
  CHECK(small.exit_code == 1);
  CHECK_THAT(small.out, Catch::Contains("small count shown: `county=A` is 3, below 10"));
  write_text(dir / "contra.csv", "county,n\nA,*\nB,40\nTotal,30\n");
  auto contra = run(bin() + " audit -p policies/dcf-5-4 '" + (dir / "contra.csv").string() + "'");
  CHECK(contra.exit_code == 2);
  CHECK_THAT(contra.out, Catch::Contains("error[audit.infeasible]"));
  auto dirarg = run(bin() + " audit -p policies/dcf-5-4 '" + dir.string() + "'");
  CHECK(dirarg.exit_code == 2);
  // Attack: a label that writes an escape sequence to the terminal is shown escaped.
  write_text(dir / "esc.csv", "county,n\n\x1b[32mA,*\nB,40\nTotal,45\n");
  auto esc = run(bin() + " audit -p policies/dcf-5-4 '" + (dir / "esc.csv").string() + "'");
  CHECK(esc.exit_code == 1);
  CHECK(esc.out.find('\x1b') == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("suppress: the written table passes steward audit, the report lists every cell",
          "[cli][table]") {
  fs::path dir = fs::temp_directory_path() / ("steward_suppress_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string out = (dir / "out.csv").string(), report = (dir / "r.json").string();
  auto r = run(bin() +
               " suppress -p policies/dcf-5-4 --param min_cell_size=3 "
               "tests/data/tables/region-gender-raw.csv -o '" +
               out + "' --report '" + report + "'");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("1 primary and 3 secondary suppressions"));
  json j = json::parse(read_text(report));
  CHECK(j["primary"].size() == 1);
  CHECK(j["secondary"].size() == 3);
  auto a = run(bin() + " audit -p policies/dcf-5-4 --param min_cell_size=3 '" + out + "'");
  CHECK(a.exit_code == 0);
  CHECK_THAT(a.out, Catch::Contains("4 suppressed cells, 0 recoverable"));
  // A table already suppressed cannot be protected again: exit 2, nothing written.
  auto again = run(bin() + " suppress -p policies/dcf-5-4 tests/data/tables/sdctable-4x4.csv -o '" +
                   (dir / "again.csv").string() + "'");
  CHECK(again.exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "again.csv"));
  fs::remove_all(dir);
}

TEST_CASE("suppress -o: a device or pipe is written in place and never replaced, no guessable temp",
          "[cli][table][hostile]") {
  fs::path dir = fs::temp_directory_path() / ("steward_out_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // `-o /dev/null` as root once renamed a regular file over the device. A FIFO stands in for it
  // here: it must stay a FIFO, and its reader must get the table.
  const fs::path fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // The reader in a group, so that run()'s `cd` applies to the whole line; bounded in time,
  // so that a writer that never opens the pipe fails the test instead of hanging it.
  auto r = run("{ timeout 20 cat '" + fifo.string() + "' > '" + (dir / "got.csv").string() +
               "' & } ; " + bin() +
               " suppress -p policies/dcf-5-4 --param min_cell_size=3 "
               "tests/data/tables/region-gender-raw.csv -o '" +
               fifo.string() + "'; wait");
  CHECK(r.exit_code == 0);
  CHECK(fs::is_fifo(fifo));
  CHECK_THAT(read_text(dir / "got.csv"), Catch::Contains("A,female,*"));
  // A symlink planted where the old temporary name was (`out.csv.tmp`) is not written through.
  write_text(dir / "victim", "untouched\n");
  fs::create_symlink(dir / "victim", dir / "out.csv.tmp");
  auto out = run(bin() +
                 " suppress -p policies/dcf-5-4 --param min_cell_size=3 "
                 "tests/data/tables/region-gender-raw.csv -o '" +
                 (dir / "out.csv").string() + "'");
  CHECK(out.exit_code == 0);
  CHECK(read_text(dir / "victim") == "untouched\n");
  CHECK_THAT(read_text(dir / "out.csv"), Catch::Contains("A,female,*"));
  // Nothing else is left in the directory.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename() != "" ? 1 : 0;
  CHECK(entries == 5);  // pipe, got.csv, victim, out.csv.tmp, out.csv
  fs::remove_all(dir);
}

TEST_CASE("suppress and audit: offices within regions, rates with their counts (the DCF pack)",
          "[cli][table]") {
  fs::path dir = fs::temp_directory_path() / ("steward_hier_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // The pack declares region > office and `rate` as derived: the office rows hide what the
  // region subtotals give away, and a rate shown beside a hidden count gives it away too.
  auto a = run(bin() + " audit -p policies/dcf-5-4 tests/data/tables/region-office.csv");
  CHECK(a.exit_code == 1);
  CHECK_THAT(a.out, Catch::Contains("recoverable: `region=A, office=A1, gender=female` lies in "
                                    "[3, 3]"));
  std::string raw = "region,office,n,rate\n";
  const char* rows[] = {"A,A1,4,0.8",   "A,A2,60,12.0", "A,A3,75,15.0",
                        "B,B1,55,11.0", "B,B2,38,7.6",  "C,C1,90,18.0"};
  for (const char* row : rows) raw += std::string(row) + "\n";
  write_text(dir / "raw.csv", raw);
  const std::string out = (dir / "out.csv").string();
  auto s = run(bin() + " suppress -p policies/dcf-5-4 '" + (dir / "raw.csv").string() + "' -o '" +
               out + "'");
  CHECK(s.exit_code == 0);
  const std::string written = read_text(out);
  CHECK_THAT(written, Catch::Contains("A,A1,*,*\n"));
  CHECK(written.find("0.8") == std::string::npos);
  auto back = run(bin() + " audit -p policies/dcf-5-4 '" + out + "'");
  CHECK(back.exit_code == 0);
  CHECK_THAT(back.out, Catch::Contains("0 recoverable, 0 small counts shown, 0 derived values"));
  write_text(dir / "rate.csv", "county,n,rate\nA,*,1.2\nB,*,16.0\nC,52,20.8\nTotal,95,12.7\n");
  auto rate = run(bin() + " audit -p policies/dcf-5-4 '" + (dir / "rate.csv").string() + "'");
  CHECK(rate.exit_code == 1);
  CHECK_THAT(rate.out, Catch::Contains("derived value shown: `rate` of suppressed `county=A`"));
  fs::remove_all(dir);
}

TEST_CASE("audit says when bounds are the LP's rounded, not proved whole", "[cli][table]") {
  auto r = run(bin() + " audit -p policies/dcf-5-4 tests/data/tables/three-d-12-suppressed.csv");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("warning[audit.rounded]: "));
  CHECK_THAT(r.out, Catch::Contains("424 suppressed cells, 0 recoverable"));
  auto j =
      run(bin() + " audit -p policies/dcf-5-4 -f json tests/data/tables/three-d-12-suppressed.csv");
  json doc = json::parse(j.out);
  CHECK(doc["files"][0]["rounded_bounds"].get<int>() > 0);
  CHECK(doc["files"][0]["integer_programs"].get<int>() > 0);
}

TEST_CASE("suppress --contributions: payments per provider by the pack's dominance rules",
          "[cli][table]") {
  fs::path dir = fs::temp_directory_path() / ("steward_magn_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_text(dir / "pay.csv",
             "region,service,provider,amount\n"
             "north,foster,P1,100\nnorth,foster,P2,5\nnorth,foster,P3,3\n"
             "north,kin,P4,40\nnorth,kin,P5,35\nnorth,kin,P6,30\n"
             "south,foster,P7,50\nsouth,foster,P8,45\nsouth,foster,P9,42\n"
             "south,kin,P10,60\nsouth,kin,P11,25.50\nsouth,kin,P12,20\n");
  const std::string out = (dir / "out.csv").string(), report = (dir / "r.json").string();
  auto r = run(bin() + " suppress -p policies/dcf-5-4 --contributions '" +
               (dir / "pay.csv").string() + "' -o '" + out + "' --report '" + report + "'");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("1 primary and 3 secondary suppressions"));
  CHECK_THAT(read_text(out), Catch::Contains("north,foster,*\n"));
  json j = json::parse(read_text(report));
  REQUIRE(j["audit"].size() == 4);
  for (const auto& c : j["audit"]) CHECK(c["safe"] == true);
  // The provider column is not a dimension, and a total among contributions is refused.
  CHECK(read_text(out).find("P1") == std::string::npos);
  write_text(dir / "bad.csv", "region,service,provider,amount\nTotal,kin,P1,4\n");
  auto bad = run(bin() + " suppress -p policies/dcf-5-4 --contributions '" +
                 (dir / "bad.csv").string() + "'");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("bad.csv:2:1: error[table.shape]"));
  fs::remove_all(dir);
}
