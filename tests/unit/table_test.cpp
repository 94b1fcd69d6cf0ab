// Tests for table.h: reading published tables (and their located errors), and the LP audit on
// the research notes' reference cases (sdcTable's 4x4 table and its region x gender table),
// each bound re-checked by an independent solver (glpsol) on the exported LP.
#include "steward/table.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

Table load(const std::string& rel) {
  std::ifstream in(steward::testing::source_dir() + "/tests/data/tables/" + rel);
  REQUIRE(in);
  TableResult r = read_table(in, rel);
  for (const auto& e : r.errors) UNSCOPED_INFO(e.code << " " << e.line << ": " << e.message);
  REQUIRE(r.ok());
  return r.table;
}

// "row=w, col=b" -> [lo, hi]
std::map<std::string, std::pair<double, double>> intervals(const Table& t, const AuditResult& a) {
  std::map<std::string, std::pair<double, double>> out;
  for (const auto& c : a.cells) out[t.describe(c.cell)] = {c.lo, c.hi};
  return out;
}

// The optimum glpsol finds for the exported LP.
double glpsol(const std::string& lp) {
  fs::path dir = fs::temp_directory_path() / ("steward_lp_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  steward::testing::write_text(dir / "a.lp", lp);
  auto r = steward::testing::run("glpsol --lp '" + (dir / "a.lp").string() + "' -o '" +
                                 (dir / "a.out").string() + "' >/dev/null 2>&1");
  REQUIRE(r.exit_code == 0);
  std::string out = steward::testing::read_text(dir / "a.out");
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex(R"(Objective:\s+obj = (-?[0-9.e+-]+))")));
  fs::remove_all(dir);
  return std::stod(m[1]);
}

}  // namespace

TEST_CASE("sdcTable's 4x4 table: wb is exactly recoverable, one more cell protects it", "[table]") {
  Table t = load("sdctable-4x4.csv");
  REQUIRE(t.labels[0].size() == 5);
  REQUIRE(t.size() == 25);
  ProtectionRule rule;
  AuditResult a = audit_table(t, rule);
  REQUIRE_FALSE(a.infeasible);
  auto iv = intervals(t, a);
  // The research notes' glpsol figures, before the extra cell.
  std::map<std::string, std::pair<double, double>> want = {
      {"row=w, col=a", {25, 94}}, {"row=w, col=b", {47, 47}},    {"row=w, col=c", {0, 69}},
      {"row=x, col=a", {26, 95}}, {"row=x, col=c", {0, 69}},     {"row=y, col=b", {0, 185}},
      {"row=y, col=d", {0, 185}}, {"row=z, col=b", {906, 1091}}, {"row=z, col=d", {585, 770}}};
  CHECK(iv == want);
  CHECK(a.unsafe == 1);
  // Every bound agrees with glpsol on the exported LP.
  for (const auto& c : a.cells) {
    CHECK(glpsol(table_lp(t, c.cell, false)) == Approx(c.lo));
    CHECK(glpsol(table_lp(t, c.cell, true)) == Approx(c.hi));
  }
  Table plus = load("sdctable-4x4-plus-xd.csv");
  AuditResult b = audit_table(plus, rule);
  CHECK(intervals(plus, b)["row=w, col=b"] == std::make_pair(0.0, 78.0));
  CHECK(b.unsafe == 0);
}

