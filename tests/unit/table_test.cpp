// Tests for table.h: reading published tables (and their located errors), and the LP audit on
// the research notes' reference cases (sdcTable's 4x4 table and its region x gender table, the
// tau-Argus manual's feasibility interval),
// each bound re-checked by an independent solver (glpsol) on the exported LP.
// Past 600 lines on purpose: every reference case shares the fixtures and the glpsol re-check
// above its cases.
#include "steward/table.h"

#include <fmt/format.h>

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
  REQUIRE(t.dims[0].size() == 5);
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

TEST_CASE("tau-Argus manual 4.1, section 2.15: X11 lies in [3, 6]", "[table]") {
  // The manual's example of the feasibility interval: a 3x2 table whose first two rows are
  // suppressed, non-negative counts; it gives X11 in [3, 6]. The other three bounds follow from
  // the same four relations (X12 = 7 - X11, X21 = 6 - X11, X22 = X11 - 3).
  Table t = load("tau-argus-manual.csv");
  AuditResult a = audit_table(t, ProtectionRule{3, 3});
  REQUIRE_FALSE(a.infeasible);
  auto iv = intervals(t, a);
  std::map<std::string, std::pair<double, double>> want = {{"row=1, col=1", {3, 6}},
                                                           {"row=1, col=2", {1, 4}},
                                                           {"row=2, col=1", {0, 3}},
                                                           {"row=2, col=2", {0, 3}}};
  CHECK(iv == want);
  // Each interval is 3 wide: safe for a width of 3, and 1..4 for X12 is not inside 1..2.
  CHECK(a.unsafe == 0);
  CHECK(audit_table(t, ProtectionRule{4, 3}).unsafe == 4);
  for (const auto& c : a.cells) {
    CHECK(glpsol(table_lp(t, c.cell, false)) == Approx(c.lo));
    CHECK(glpsol(table_lp(t, c.cell, true)) == Approx(c.hi));
  }
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
  // Hierarchies, derived columns, singletons.
  auto h = compile_with(
      "threshold: 5\nhierarchies: [[region, office]]\nderived: [rate]\nsingletons: ignored\n");
  REQUIRE(h.ok());
  CHECK(h.pack->tables.hierarchies == std::vector<std::vector<std::string>>{{"region", "office"}});
  CHECK(h.pack->tables.derived_columns == std::vector<std::string>{"rate"});
  CHECK_FALSE(h.pack->tables.singletons_protected);
  CHECK(h.pack->digest != compile_with("threshold: 5\n").pack->digest);
  CHECK(codes("threshold: 5\nhierarchies: [[region]]\n") ==
        std::vector<std::string>{"tables.type:2"});
  CHECK(codes("threshold: 5\nhierarchies: [[region, office]]\nderived: [office]\n") ==
        std::vector<std::string>{"tables.column:3"});
  CHECK(codes("threshold: 5\nsingletons: maybe\n") == std::vector<std::string>{"tables.type:2"});
  CHECK(codes("threshold: 5\nhierarchies: region\n") == std::vector<std::string>{"tables.type:2"});
  // Magnitude tables.
  auto m = compile_with(
      "threshold: 5\nmagnitude: {contributor_column: who, p_percent: 15, dominance: {n: 2, k: "
      "85}}\n");
  REQUIRE(m.ok());
  CHECK(m.pack->tables.magnitude);
  CHECK(m.pack->tables.contributor_column == "who");
  CHECK(m.pack->tables.dominance_k == 85);
  CHECK(m.pack->tables.min_contributors == 3);
  CHECK(codes("threshold: 5\nmagnitude: {p_percent: 150}\n") ==
        std::vector<std::string>{"tables.type:2"});
  CHECK(codes("threshold: 5\nmagnitude: {dominance: {n: 9, k: 85}}\n") ==
        std::vector<std::string>{"tables.type:2"});
  CHECK(codes("threshold: 5\nmagnitude: {dominance: {n: 2}}\n") ==
        std::vector<std::string>{"tables.missing:2"});
  CHECK(codes("threshold: 5\nmagnitude: {p: 15}\n") ==
        std::vector<std::string>{"tables.unknown-key:2"});
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

namespace {

TableFormat hierarchy_format() {
  TableFormat f;
  f.hierarchies = {{"region", "office"}};
  return f;
}

TableResult read_text(const std::string& text, const TableFormat& f = {}) {
  std::istringstream in(text);
  return read_table(in, "t.csv", f);
}

// Suppresses a hierarchical table given as text, counts below `threshold` primary and the
// interval rule at the same figure.
SuppressResult suppress_hierarchical(const std::string& text, int64_t threshold) {
  TableResult raw = read_text(text, hierarchy_format());
  REQUIRE(raw.ok());
  SuppressRule rule;
  rule.threshold = threshold;
  rule.protection = {static_cast<double>(threshold), static_cast<double>(threshold)};
  SuppressResult r = suppress_table(raw.table, rule);
  REQUIRE(r.ok());
  return r;
}

}  // namespace

TEST_CASE("hierarchies: region subtotals give away what the office rows hide", "[table]") {
  std::ifstream in(steward::testing::source_dir() + "/tests/data/tables/region-office.csv");
  TableResult r = read_table(in, "region-office.csv", hierarchy_format());
  REQUIRE(r.ok());
  const Table& t = r.table;
  REQUIRE(t.dims.size() == 2);
  CHECK(t.dims[0].columns == std::vector<std::string>{"region", "office"});
  // A, A1, A2, B, B1, B2, then the total; A1 adds into A, A into the total.
  REQUIRE(t.dims[0].size() == 7);
  CHECK(t.dims[0].children[0] == std::vector<uint32_t>{1, 2});
  CHECK(t.dims[0].children[6] == std::vector<uint32_t>{0, 3});
  AuditResult a = audit_table(t, ProtectionRule{});
  REQUIRE_FALSE(a.infeasible);
  auto iv = intervals(t, a);
  // Each office pair was suppressed as if offices were a flat list; the region subtotals
  // (A-female 15 = A1 + A2's 12) pin every one.
  CHECK(iv["region=A, office=A1, gender=female"] == std::make_pair(3.0, 3.0));
  CHECK(iv["region=A, office=A1, gender=Total"] == std::make_pair(23.0, 23.0));
  CHECK(iv["region=B, office=B1, gender=male"] == std::make_pair(30.0, 30.0));
  CHECK(iv["region=B, office=B1, gender=female"] == std::make_pair(25.0, 25.0));
  CHECK(a.unsafe == 4);
  for (const auto& c : a.cells) {
    CHECK(glpsol(table_lp(t, c.cell, false)) == Approx(c.lo));
    CHECK(glpsol(table_lp(t, c.cell, true)) == Approx(c.hi));
  }
  // Without the hierarchy, region and office cross: the missing pairs are named, with the way out.
  std::ifstream flat_in(steward::testing::source_dir() + "/tests/data/tables/region-office.csv");
  TableResult flat = read_table(flat_in, "region-office.csv");
  REQUIRE_FALSE(flat.ok());
  CHECK(flat.errors[0].code == "table.missing");
  CHECK_THAT(flat.errors[0].message, Catch::Contains("declare the hierarchy"));
}

TEST_CASE("hierarchies: located mistakes", "[table]") {
  // An office under the region total.
  TableResult under = read_text("region,office,n\nA,A1,4\nTotal,A1,4\n", hierarchy_format());
  REQUIRE(under.errors.size() == 1);
  CHECK(under.errors[0].code == "table.hierarchy");
  CHECK(under.errors[0].line == 3);
  // Declared, but the table never goes below the region.
  TableResult shallow = read_text("region,office,n\nA,Total,4\nB,Total,5\n", hierarchy_format());
  REQUIRE(shallow.errors.size() == 1);
  CHECK(shallow.errors[0].code == "table.hierarchy");
  // The same office name under two regions is two offices.
  TableResult twice =
      read_text("region,office,n\nA,North,4\nB,North,5\nA,Total,4\n", hierarchy_format());
  REQUIRE(twice.ok());
  CHECK(twice.table.dims[0].size() == 5);
}

TEST_CASE("suppress: a hierarchical table is protected at every level", "[table]") {
  // Offices under regions (C has one office, so C's subtotal is C1 itself); no totals given.
  std::string text = "region,office,gender,n\n";
  const std::vector<std::pair<std::string, std::string>> offices = {
      {"A", "A1"}, {"A", "A2"}, {"A", "A3"}, {"B", "B1"}, {"B", "B2"}, {"C", "C1"}};
  const int male[] = {14, 3, 40, 25, 31, 12};
  const int female[] = {22, 17, 2, 19, 6, 15};
  for (size_t i = 0; i < offices.size(); ++i) {
    text += offices[i].first + "," + offices[i].second + ",m," + std::to_string(male[i]) + "\n";
    text += offices[i].first + "," + offices[i].second + ",f," + std::to_string(female[i]) + "\n";
  }
  SuppressResult r = suppress_hierarchical(text, 5);
  const ProtectionRule protection{5, 5};
  CHECK(r.primary.size() == 2);  // A2-m 3, A3-f 2
  CHECK(r.audit.unsafe == 0);
  // The subtotals were computed: region A, male is 14 + 3 + 40.
  std::istringstream out(write_table(r.table, hierarchy_format()));
  TableResult back = read_table(out, "out.csv", hierarchy_format());
  REQUIRE(back.ok());
  bool found = false;
  for (size_t i = 0; i < r.table.size(); ++i) {
    if (r.table.describe(i) == "region=A, office=Total, gender=m") {
      found = true;
      CHECK(r.table.cells[i].value == 57);
    }
  }
  CHECK(found);
  AuditResult a = audit_table(back.table, protection);
  CHECK(a.unsafe == 0);
  for (const auto& c : a.cells) {
    CHECK(glpsol(table_lp(back.table, c.cell, false)) == Approx(c.lo));
    CHECK(glpsol(table_lp(back.table, c.cell, true)) == Approx(c.hi));
  }
}

TEST_CASE("suppress: a given total that its members do not add up to is refused", "[table]") {
  // Published as given, the wrong subtotal would hide A1 and A2 behind a sum that is not theirs.
  SuppressResult r =
      suppress_table(read_text("region,office,n\nA,A1,4\nA,A2,30\nA,Total,99\nB,B1,40\nB,B2,50\n",
                               hierarchy_format())
                         .table,
                     SuppressRule{});
  CHECK_FALSE(r.ok());
  CHECK_THAT(r.error, Catch::Contains("region=A, office=Total (line 4) is 99, its members add up "
                                      "to 34"));
  SuppressResult flat =
      suppress_table(read_text("k,n\nx,3\ny,40\nTotal,44\n").table, SuppressRule{});
  CHECK_FALSE(flat.ok());
}

TEST_CASE("singletons: sdcTable's a=1, b=2, c=1 with maxN = 1", "[table]") {
  auto secondaries = [](bool singletons, double width) {
    TableResult t = read_text("k,n\na,1\nb,2\nc,1\n");
    REQUIRE(t.ok());
    SuppressRule rule;
    rule.threshold = 2;  // maxN = 1: counts below 2
    rule.singletons = singletons;
    rule.protection = {width, 2};
    SuppressResult r = suppress_table(t.table, rule);
    REQUIRE(r.ok());
    CHECK(r.primary.size() == 2);
    return r.secondary.size();
  };
  // detectSingletons off: a + c = 2 hides each (0 secondaries); on: a's one respondent knows
  // a = 1, so c = 4 - 2 - 1 (b becomes secondary). A wider interval: 3 needs b, 5 the total too.
  CHECK(secondaries(false, 2) == 0);
  CHECK(secondaries(true, 2) == 1);
  CHECK(secondaries(false, 3) == 1);
  CHECK(secondaries(false, 5) == 2);
}

TEST_CASE("zero cells: frozen and never complements, primary only when the pack says so",
          "[table]") {
  TableResult t = read_text("k,n\nw,0\nx,4\ny,40\nz,0\n");
  REQUIRE(t.ok());
  SuppressRule rule;
  rule.threshold = 5;
  rule.protection = {5, 5};
  SuppressResult r = suppress_table(t.table, rule);
  REQUIRE(r.ok());
  // x's complement is y (the zeros' value is known: hiding them hides nothing).
  CHECK(r.table.cells[0].state == Table::State::kPublished);
  CHECK(r.table.cells[3].state == Table::State::kPublished);
  CHECK(r.table.cells[2].state == Table::State::kSuppressed);
  rule.zeros_suppressed = true;
  SuppressResult z = suppress_table(t.table, rule);
  REQUIRE(z.ok());
  CHECK(z.primary == std::vector<size_t>{0, 1, 3});
  CHECK(z.audit.unsafe == 0);
}

TEST_CASE("derived columns: a rate goes with its count", "[table]") {
  TableFormat f;
  f.derived = {"rate"};
  TableResult t = read_text("county,n,rate\nA,3,1.2\nB,40,16.0\nC,52,20.8\nTotal,95,12.7\n", f);
  REQUIRE(t.ok());
  CHECK(t.table.dims.size() == 1);
  CHECK(t.table.derived_columns == std::vector<std::string>{"rate"});
  SuppressResult r = suppress_table(t.table, SuppressRule{});
  REQUIRE(r.ok());
  const std::string out = write_table(r.table, f);
  CHECK(out.find("A,*,*\n") != std::string::npos);
  CHECK(out.find("1.2") == std::string::npos);
  CHECK(out.find("Total,95,12.7\n") != std::string::npos);
  // Someone else's table that hid the count but kept its rate: the audit says so.
  TableResult shown = read_text("county,n,rate\nA,*,1.2\nB,*,16.0\nC,52,20.8\nTotal,95,12.7\n", f);
  REQUIRE(shown.ok());
  AuditResult a = audit_table(shown.table, ProtectionRule{});
  REQUIRE(a.derived_shown.size() == 2);
  CHECK(shown.table.describe(a.derived_shown[0].cell) == "county=A");
}

TEST_CASE("a written table keeps the name of its count column", "[table]") {
  // Found by fuzz_table: counts under `yn` beside a dimension called `count` were written under
  // `count`, a second column of that name, and the table no longer read back.
  TableFormat f;
  f.derived = {"rate"};
  TableResult t = read_text("count,yn,rate\nA,1,1\nB,40,16.0\n@Totalal,35,4.1\n", f);
  REQUIRE(t.ok());
  CHECK(t.table.count_column == "yn");
  SuppressResult r = suppress_table(t.table, SuppressRule{});
  REQUIRE(r.ok());
  const std::string out = write_table(r.table, f);
  CHECK(out.rfind("count,yn,rate\n", 0) == 0);
  std::istringstream in(out);
  TableResult back = read_table(in, "out.csv", f);
  REQUIRE(back.ok());
  CHECK(back.table.size() == r.table.size());
  CHECK(audit_table(back.table, ProtectionRule{}).unsafe == 0);
}

TEST_CASE("the audit's intervals equal glpsol's on random 3-D tables with a hierarchy", "[table]") {
  // Small tables, many suppressed cells: every shortcut the audit takes (a seen zero, a seen
  // value that meets what a published total leaves) must give glpsol's optimum.
  uint32_t seed = 7;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (int round = 0; round < 4; ++round) {
    std::string text = "region,office,k,g,n\n";
    for (const char* office : {"A,A1", "A,A2", "B,B1", "B,B2", "B,B3"}) {
      for (const char* k : {"x", "y", "z"}) {
        for (const char* g : {"m", "f"})
          text +=
              std::string(office) + "," + k + "," + g + "," + std::to_string(next() % 30) + "\n";
      }
    }
    SuppressResult r = suppress_hierarchical(text, 8);
    // Also hide a few more cells at random, so that some intervals are narrow.
    Table t = r.table;
    for (int k = 0; k < 6; ++k) t.cells[next() % t.size()].state = Table::State::kSuppressed;
    AuditResult a = audit_table(t, ProtectionRule{8, 8});
    REQUIRE_FALSE(a.infeasible);
    for (const auto& c : a.cells) {
      INFO(t.describe(c.cell));
      // Counts: the integer program's optimum (the LP's, whenever its vertex is whole).
      CHECK(glpsol(table_lp(t, c.cell, false, true)) == Approx(c.lo).margin(1e-6));
      if (!std::isinf(c.hi))
        CHECK(glpsol(table_lp(t, c.cell, true, true)) == Approx(c.hi).margin(1e-6));
    }
  }
}

TEST_CASE("magnitude tables: contributions, the p% and (n,k) rules, and their levels", "[table]") {
  ContributionFormat f;
  f.contributor_column = "provider";
  // Region x service payments; provider P1 dominates north/foster.
  std::istringstream in(
      "region,service,provider,amount\n"
      "north,foster,P1,100\nnorth,foster,P2,5\nnorth,foster,P3,3\n"
      "north,kin,P4,40\nnorth,kin,P5,35\nnorth,kin,P6,30\n"
      "south,foster,P7,50\nsouth,foster,P8,45\nsouth,foster,P9,42\n"
      "south,kin,P10,60\nsouth,kin,P10,20\nsouth,kin,P11,25.50\n");
  ContributionsResult r = read_contributions(in, "pay.csv", f);
  for (const auto& e : r.table.errors) UNSCOPED_INFO(e.code << " " << e.line << ": " << e.message);
  REQUIRE(r.ok());
  const Table& t = r.table.table;
  REQUIRE(t.size() == 9);
  auto cell = [&](const std::string& name) {
    for (size_t i = 0; i < t.size(); ++i)
      if (t.describe(i) == name) return i;
    FAIL(name);
    return size_t{0};
  };
  const size_t nf = cell("region=north, service=foster");
  CHECK(t.cells[nf].value == 108);
  CHECK(r.contributors[nf].count == 3);
  CHECK(r.contributors[nf].top[0] == 100);
  // P10's two payments are one contributor of 80.
  const size_t sk = cell("region=south, service=kin");
  CHECK(r.contributors[sk].count == 2);
  CHECK(r.contributors[sk].top[0] == 80);
  CHECK(t.cells[cell("region=Total, service=Total")].value == Approx(455.5));
  CHECK(r.contributors[cell("region=Total, service=Total")].count == 11);

  MagnitudeRule p;
  p.p_percent = 15;
  p.min_contributors = 0;
  // p%: 108 - 100 - 5 = 3 is less than 15% of 100, so P2 could estimate P1 within 3: level 12.
  CHECK(magnitude_level(r.contributors[nf], 108, p) == Approx(12));
  CHECK(magnitude_level(r.contributors[cell("region=north, service=kin")], 105, p) == 0);
  MagnitudeRule nk;
  nk.min_contributors = 0;
  nk.dominance_n = 2;
  nk.dominance_k = 85;
  // (2, 85): 105 of 108 is 97%: level 100/85 * 105 - 108.
  CHECK(magnitude_level(r.contributors[nf], 108, nk) == Approx(100.0 / 85 * 105 - 108));
  MagnitudeRule freq;  // 3 contributors at least: south/kin has 2, level 10% of 105.5
  CHECK(magnitude_level(r.contributors[sk], 105.5, freq) == Approx(10.55));

  MagnitudeRule rule = p;
  rule.min_contributors = 3;
  SuppressResult s = suppress_magnitude(t, r.contributors, rule);
  REQUIRE(s.ok());
  CHECK(std::set<size_t>(s.primary.begin(), s.primary.end()) == std::set<size_t>{nf, sk});
  CHECK(s.audit.unsafe == 0);
  // Each primary's interval reaches its level on both sides; glpsol agrees with each bound.
  for (const auto& c : s.audit.cells) {
    const double v = s.table.cells[c.cell].value;
    const double level = magnitude_level(r.contributors[c.cell], v, rule);
    CHECK(c.lo <= std::max(0.0, v - level) + 1e-6);
    CHECK(c.hi >= v + level - 1e-6);
    CHECK(glpsol(table_lp(s.table, c.cell, false)) == Approx(c.lo).margin(1e-6));
    CHECK(glpsol(table_lp(s.table, c.cell, true)) == Approx(c.hi).margin(1e-6));
  }
}

TEST_CASE("magnitude tables: located mistakes in contributions", "[table]") {
  auto codes = [](const std::string& text, const std::string& who = "") {
    ContributionFormat f;
    f.contributor_column = who;
    std::istringstream in(text);
    std::vector<std::string> out;
    for (const auto& e : read_contributions(in, "c.csv", f).table.errors)
      out.push_back(e.code + ":" + std::to_string(e.line));
    return out;
  };
  CHECK(codes("k,v\na,1\nTotal,4\n") == std::vector<std::string>{"table.shape:3"});
  CHECK(codes("k,v\na,1e3\nb,-2\nc,.5\n") ==
        std::vector<std::string>{"table.count:2", "table.count:3", "table.count:4"});
  CHECK(codes("k,v\na,1\n", "provider") == std::vector<std::string>{"table.shape:1"});
}

TEST_CASE("3-D: a count's bounds are whole-number tables' bounds, not the LP's fractional ones",
          "[table]") {
  // A 3x3x4 table with 29 of its 36 cells suppressed and every margin published. The LP puts
  // a0-b1-c3 (truly 6) in [5, 9.5]; counts are whole, so anyone can read [5, 9]: a value
  // between 1 and 9, which the threshold 10 protects. Unrounded, 9.5 made it look safe.
  Table t = load("three-d-fractional.csv");
  const size_t cell = t.flat({0, 1, 3});
  REQUIRE(t.cells[cell].state == Table::State::kSuppressed);
  REQUIRE(glpsol(table_lp(t, cell, true)) == Approx(9.5));  // the LP relaxation's bound
  const ProtectionRule rule{3, 10};
  AuditResult a = audit_table(t, rule);
  REQUIRE_FALSE(a.infeasible);
  CHECK(a.inexact == 0);
  CHECK(a.integer_programs > 0);  // fractional vertices were met and re-solved
  auto iv = intervals(t, a);
  CHECK(iv["a=a0, b=b1, c=c3"] == std::make_pair(5.0, 9.0));
  for (const auto& c : a.cells) {
    INFO(t.describe(c.cell));
    CHECK_FALSE(std::signbit(c.lo));  // reports print `-0` for a negative zero
    // Each bound is the integer program's optimum, as glpsol's branch and bound finds it.
    CHECK(glpsol(table_lp(t, c.cell, false, true)) == Approx(c.lo));
    CHECK(glpsol(table_lp(t, c.cell, true, true)) == Approx(c.hi));
    if (c.cell == cell) CHECK_FALSE(c.safe);
  }
  // A magnitude table's values need not be whole: its bounds stay the LP's.
  AuditResult m = audit_table(t, rule, /*whole_counts=*/false);
  CHECK(intervals(t, m)["a=a0, b=b1, c=c3"].second == Approx(9.5));
  CHECK(m.integer_programs == 0);
}

TEST_CASE("a table attacked in two parts gets the same result on every run, and glpsol's bounds",
          "[table]") {
  // A 6x6x6 table with about twenty small counts: past the 16 items from which each round, the
  // singleton checks and the audit run in two parts over two models (table_attack.h's
  // kPartsFrom), side by side on two cores.
  constexpr size_t kPartsFrom = 16;
  std::string csv = "a,b,c,count\n";
  uint32_t x = 12345;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      for (int k = 0; k < 6; ++k) {
        x = x * 1103515245u + 12345u;
        const uint32_t r = (x >> 16) % 100;
        csv += fmt::format("a{},b{},c{},{}\n", i, j, k, r < 10 ? 1 + r % 9 : 10 + r);
      }
  auto run = [&] {
    std::istringstream in(csv);
    TableResult read = read_table(in, "t.csv");
    REQUIRE(read.ok());
    return suppress_table(read.table, SuppressRule{});
  };
  const SuppressResult first = run();
  REQUIRE(first.ok());
  REQUIRE(first.primary.size() >= kPartsFrom);
  CHECK(first.audit.unsafe == 0);
  for (int again = 0; again < 2; ++again) {
    const SuppressResult r = run();
    CHECK(r.secondary == first.secondary);
    REQUIRE(r.audit.cells.size() == first.audit.cells.size());
    for (size_t k = 0; k < r.audit.cells.size(); ++k) {
      CHECK(r.audit.cells[k].cell == first.audit.cells[k].cell);
      CHECK(r.audit.cells[k].lo == first.audit.cells[k].lo);
      CHECK(r.audit.cells[k].hi == first.audit.cells[k].hi);
    }
  }
  // The LP bounds of both parts, cell by cell, are glpsol's.
  AuditResult lp = audit_table(first.table, ProtectionRule{}, /*whole_counts=*/false);
  REQUIRE(lp.cells.size() == first.primary.size() + first.secondary.size());
  for (size_t k = 1; k < lp.cells.size(); ++k) CHECK(lp.cells[k].cell > lp.cells[k - 1].cell);
  for (size_t k = 0; k < lp.cells.size(); k += std::max<size_t>(1, lp.cells.size() / 24)) {
    const CellInterval& c = lp.cells[k];
    CHECK(glpsol(table_lp(first.table, c.cell, false)) == Approx(c.lo).margin(1e-6));
    CHECK(glpsol(table_lp(first.table, c.cell, true)) == Approx(c.hi).margin(1e-6));
  }
}

TEST_CASE("3-D: past the integer budget, bounds are the LP's rounded and counted as such",
          "[table]") {
  // A 12x12x12 table steward suppressed (424 hidden cells). Its integer programs outgrow the
  // table's node budget: the audit says how many bounds were left at the LP's rounded optimum
  // rather than presenting them as exact.
  Table t = load("three-d-12-suppressed.csv");
  Table truth = load("three-d-12.csv");  // what was suppressed (totals computed)
  std::map<std::string, double> value;
  for (size_t i = 0; i < truth.size(); ++i) value[truth.describe(i)] = truth.cells[i].value;
  AuditResult a = audit_table(t, ProtectionRule{10, 10});
  REQUIRE_FALSE(a.infeasible);
  CHECK(a.cells.size() == 424);
  CHECK(a.integer_programs > 0);
  CHECK(a.rounded > 0);
  CHECK(a.inexact == 0);
  CHECK(a.unsafe == 0);
  for (const auto& c : a.cells) {
    INFO(t.describe(c.cell));
    CHECK(c.lo == std::ceil(c.lo));  // rounded or not, a count's bound is whole
    CHECK(c.hi == std::floor(c.hi));
    REQUIRE(value.count(t.describe(c.cell)) == 1);
    CHECK(c.lo <= value[t.describe(c.cell)]);
    CHECK(c.hi >= value[t.describe(c.cell)]);
  }
}
