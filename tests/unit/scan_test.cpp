// Tests for scan.h and scan_plan.h: the pack's scan plan (and its located errors), the CSV,
// TSV and JSON Lines readers, each value detector, and the planted file with every identifier
// kind under a plain and a disguised name beside clean columns of the same types.
#include "steward/scan.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "steward/compiler.h"
#include "test_support.h"

using namespace steward;

namespace {

const char* kScanYaml = R"(categories:
  ssn: {safe_harbor: G, title: social security numbers, columns: [ssn]}
  phone: {safe_harbor: D, columns: [phone]}
  email: {safe_harbor: F, columns: [email]}
  url: {safe_harbor: N}
  ip: {safe_harbor: O}
  vin: {safe_harbor: L}
  date: {safe_harbor: C, columns: [dob]}
  zip: {safe_harbor: B, columns: [zip]}
  old: {safe_harbor: C}
  code: {safe_harbor: R}
prefixes: [mother, perp]
detectors: {ssn: ssn, phone: phone, email: email, url: url, ip: ip, vin: vin, full_date: date, zip5: zip}
ages: {columns: [age], over: 89, category: old}
zip3: {columns: [zip3], category: zip, parameter: zips, lists: {a: ["036"], b: ["059"]}}
near_unique: {category: code, min_rows: 20, ratio: 0.95}
)";

PackSources scan_pack(const std::string& scan_yaml, const std::string& zips = "a") {
  PackSources s = steward::testing::pack_of(
      "document D { id: string }\n",
      "scan: scan.yaml\nparameters:\n  zips: {type: string, default: \"" + zips + "\"}\n");
  PackSources::DataFile f;
  f.listed = "scan.yaml";
  f.name = "test/scan.yaml";
  f.text = scan_yaml;
  s.data.push_back(f);
  return s;
}

std::shared_ptr<const CompiledPack> pack(const std::string& zips = "a") {
  auto r = compile(scan_pack(kScanYaml, zips));
  for (const auto& d : r.diagnostics.items()) UNSCOPED_INFO(d.code << ": " << d.message);
  REQUIRE(r.ok());
  return r.pack;
}

ScanReport scan_text(const CompiledPack& p, const std::string& text, const std::string& name,
                     ScanOptions o = {}) {
  std::istringstream in(text);
  return scan_data(p, in, name, o);
}

// "column category how detector" for each finding.
std::set<std::string> found(const CompiledPack& p, const ScanReport& r) {
  std::set<std::string> out;
  for (const auto& f : r.findings)
    out.insert(f.column + " " + p.scan.categories[f.category].name + " " + f.how + " " +
               f.detector);
  return out;
}

}  // namespace

TEST_CASE("column names: lexicon, role prefixes, last words", "[scan]") {
  auto p = pack();
  const ScanPlan& s = p->scan;
  auto cat = [&](const char* column) {
    uint32_t c = s.category_of_column(column);
    return c == UINT32_MAX ? std::string("-") : s.categories[c].name;
  };
  CHECK(normalize_column(" Mother DOB ") == "mother_dob");
  CHECK(normalize_column("e-mail__Address") == "e_mail_address");
  CHECK(cat("SSN") == "ssn");
  CHECK(cat("Mother DOB") == "date");
  CHECK(cat("perp_phone") == "phone");
  CHECK(cat("child_ssn") == "ssn");
  CHECK(cat("ssn_count") == "-");
  CHECK(cat("service_type") == "-");
  CHECK(cat("") == "-");
}