TEST_CASE("region x gender: A-female = 2 protected by the rectangle {A,C} x {m,f}", "[table]") {
  Table t = load("region-gender.csv");
  AuditResult a = audit_table(t, ProtectionRule{3, 3});
  auto iv = intervals(t, a);
  CHECK(iv["region=A, gender=female"] == std::make_pair(0.0, 12.0));
  CHECK(iv["region=C, gender=male"] == std::make_pair(10.0, 22.0));
  CHECK(a.unsafe == 0);
  // Suppressed alone, the primary is the row total minus the other cell.
  std::string text = steward::testing::read_text(steward::testing::source_dir() +
                                                 "/tests/data/tables/region-gender.csv");
  for (const char* row : {"A,male,*\n", "C,male,*\n", "C,female,*\n"}) {
    std::string shown = std::string(row).substr(0, std::string(row).size() - 2);
    std::string value = std::string(row)[0] == 'A' ? "18" : row[2] == 'm' ? "12" : "10";
    text.replace(text.find(row), std::strlen(row), shown + value + "\n");
  }
  std::istringstream in(text);
  TableResult one = read_table(in, "one.csv");
  REQUIRE(one.ok());
  AuditResult b = audit_table(one.table, ProtectionRule{3, 3});
  REQUIRE(b.cells.size() == 1);
  CHECK(b.cells[0].lo == 2);
  CHECK(b.cells[0].hi == 2);
  CHECK_FALSE(b.cells[0].safe);
}

TEST_CASE("totals left out are free, contradictory totals are reported and not audited",
          "[table]") {
  // No totals at all: nothing ties the suppressed cell, its interval is unbounded.
  std::istringstream free_in("a,n\nx,5\ny,*\n");
  TableResult f = read_table(free_in, "t.csv");
  REQUIRE(f.ok());
  AuditResult fa = audit_table(f.table, ProtectionRule{});
  REQUIRE(fa.cells.size() == 1);
  CHECK(fa.cells[0].lo == 0);
  CHECK(std::isinf(fa.cells[0].hi));
  CHECK(fa.cells[0].safe);
  // 5 + 3 is not 7.
  std::istringstream bad_in("a,n\nx,5\ny,3\nz,*\nTotal,7\n");
  TableResult b = read_table(bad_in, "t.csv");
  REQUIRE(b.ok());
  CHECK(audit_table(b.table, ProtectionRule{}).infeasible);
}

TEST_CASE("table files: every problem located", "[table]") {
  auto errors = [](const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (const auto& e : read_table(in, "t.csv").errors)
      out.push_back(e.code + ":" + std::to_string(e.line));
    return out;
  };
  CHECK(errors("a,b,n\nx,p,1\nx,q,2\ny,p,3\n") == std::vector<std::string>{"table.missing:0"});
  CHECK(errors("a,n\nx,1\nx,2\n") == std::vector<std::string>{"table.duplicate:3"});
  CHECK(errors("a,n\nx,1.5\ny,-1\nz,\x1b[31m\n") ==
        std::vector<std::string>{"table.count:2", "table.count:3", "table.count:4"});
  CHECK(errors("n\n1\n") == std::vector<std::string>{"table.shape:1"});
  CHECK(errors("a,n\n,1\n") == std::vector<std::string>{"table.shape:2"});
}

TEST_CASE("the pack's table plan: the threshold follows its parameter, mistakes are located",
          "[table][compiler]") {
  auto compile_with = [](const std::string& tables, const std::string& param = "10") {
    PackSources s = steward::testing::pack_of(
        "document D { id: string }\n",
        "tables: tables.yaml\nparameters:\n  min_cell: {type: int, default: " + param + "}\n");
    PackSources::DataFile f;
    f.listed = "tables.yaml";
    f.name = "test/tables.yaml";
    f.text = tables;
    s.data.push_back(f);
    return compile(s);
  };
  auto ok = compile_with("threshold: {parameter: min_cell}\nmarkers: {suppressed: ['*', x]}\n");
  REQUIRE(ok.ok());
  CHECK(ok.pack->tables.threshold == 10);
  CHECK(ok.pack->tables.min_width == 10);
  CHECK(ok.pack->tables.suppressed_markers == std::vector<std::string>{"*", "x"});
  auto eleven = compile_with("threshold: {parameter: min_cell}\n", "11");
  REQUIRE(eleven.ok());
  CHECK(eleven.pack->tables.threshold == 11);
  CHECK(eleven.pack->digest != ok.pack->digest);
  auto codes = [&](const std::string& tables) {
    std::vector<std::string> out;
    auto r = compile_with(tables);
    for (const auto& d : r.diagnostics.items()) {
      if (d.code.rfind("tables.", 0) == 0)  // not the lint on a parameter left unused
        out.push_back(d.code + ":" + std::to_string(r.sources->position(d.span).line));
    }
    return out;
  };
  CHECK(codes("threshold: {parameter: nope}\n") == std::vector<std::string>{"tables.parameter:1"});
  CHECK(codes("threshold: 0\n") == std::vector<std::string>{"tables.type:1"});
  CHECK(codes("threshold: 5\nmarkers: {suppressed: ['*', '7']}\n") ==
        std::vector<std::string>{"tables.marker:2"});
  CHECK(codes("threshold: 5\nmarkers: {suppressed: [T], total: [T]}\n") ==
        std::vector<std::string>{"tables.marker:2"});
  CHECK(codes("threshold: 5\nzeroes: published\n") ==
        std::vector<std::string>{"tables.unknown-key:2"});
  CHECK(codes("zeros: published\n") == std::vector<std::string>{"tables.missing:1"});
}

