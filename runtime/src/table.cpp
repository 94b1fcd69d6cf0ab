// Reading a table of counts in long form (one row per cell) into a Table, with located errors.
#include "steward/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "scan_reader.h"
#include "steward/source.h"

namespace steward {

size_t Table::flat(const std::vector<uint32_t>& at) const {
  size_t i = 0;
  for (size_t d = 0; d < labels.size(); ++d) i = i * labels[d].size() + at[d];
  return i;
}

std::vector<uint32_t> Table::position(size_t i) const {
  std::vector<uint32_t> at(labels.size());
  for (size_t d = labels.size(); d-- > 0;) {
    at[d] = static_cast<uint32_t>(i % labels[d].size());
    i /= labels[d].size();
  }
  return at;
}

std::string Table::describe(size_t i) const {
  std::vector<uint32_t> at = position(i);
  std::string out;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (d) out += ", ";
    out += dims[d] + "=" + labels[d][at[d]];
  }
  return out;
}

namespace {

// Tables are published counts, not microdata: a million cells (a 100x100x100 cube) is far past
// any published table, and bounds the LP the audit builds.
constexpr size_t kMaxCells = 1'000'000;

bool whole_count(std::string_view s, double* out) {
  if (s.empty() || s.size() > 15) return false;
  double v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

TableResult read_table(std::istream& in, const std::string& file, const TableFormat& format) {
  TableResult out;
  auto fail = [&](const char* code, uint64_t line, std::string message) {
    out.errors.push_back(
        {code, "", static_cast<uint32_t>(line), line ? 1u : 0u, std::move(message)});
  };
  ScanOptions options;
  options.delimiter = format.delimiter;
  auto reader = detail::make_reader(DataFormat::kCsv, in, options);
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;
  std::vector<std::string_view> fields;
  uint64_t line = 0;
  while (reader->next(&fields, &line)) {
    std::vector<std::string> row;
    for (auto f : fields) row.emplace_back(trim(f));
    rows.push_back(std::move(row));
    lines.push_back(line);
    if (rows.size() > kMaxCells) {
      fail("table.limit", line, fmt::format("the table has more than {} rows", kMaxCells));
      return out;
    }
  }
  if (const InputError* e = reader->error()) {
    out.errors.push_back(*e);
    return out;
  }
  const auto& columns = reader->columns();
  if (columns.size() < 2) {
    fail("table.shape", 1,
         fmt::format("`{}` needs at least one dimension column and a count "
                     "column",
                     file));
    return out;
  }
  size_t count_col = columns.size() - 1;
  if (!format.count_column.empty()) {
    auto it = std::find(columns.begin(), columns.end(), format.count_column);
    if (it == columns.end()) {
      fail("table.shape", 1, fmt::format("there is no count column `{}`", format.count_column));
      return out;
    }
    count_col = static_cast<size_t>(it - columns.begin());
  }
  Table& t = out.table;
  std::vector<size_t> dim_cols;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c != count_col) {
      dim_cols.push_back(c);
      t.dims.push_back(columns[c]);
    }
  }
  auto is_total = [&](const std::string& v) {
    return std::find(format.totals.begin(), format.totals.end(), v) != format.totals.end();
  };
  // Categories in first-seen order, the total last.
  std::vector<std::map<std::string, uint32_t>> index(dim_cols.size());
  t.labels.resize(dim_cols.size());
  std::vector<std::string> total_label(dim_cols.size(), "Total");
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t d = 0; d < dim_cols.size(); ++d) {
      const std::string& v = rows[r][dim_cols[d]];
      if (v.empty()) {
        fail("table.shape", lines[r],
             fmt::format("the `{}` of this row is empty; a total is written `{}`", t.dims[d],
                         format.totals.empty() ? "Total" : format.totals[0]));
        continue;
      }
      if (is_total(v)) {
        total_label[d] = v;
      } else if (index[d].emplace(v, static_cast<uint32_t>(t.labels[d].size())).second) {
        t.labels[d].push_back(v);
      }
    }
  }
  if (!out.errors.empty()) return out;
  size_t cells = 1;
  for (size_t d = 0; d < dim_cols.size(); ++d) {
    t.labels[d].push_back(total_label[d]);
    cells *= t.labels[d].size();
    if (cells > kMaxCells) {
      fail("table.limit", 1,
           fmt::format("the table has more than {} cells, totals included", kMaxCells));
      return out;
    }
  }
  t.cells.assign(cells, Table::Cell{});
  std::vector<uint32_t> at(dim_cols.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t d = 0; d < dim_cols.size(); ++d) {
      const std::string& v = rows[r][dim_cols[d]];
      at[d] = is_total(v) ? static_cast<uint32_t>(t.labels[d].size() - 1) : index[d].at(v);
    }
    Table::Cell& cell = t.cells[t.flat(at)];
    if (cell.line != 0) {
      fail("table.duplicate", lines[r],
           fmt::format("{} is already given on line {}", t.describe(t.flat(at)), cell.line));
      continue;
    }
    cell.line = lines[r];
    const std::string& v = rows[r][count_col];
    if (std::find(format.suppressed.begin(), format.suppressed.end(), v) !=
        format.suppressed.end()) {
      cell.state = Table::State::kSuppressed;
    } else if (whole_count(v, &cell.value)) {
      cell.state = Table::State::kPublished;
    } else {
      fail("table.count", lines[r],
           fmt::format("`{}` is neither a whole count nor a suppression marker ({})",
                       escape_for_display(v), fmt::join(format.suppressed, ", ")));
    }
  }
  // Every interior cell must be given; a total may be left out (the audit leaves it free).
  for (size_t i = 0; i < t.cells.size() && out.errors.size() < 20; ++i) {
    if (t.cells[i].line != 0) continue;
    std::vector<uint32_t> p = t.position(i);
    bool interior = true;
    for (size_t d = 0; d < p.size(); ++d) interior &= p[d] + 1 < t.labels[d].size();
    if (interior)
      fail("table.missing", 0, fmt::format("the table has no row for {}", t.describe(i)));
  }
  return out;
}

}  // namespace steward