TEST_CASE("each value detector, strong and weak shapes", "[scan]") {
  auto p = pack();
  struct Row {
    const char* cell;
    const char* detector;  // what must fire on a column of this one cell, or "" for nothing
  };
  const Row rows[] = {
      {"123-45-6789", "ssn"},
      {"123456789", "ssn"},  // weak: the whole column has it
      {"123 45 6789", "ssn"},
      {"123-45 6789", ""},
      {"000-12-3456", ""},
      {"666-12-3456", ""},
      {"912-34-5678", ""},
      {"123-00-4567", ""},
      {"(860) 555-0142", "phone"},
      {"+1 860 555 0142", "phone"},
      {"860.555.0142", "phone"},
      {"8605550142", "phone"},
      {"160-555-0142", ""},  // area code cannot start with 1
      {"192.168.10.12", "ip"},
      {"2001:db8::1", "ip"},
      {"10:30:00", ""},
      {"1.2.3", ""},
      {"ana.b@example.org", "email"},
      {"a@b", ""},
      {"https://example.org/x", "url"},
      {"www.example.org", "url"},
      {"1HGCM82633A004352", "vin"},
      {"1HGCM82633A004353", ""},  // wrong check digit
      {"2026-03-01", "date"},
      {"3/1/2026", "date"},
      {"2026-02-30", ""},
      {"2026-03", ""},
      {"2026", ""},
      {"06103", "zip"},
      {"06103-1234", "zip"},
      {"0610", ""},
      {"call 555 about ana@example.org today", "email"},
      {"ssn 123-45-6789 on file", "ssn"},
  };
  for (const auto& r : rows) {
    auto report = scan_text(*p, std::string("x\n\"") + r.cell + "\"\n", "t.csv");
    INFO(r.cell);
    REQUIRE(report.errors.empty());
    std::set<std::string> detectors;
    for (const auto& f : report.findings) detectors.insert(p->scan.categories[f.category].name);
    if (*r.detector)
      CHECK(detectors == std::set<std::string>{r.detector});
    else
      CHECK(detectors.empty());
  }
}

TEST_CASE("weak shapes count only when most of a column has them", "[scan]") {
  auto p = pack();
  // Nine digits in 1 of 4 cells: an order number, not an SSN column; in 3 of 4: an SSN column.
  auto few = scan_text(*p, "x\n123456789\nA\nB\nC\n", "t.csv");
  CHECK(few.findings.empty());
  auto most = scan_text(*p, "x\n123456789\n234567890\n345678901\nC\n", "t.csv");
  CHECK(found(*p, most) == std::set<std::string>{"x ssn value ssn"});
  // A strong shape counts alone, and rows are listed, never values.
  auto one = scan_text(*p, "x\nA\nB\n123-45-6789\n", "t.csv");
  REQUIRE(one.findings.size() == 1);
  CHECK(one.findings[0].rows == std::vector<uint64_t>{3});
  CHECK(one.findings[0].line == 4);
}

TEST_CASE("ages over the limit and restricted ZIP3 prefixes by the pack's parameter", "[scan]") {
  auto a = pack("a"), b = pack("b");
  const std::string csv = "age,zip3\n12,036\n90,059\n89.5,061\n91.2,\n";
  auto ra = scan_text(*a, csv, "t.csv");
  CHECK(found(*a, ra) == std::set<std::string>{"age old value age", "zip3 zip value zip3"});
  REQUIRE(ra.findings[0].rows == std::vector<uint64_t>{2, 4});
  CHECK(ra.findings[1].rows == std::vector<uint64_t>{1});
  auto rb = scan_text(*b, csv, "t.csv");
  CHECK(rb.findings[1].rows == std::vector<uint64_t>{2});
  CHECK(a->digest != b->digest);
}

// Attack: the lexicon matched `mother_dob`, but the age and ZIP3 checks matched names exactly,
// so a relative's age of 95 or a ZIP3 under a prefixed or longer name went unreported.
TEST_CASE("ages and ZIP3 columns match by prefix and last words like the lexicon", "[scan]") {
  auto p = pack("a");
  const std::string csv =
      "mother_age,perp_zip3,child_home_zip3,Mother Age,agent,zip3x\n95,036,036,91,95,036\n";
  auto r = scan_text(*p, csv, "t.csv");
  CHECK(found(*p, r) ==
        std::set<std::string>{"mother_age old value age", "perp_zip3 zip value zip3",
                              "child_home_zip3 zip value zip3", "Mother Age old value age"});
}