TEST_CASE("suppress: sdcTable's region x gender gets its optimal pattern, and passes audits",
          "[table]") {
  Table raw = load("region-gender-raw.csv");
  SuppressRule rule;
  rule.threshold = 3;  // sdcTable's maxN = 3 makes A-female = 2 the one primary
  rule.protection = {3, 3};
  SuppressResult r = suppress_table(raw, rule);
  REQUIRE(r.ok());
  std::set<std::string> primary, secondary;
  for (size_t i : r.primary) primary.insert(r.table.describe(i));
  for (size_t i : r.secondary) secondary.insert(r.table.describe(i));
  CHECK(primary == std::set<std::string>{"region=A, gender=female"});
  // OPT, HITAS, HYPERCUBE and SIMPLEHEURISTIC: {A,C} x {m,f}, 3 secondaries.
  CHECK(secondary == std::set<std::string>{"region=A, gender=male", "region=C, gender=female",
                                           "region=C, gender=male"});
  // The totals were computed and published; the written table reads back to the same audit,
  // and glpsol agrees with every bound.
  CHECK(r.table.cells[r.table.size() - 1].value == 100);
  TableFormat f;
  std::istringstream in(write_table(r.table, f));
  TableResult back = read_table(in, "out.csv", f);
  REQUIRE(back.ok());
  AuditResult a = audit_table(back.table, rule.protection);
  CHECK(a.unsafe == 0);
  REQUIRE(a.cells.size() == 4);
  for (const auto& c : a.cells) {
    CHECK(glpsol(table_lp(back.table, c.cell, false)) == Approx(c.lo));
    CHECK(glpsol(table_lp(back.table, c.cell, true)) == Approx(c.hi));
  }
}

TEST_CASE("suppress: a generated table comes out protected, zeros stay shown", "[table]") {
  // 12 x 9 with small counts and zeros scattered; the pack's default threshold.
  std::string text = "a,b,n\n";
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 9; ++j)
      text += "a" + std::to_string(i) + ",b" + std::to_string(j) + "," +
              std::to_string((i * 7 + j * 13) % 17 == 0 ? 0 : (i * 31 + j * 17) % 97) + "\n";
  std::istringstream in(text);
  TableResult t = read_table(in, "gen.csv");
  REQUIRE(t.ok());
  SuppressResult r = suppress_table(t.table, SuppressRule{});
  REQUIRE(r.ok());
  CHECK_FALSE(r.primary.empty());
  CHECK(audit_table(r.table, ProtectionRule{}).unsafe == 0);
  for (size_t i = 0; i < r.table.size(); ++i) {
    if (t.table.cells[i].state == Table::State::kPublished && t.table.cells[i].value == 0)
      CHECK(r.table.cells[i].state == Table::State::kPublished);
  }
  // A table that already has suppressed cells is not re-protected blindly.
  std::istringstream done("a,n\nx,*\ny,40\n");
  CHECK_FALSE(suppress_table(read_table(done, "d.csv").table, SuppressRule{}).ok());
}
