// Magnitude tables (payments per provider): reading contributions into a table with, per cell,
// its contributor count and largest contributions; the dominance rules that make a cell
// sensitive and the protection level it needs (tau-Argus's p% and (n,k) rules); protecting one.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "steward/source.h"
#include "steward/table.h"
#include "table_attack.h"
#include "table_read.h"

namespace steward {

namespace {

constexpr double kEps = 1e-6;

// A decimal number >= 0 (`1250`, `1250.75`): no sign, exponent or thousands separator, at most
// 15 significant digits so that sums stay exact to the cent.
bool decimal(const std::string& s, double* out) {
  if (s.empty() || s.size() > 16) return false;
  size_t digits = 0, dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  if (digits == 0 || dots > 1 || s.front() == '.' || s.back() == '.') return false;
  *out = std::strtod(s.c_str(), nullptr);
  return true;
}

void keep_top(Contributors& c, double v) {
  for (double& slot : c.top) {
    if (v > slot) std::swap(v, slot);
  }
}

}  // namespace

ContributionsResult read_contributions(std::istream& in, const std::string& file,
                                       const ContributionFormat& format) {
  ContributionsResult out;
  std::vector<InputError>& errors = out.table.errors;
  auto fail = [&](const char* code, uint64_t line, std::string message) {
    detail::table_error(&errors, code, line, std::move(message));
  };
  detail::LongForm rows;
  if (!detail::read_long_form(in, format.table, &rows, &errors)) return out;
  const auto& columns = rows.columns;
  auto column = [&](const std::string& name, size_t fallback, const char* what) -> long {
    if (name.empty()) return static_cast<long>(fallback);
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it != columns.end()) return it - columns.begin();
    fail("table.shape", 1, fmt::format("there is no {} column `{}`", what, name));
    return -1;
  };
  const size_t minimum = format.contributor_column.empty() ? 2 : 3;
  if (columns.size() < minimum) {
    fail("table.shape", 1,
         fmt::format("`{}` needs a dimension column, the value column{}", file,
                     format.contributor_column.empty() ? "" : " and the contributor column"));
    return out;
  }
  const long value_col = column(format.value_column, columns.size() - 1, "value");
  const long who_col =
      format.contributor_column.empty() ? -1 : column(format.contributor_column, 0, "contributor");
  if (value_col < 0 || (!format.contributor_column.empty() && who_col < 0)) return out;
  if (who_col == value_col) {
    fail("table.shape", 1, "the value and contributor columns are the same column");
    return out;
  }
  std::vector<bool> used(columns.size(), false);
  used[value_col] = true;
  if (who_col >= 0) used[who_col] = true;
  Table& t = out.table.table;
  t.count_column = columns[value_col];
  std::vector<uint32_t> at_row;
  if (!detail::build_dimensions(rows, used, format.table, &t, &at_row, &errors)) return out;
  const size_t ndims = t.dims.size();
  // Each contribution adds into its cell and every subtotal and total above it.
  std::vector<std::unordered_map<std::string, double>> by_who(who_col >= 0 ? t.size() : 0);
  out.contributors.assign(t.size(), Contributors{});
  for (auto& c : t.cells) c.state = Table::State::kPublished;
  std::vector<uint32_t> at(ndims);
  // Each contribution adds into every cell above it; with contributor ids each of those cells
  // keeps a map entry. Bounded, so that many dimensions cannot turn a file into gigabytes.
  constexpr uint64_t kMaxAdds = 16'000'000;
  uint64_t adds = 0;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    bool leaf = true;
    for (size_t d = 0; d < ndims; ++d) {
      at[d] = at_row[r * ndims + d];
      // Every level named: not a total, not a subtotal (even one with nothing below it).
      leaf &= t.dims[d].depth[at[d]] == t.dims[d].columns.size();
    }
    if (!leaf) {
      fail("table.shape", rows.lines[r],
           "a contribution belongs to one cell: totals and subtotals are computed, not given");
      continue;
    }
    double v = 0;
    const std::string& text = rows.rows[r][value_col];
    if (!decimal(text, &v)) {
      fail("table.count", rows.lines[r],
           fmt::format("`{}` is not a value (a decimal number >= 0)", escape_for_display(text)));
      continue;
    }
    // Every cell above this one: each dimension's chain from the category to the total.
    std::vector<std::vector<uint32_t>> chains(ndims);
    for (size_t d = 0; d < ndims; ++d) {
      for (int32_t k = static_cast<int32_t>(at[d]); k >= 0; k = t.dims[d].parent[k])
        chains[d].push_back(static_cast<uint32_t>(k));
    }
    uint64_t above = 1;
    for (const auto& chain : chains) above *= chain.size();
    if ((adds += above) > kMaxAdds) {
      fail("table.limit", rows.lines[r],
           fmt::format("the contributions add into more than {} cells in all (rows times the "
                       "cells above each)",
                       kMaxAdds));
      return out;
    }
    std::vector<size_t> pick(ndims, 0);
    while (true) {
      std::vector<uint32_t> q(ndims);
      for (size_t d = 0; d < ndims; ++d) q[d] = chains[d][pick[d]];
      const size_t i = t.flat(q);
      Table::Cell& cell = t.cells[i];
      cell.value += v;
      if (cell.line == 0) cell.line = rows.lines[r];
      if (who_col >= 0) {
        by_who[i][rows.rows[r][who_col]] += v;
      } else {
        out.contributors[i].count += 1;
        keep_top(out.contributors[i], v);
      }
      size_t d = 0;
      while (d < ndims && ++pick[d] == chains[d].size()) pick[d++] = 0;
      if (d == ndims) break;
    }
  }
  for (size_t i = 0; i < by_who.size(); ++i) {
    for (const auto& [who, v] : by_who[i]) {
      out.contributors[i].count += 1;
      keep_top(out.contributors[i], v);
    }
  }
  return out;
}