TEST_CASE("near-unique columns, small and large", "[scan]") {
  auto p = pack();
  std::string small = "code,kind,score\n", large = "code\n";
  for (int i = 0; i < 40; ++i)
    small += "K" + std::to_string(i * 7919) + "," + (i % 2 ? "a" : "b") + ",0." +
             std::to_string(1000 + i) + "\n";
  CHECK(found(*p, scan_text(*p, small, "t.csv")) ==
        std::set<std::string>{"code code value near_unique"});
  // 50,000 distinct values: the sketch's estimate, not the count, decides.
  for (int i = 0; i < 50000; ++i) large += "Q" + std::to_string(i) + "\n";
  CHECK(found(*p, scan_text(*p, large, "t.csv")) ==
        std::set<std::string>{"code code value near_unique"});
  // Half repeated: not near-unique.
  std::string half = "code\n";
  for (int i = 0; i < 50000; ++i) half += "Q" + std::to_string(i % 25000) + "\n";
  CHECK(scan_text(*p, half, "t.csv").findings.empty());
}

TEST_CASE("CSV per RFC 4180: quotes, delimiters, BOM, line ends", "[scan]") {
  auto p = pack();
  // A quoted field holds the delimiter, a newline and a doubled quote; CRLF line ends.
  auto r = scan_text(
      *p, "note;email\r\n\"a;b\r\n\"\"c\"\"\";x@example.org\r\nplain;y@example.org\r\n", "t.csv");
  CHECK(r.errors.empty());
  CHECK(r.columns == std::vector<std::string>{"note", "email"});
  CHECK(r.rows == 2);
  CHECK(found(*p, r) ==
        std::set<std::string>{"email email name lexicon", "email email value email"});
  auto bom = scan_text(*p, "\xEF\xBB\xBFssn\n123-45-6789\n", "t.csv");
  CHECK(bom.columns == std::vector<std::string>{"ssn"});
  auto tsv = scan_text(*p, "a\tssn\n1\t123-45-6789\n", "t.tsv");
  CHECK(tsv.columns == std::vector<std::string>{"a", "ssn"});
  CHECK(tsv.findings.size() == 2);
  ScanOptions pipe;
  pipe.delimiter = '|';
  CHECK(scan_text(*p, "a|b,c\n1|2\n", "t.csv", pipe).columns ==
        std::vector<std::string>{"a", "b,c"});
}

TEST_CASE("malformed data files are located errors, never a clean scan", "[scan][hostile]") {
  auto p = pack();
  struct Case {
    const char* text;
    const char* code;
    uint32_t line, column;
  };
  const Case cases[] = {
      {"", "datafile.empty", 1, 1},
      {"a,b\n1,\"open\n2,3\n", "datafile.csv", 2, 3},
      {"a,b\n1,x\"y\n", "datafile.csv", 2, 4},
      {"a,b\n1,\"x\"y\n", "datafile.csv", 2, 6},
      // At the first field too many, or where the first missing one would start; a long
      // row's fields counted in code points.
      {"a,b\n1,2,3\n", "datafile.columns", 2, 5},
      {"a,b\n1\n", "datafile.columns", 2, 2},
      {"a,b\n\xC3\xA9t\xC3\xA9,\"x,y\",3,4\n", "datafile.columns", 2, 11},
      {"a,b,c\n1,2\r\n", "datafile.columns", 2, 4},
      {"a,b\n1,2\n\n3,4,5", "datafile.columns", 4, 5},
      // Where the name is written (its first character, in code points after a byte order
      // mark), not the column's number: 2 before.
      {"a,a\n1,2\n", "datafile.header", 1, 3},
      {"a,\n1,2\n", "datafile.header", 1, 3},
      {"\xEF\xBB\xBFname,\xC3\xA9t\xC3\xA9,name\n1,2,3\n", "datafile.header", 1, 10},
      {"a,b\n1,\xff\n", "datafile.utf8", 2, 3},
      // UTF-8 is checked once per record: a character split across two fields (each half
      // broken) must still be refused, at the first field; so must one in a quoted field.
      {"a,b\nx\xC3,\xA9y\n", "datafile.utf8", 2, 1},
      {"a,b,c\nok,x\xC3,\xA9\n", "datafile.utf8", 2, 4},
      {"a,b\n\"q\xE2\x82\",1\n", "datafile.utf8", 2, 1},
      {"a,b\n1,abcdefghijklmnop\xffqrstuvwxyz\n", "datafile.utf8", 2, 3},
      {"\xEF\xBB"
       "a\n",
       "datafile.utf8", 1, 1},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = scan_text(*p, c.text, "t.csv");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == c.code);
    CHECK(r.errors[0].line == c.line);
    CHECK(r.errors[0].column == c.column);
  }
  // Whole characters in every field, quoted or not, some after long ASCII runs: no error.
  CHECK(scan_text(*p, "a,b\nx\xC3\xA9,\"\xE2\x82\xAC y\"\nabcdefghij\xC3\xA9,z\n", "t.csv")
            .errors.empty());
  ScanOptions tight;
  tight.max_field_bytes = 8;
  CHECK(scan_text(*p, "a\n0123456789\n", "t.csv", tight).errors.at(0).code == "datafile.limit");
}

