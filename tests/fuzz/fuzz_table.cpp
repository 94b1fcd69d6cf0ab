// libFuzzer target: bytes -> a table of counts, then `audit` and (when every count is shown)
// `suppress`; or contributions -> a magnitude table -> `suppress --contributions`. The first
// byte picks the reading (a region > office hierarchy, a derived `rate` column, the delimiter
// or contributions) and the protection; the rest is the file. Any bytes must give a table
// or located errors, never a crash or a hang; an audit's intervals hold together; a table
// `suppress` returns passes its own audit, and a read-back of what it writes gives the same table.
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "steward/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  steward::TableFormat format;
  if (mode & 1) format.hierarchies = {{"region", "office"}};
  if (mode & 2) format.derived = {"rate"};
  const char delimiters[] = {0, ',', ';', '\t'};
  format.delimiter = delimiters[(mode >> 2) & 3];
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  if (((mode >> 2) & 3) == 3) {
    // Contributions to a magnitude table (a `who` column when there is one): the levels are
    // never negative, and a protected table's sensitive cells reach them.
    steward::ContributionFormat cf;
    cf.table = format;
    cf.table.delimiter = 0;
    cf.contributor_column = (mode & 0x40) ? "who" : "";
    steward::ContributionsResult c = steward::read_contributions(in, "fuzz.csv", cf);
    if (!c.ok() || c.table.table.size() > 64) return 0;
    steward::MagnitudeRule m;
    m.p_percent = 15;
    m.dominance_n = 2;
    m.dominance_k = 85;
    for (size_t i = 0; i < c.contributors.size(); ++i) {
      const double level =
          steward::magnitude_level(c.contributors[i], c.table.table.cells[i].value, m);
      if (level < 0 || std::isnan(level)) __builtin_trap();
    }
    steward::SuppressResult s = steward::suppress_magnitude(c.table.table, c.contributors, m);
    if (s.ok() && s.audit.unsafe != 0) __builtin_trap();
    return 0;
  }
  steward::TableResult r = steward::read_table(in, "fuzz.csv", format);
  if (!r.ok()) {
    for (const auto& e : r.errors)
      if (e.code.empty() || e.message.empty()) __builtin_trap();
    return 0;
  }
  const steward::Table& t = r.table;
  // The LPs grow with the table: keep each input fast.
  if (t.size() > 300) return 0;
  const double width = 1 + (mode >> 4);
  steward::ProtectionRule rule{width, width};
  steward::AuditResult a = steward::audit_table(t, rule);
  for (const auto& c : a.cells) {
    if (c.lo < -1e-6 || c.hi < c.lo - 1e-6) __builtin_trap();
    if (t.cells[c.cell].state != steward::Table::State::kSuppressed) __builtin_trap();
  }
  // Suppression runs rounds of LPs: a smaller table keeps every input well under a second.
  if (t.size() > 64) return 0;
  steward::SuppressRule srule;
  srule.threshold = static_cast<int64_t>(width);
  srule.protection = rule;
  srule.singletons = mode & 0x80;
  steward::SuppressResult s = steward::suppress_table(t, srule);
  if (!s.ok()) return 0;
  if (s.audit.unsafe != 0 || steward::audit_table(s.table, rule).unsafe != 0) __builtin_trap();
  std::istringstream back_in(steward::write_table(s.table, format));
  steward::TableResult back = steward::read_table(back_in, "back.csv", format);
  if (!back.ok() || back.table.size() != s.table.size()) __builtin_trap();
  for (size_t i = 0; i < back.table.size(); ++i) {
    const auto& x = back.table.cells[i];
    const auto& y = s.table.cells[i];
    if (x.state != y.state || (x.state == steward::Table::State::kPublished && x.value != y.value))
      __builtin_trap();
  }
  return 0;
}