double magnitude_level(const Contributors& c, double total, const MagnitudeRule& rule) {
  if (c.count == 0) return 0;
  double level = 0;
  if (c.count < rule.min_contributors) level = rule.protection_percent / 100 * total;
  const double x1 = c.top[0], x2 = c.top[1];
  if (rule.p_percent > 0) {
    const double rest = total - x1 - x2;  // what the second largest does not know
    if (rest < rule.p_percent / 100 * x1 - kEps)
      level = std::max(level, rule.p_percent / 100 * x1 - rest);
  }
  if (rule.dominance_n > 0 && rule.dominance_k > 0) {
    double top = 0;
    for (int k = 0; k < std::min(rule.dominance_n, 4); ++k) top += c.top[k];
    if (top > rule.dominance_k / 100 * total + kEps)
      level = std::max(level, 100 / rule.dominance_k * top - total);
  }
  return level;
}

SuppressResult suppress_magnitude(const Table& input, const std::vector<Contributors>& contributors,
                                  const MagnitudeRule& rule) {
  SuppressResult out;
  out.table = input;
  Table& t = out.table;
  if (contributors.size() != t.size() || !detail::fill_totals(t)) {
    out.error = "the magnitude table must show every value, with its contributors";
    return out;
  }
  if (out.error = detail::totals_mismatch(t); !out.ok()) return out;
  std::vector<double> level(t.size(), 0);
  std::vector<char> pending(t.size(), 0);
  for (size_t i = 0; i < t.size(); ++i) {
    level[i] = magnitude_level(contributors[i], t.cells[i].value, rule);
    if (level[i] > kEps) {
      t.cells[i].state = Table::State::kSuppressed;
      out.primary.push_back(i);
      pending[i] = 1;
    }
  }
  auto reaches = [&](detail::TableAttack& attack, size_t cell) {
    const double v = t.cells[cell].value;
    return attack.reaches(cell, std::max(0.0, v - level[cell]), v + level[cell]);
  };
  out.error = detail::protect_rounds(t, pending, detail::RoundCheck{reaches, false, false}, nullptr,
                                     &out.secondary);
  if (!out.ok()) return out;
  // The final audit: every interval, each sensitive cell against its own level.
  out.audit = audit_table(t, ProtectionRule{0, 0}, /*whole_counts=*/false);
  out.audit.unsafe = 0;
  for (CellInterval& c : out.audit.cells) {
    const double v = t.cells[c.cell].value;
    c.safe = level[c.cell] <= kEps ||
             (c.lo <= std::max(0.0, v - level[c.cell]) + kEps && c.hi >= v + level[c.cell] - kEps);
    out.audit.unsafe += !c.safe;
  }
  if (out.audit.unsafe > 0) out.error = "the final audit found a sensitive cell unprotected";
  return out;
}

}  // namespace steward