TEST_CASE("records across the read buffer, quoted or not, keep their rows", "[scan]") {
  // The reader splits a one-line record where it lies in its 64 KiB buffer and reads anything
  // else (quotes with newlines or doubled quotes, a line across the buffer's end) byte by byte:
  // 400 KB of mixed records must come out as the same rows either way.
  auto p = pack();
  const char* notes[] = {
      "plain", "\"a, b\"",          "\"say \"\"hi\"\"\"", "\"two\nlines\"",     "",
      "\"\"",  "\xC3\xA9t\xC3\xA9", "\"x\r\ny\"",         "\"\xE2\x82\xAC, 5\""};
  std::string text = "id,note,ssn\n";
  std::vector<uint64_t> expected;
  uint64_t state = 7;
  const uint64_t rows = 16000;
  for (uint64_t i = 1; i <= rows; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const bool ssn = i % 7 == 0;
    if (ssn) expected.push_back(i);
    text += std::to_string(i) + "," + notes[(state >> 33) % 9] + "," +
            (ssn ? "123-45-6789" : "none") + ((state >> 40) % 3 == 0 ? "\r\n" : "\n");
    if (i % 500 == 0) text += std::string(40, 'z').insert(0, "999999,") + ",none\n";
  }
  REQUIRE(text.size() > 4 * 65536);
  ScanOptions o;
  o.rows_listed = 5000;
  auto r = scan_text(*p, text, "t.csv", o);
  REQUIRE(r.errors.empty());
  CHECK(r.rows == rows + rows / 500);
  const ScanFinding* ssn = nullptr;
  for (const auto& f : r.findings)
    if (f.column == "ssn" && f.how == "value") ssn = &f;
  REQUIRE(ssn);
  CHECK(ssn->count == expected.size());
  // Data row numbers count the extra rows too; map them back to ids.
  std::vector<uint64_t> ids;
  for (uint64_t row : ssn->rows) ids.push_back(row - (row - 1) / 501);
  CHECK(ids == expected);
}

TEST_CASE("JSON Lines: keys become columns, nested values are text", "[scan]") {
  auto p = pack();
  auto r = scan_text(*p,
                     "{\"id\": 1, \"email\": \"a@example.org\"}\n\n"
                     "{\"id\": 2, \"contact\": {\"mail\": \"b@example.org\"}, \"ssn\": null}\r\n",
                     "t.jsonl");
  CHECK(r.errors.empty());
  CHECK(r.columns == std::vector<std::string>{"id", "email", "contact", "ssn"});
  // The address inside the nested value is found as a word of its text.
  CHECK(found(*p, r) == std::set<std::string>{"email email name lexicon", "email email value email",
                                              "contact email value email", "ssn ssn name lexicon"});
  auto bad = scan_text(*p, "{\"a\": 1}\n[1, 2]\n", "t.jsonl");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].code == "datafile.json");
  CHECK(bad.errors[0].line == 2);
  CHECK(scan_text(*p, "{\"a\": 1} x\n", "t.jsonl").errors.at(0).code == "datafile.json");
  // A broken byte after two-byte characters: its column counts code points (it was 14, the
  // byte's offset), and a byte order mark opening the file is none.
  auto broken = scan_text(*p, "\xEF\xBB\xBF{\"a\": \"\xC3\xA9\xC3\xA9\xC3\xA9\xFF\"}\n", "t.jsonl");
  REQUIRE(broken.errors.size() == 1);
  CHECK(broken.errors[0].code == "datafile.utf8");
  CHECK(broken.errors[0].column == 11);
}

TEST_CASE("the scan plan's errors are located in its file", "[scan][pack]") {
  struct Case {
    std::string replace, with, code;
  };
  const Case cases[] = {
      {"detectors: {ssn: ssn,", "detectors: {sn: ssn,", "scan.detector"},
      {"full_date: date,", "full_date: dates,", "scan.category"},
      {"safe_harbor: G,", "safe_harbor: S,", "scan.safe-harbor"},
      {"[\"036\"]", "[\"36\"]", "scan.zip3"},
      {"parameter: zips", "parameter: nope", "scan.parameter"},
      {"columns: [age],", "columns: [ssn],", "scan.duplicate"},
      {"ratio: 0.95", "ratio: 2", "scan.type"},
      {"near_unique:", "near_uniq:", "scan.unknown-key"},
  };
  for (const auto& c : cases) {
    std::string text = kScanYaml;
    size_t at = text.find(c.replace);
    REQUIRE(at != std::string::npos);
    text.replace(at, c.replace.size(), c.with);
    auto r = compile(scan_pack(text));
    INFO(c.code);
    CHECK_FALSE(r.ok());
    bool seen = false;
    for (const auto& d : r.diagnostics.items()) {
      if (d.code != c.code) continue;
      seen = true;
      CHECK(r.sources->file(d.span.file).name() == "test/scan.yaml");
      CHECK(r.sources->position(d.span).line > 1);
    }
    CHECK(seen);
  }
  // A parameter value that names no list.
  auto r = compile(scan_pack(kScanYaml, "c"));
  CHECK_FALSE(r.ok());
  // A pack without a scan plan: the scanner says so instead of finding nothing.
  auto plain = compile(steward::testing::pack_of("document D { id: string }\n"));
  REQUIRE(plain.ok());
  auto none = scan_text(*plain.pack, "ssn\n123-45-6789\n", "t.csv");
  REQUIRE(none.errors.size() == 1);
  CHECK(none.errors[0].code == "scan.no-plan");
}

TEST_CASE("the planted file: every identifier found, no clean column flagged", "[scan][dcf]") {
  auto r = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  REQUIRE(r.ok());
  const std::string dir = steward::testing::source_dir() + "/tests/data/scan/";
  auto report = scan_data_file(*r.pack, dir + "planted.csv");
  REQUIRE(report.errors.empty());
  CHECK(report.rows == 120);
  std::set<std::string> expected;
  std::istringstream lines(steward::testing::read_text(dir + "planted.expected"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') expected.insert(line);
  CHECK(found(*r.pack, report) == expected);
  // The clean columns (make_planted.py) have no finding at all.
  for (const auto& f : report.findings) {
    INFO(f.column);
    CHECK(std::set<std::string>{"amount", "report_year", "period", "service_type", "phone_count",
                                "score", "region3", "version", "summary", "count"}
              .count(f.column) == 0);
  }
}
