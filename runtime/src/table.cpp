// Reading a table of counts in long form (one row per cell) into a Table, with located errors.
#include "steward/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "scan_reader.h"
#include "steward/source.h"
#include "table_read.h"

namespace steward {

size_t Table::flat(const std::vector<uint32_t>& at) const {
  size_t i = 0;
  for (size_t d = 0; d < dims.size(); ++d) i = i * dims[d].size() + at[d];
  return i;
}

std::vector<uint32_t> Table::position(size_t i) const {
  std::vector<uint32_t> at(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    at[d] = static_cast<uint32_t>(i % dims[d].size());
    i /= dims[d].size();
  }
  return at;
}

bool Table::interior(size_t i) const {
  for (size_t d = dims.size(); d-- > 0;) {
    if (!dims[d].leaf(static_cast<uint32_t>(i % dims[d].size()))) return false;
    i /= dims[d].size();
  }
  return true;
}

std::vector<Table::Relation> Table::relations() const {
  std::vector<Relation> out;
  for (size_t i = 0; i < cells.size(); ++i) {
    std::vector<uint32_t> p = position(i);
    for (size_t d = 0; d < dims.size(); ++d) {
      const auto& kids = dims[d].children[p[d]];
      if (kids.empty()) continue;
      Relation r{i, static_cast<uint32_t>(d), {}};
      std::vector<uint32_t> q = p;
      for (uint32_t k : kids) {
        q[d] = k;
        r.members.push_back(flat(q));
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<Table::Relation> Table::relations_of(size_t i) const {
  std::vector<Relation> out;
  const std::vector<uint32_t> p = position(i);
  for (size_t d = 0; d < dims.size(); ++d) {
    auto add = [&](uint32_t total) {
      std::vector<uint32_t> q = p;
      q[d] = total;
      Relation r{flat(q), static_cast<uint32_t>(d), {}};
      for (uint32_t k : dims[d].children[total]) {
        q[d] = k;
        r.members.push_back(flat(q));
      }
      out.push_back(std::move(r));
    };
    if (!dims[d].leaf(p[d])) add(p[d]);
    if (dims[d].parent[p[d]] >= 0) add(static_cast<uint32_t>(dims[d].parent[p[d]]));
  }
  return out;
}

std::vector<std::string> Table::values(size_t i, size_t d, const std::string& total) const {
  const Dimension& dim = dims[d];
  std::vector<std::string> out(dim.columns.size(), total);
  size_t stride = 1;  // row-major: the positions of the later dimensions vary fastest
  for (size_t e = d + 1; e < dims.size(); ++e) stride *= dims[e].size();
  for (int32_t k = static_cast<int32_t>(i / stride % dim.size()); k >= 0 && dim.depth[k] > 0;
       k = dim.parent[k])
    out[dim.depth[k] - 1] = dim.labels[k];
  return out;
}

std::string Table::describe(size_t i) const {
  std::string out;
  for (size_t d = 0; d < dims.size(); ++d) {
    std::vector<std::string> v = values(i, d, dims[d].labels.back());
    for (size_t c = 0; c < v.size(); ++c) {
      if (!out.empty()) out += ", ";
      out += dims[d].columns[c] + "=" + v[c];
    }
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

namespace detail {

void table_error(std::vector<InputError>* errors, const char* code, uint64_t line,
                 std::string message) {
  errors->push_back({code, "", static_cast<uint32_t>(line), line ? 1u : 0u, std::move(message)});
}

bool read_long_form(std::istream& in, const TableFormat& format, LongForm* out,
                    std::vector<InputError>* errors) {
  ScanOptions options;
  options.delimiter = format.delimiter;
  auto reader = make_reader(DataFormat::kCsv, in, options);
  std::vector<std::string_view> fields;
  uint64_t line = 0;
  while (reader->next(&fields, &line)) {
    std::vector<std::string> row;
    for (auto f : fields) row.emplace_back(trim(f));
    out->rows.push_back(std::move(row));
    out->lines.push_back(line);
    if (out->rows.size() > kMaxCells) {
      table_error(errors, "table.limit", line,
                  fmt::format("the table has more than {} rows", kMaxCells));
      return false;
    }
  }
  if (const InputError* e = reader->error()) {
    errors->push_back(*e);
    return false;
  }
  out->columns = reader->columns();
  return true;
}

bool build_dimensions(const LongForm& in, std::vector<bool> used, const TableFormat& format,
                      Table* t, std::vector<uint32_t>* at_row, std::vector<InputError>* errors) {
  const auto& columns = in.columns;
  const size_t before = errors->size();
  auto fail = [&](const char* code, uint64_t line, std::string message) {
    table_error(errors, code, line, std::move(message));
  };
  // Dimensions: each declared hierarchy whose columns are all here (and in no other), then
  // every other column on its own, in the order of their first column in the file.
  std::vector<std::vector<size_t>> dim_cols;
  for (const auto& h : format.hierarchies) {
    std::vector<size_t> cols;
    for (const auto& name : h) {
      auto it = std::find(columns.begin(), columns.end(), name);
      if (it == columns.end() || used[it - columns.begin()]) break;
      cols.push_back(static_cast<size_t>(it - columns.begin()));
    }
    if (cols.size() != h.size() || cols.empty()) continue;
    for (size_t c : cols) used[c] = true;
    dim_cols.push_back(std::move(cols));
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (!used[c]) dim_cols.push_back({c});
  }
  std::stable_sort(dim_cols.begin(), dim_cols.end(),
                   [](const auto& a, const auto& b) { return a[0] < b[0]; });
  const size_t ndims = dim_cols.size();
  t->dims.resize(ndims);
  for (size_t d = 0; d < ndims; ++d) {
    for (size_t c : dim_cols[d]) t->dims[d].columns.push_back(columns[c]);
  }
  auto is_total = [&](const std::string& v) {
    return std::find(format.totals.begin(), format.totals.end(), v) != format.totals.end();
  };
  // Positions in first-seen order (a subtotal before its members), the total last; each row's
  // position in each dimension.
  constexpr uint32_t kTotal = std::numeric_limits<uint32_t>::max();
  std::vector<std::map<std::vector<std::string>, uint32_t>> index(ndims);
  std::vector<std::string> total_label(ndims, "Total");
  at_row->assign(in.rows.size() * ndims, kTotal);
  for (size_t r = 0; r < in.rows.size(); ++r) {
    for (size_t d = 0; d < ndims; ++d) {
      Table::Dimension& dim = t->dims[d];
      std::vector<std::string> path;
      bool ok = true;
      for (size_t j = 0; j < dim_cols[d].size() && ok; ++j) {
        const std::string& v = in.rows[r][dim_cols[d][j]];
        if (v.empty()) {
          fail("table.shape", in.lines[r],
               fmt::format("the `{}` of this row is empty; a total is written `{}`", dim.columns[j],
                           format.totals.empty() ? "Total" : format.totals[0]));
          ok = false;
        } else if (is_total(v)) {
          total_label[d] = v;
        } else if (path.size() < j) {
          fail("table.hierarchy", in.lines[r],
               fmt::format("`{}` is `{}` under a `{}` total; in the hierarchy {} a level below "
                           "a total is a total too",
                           dim.columns[j], escape_for_display(v), dim.columns[j - 1],
                           fmt::join(dim.columns, " > ")));
          ok = false;
        } else {
          path.push_back(v);
        }
      }
      if (!ok) continue;
      uint32_t parent = kTotal;
      std::vector<std::string> prefix;
      for (const auto& v : path) {
        prefix.push_back(v);
        auto [it, fresh] = index[d].emplace(prefix, static_cast<uint32_t>(dim.labels.size()));
        if (fresh) {
          dim.labels.push_back(v);
          dim.parent.push_back(parent == kTotal ? -1 : static_cast<int32_t>(parent));
          dim.depth.push_back(static_cast<uint8_t>(prefix.size()));
        }
        parent = it->second;
      }
      (*at_row)[r * ndims + d] = parent;
    }
  }
  if (errors->size() != before) return false;
  size_t cells = 1;
  for (size_t d = 0; d < ndims; ++d) {
    Table::Dimension& dim = t->dims[d];
    const uint32_t total = static_cast<uint32_t>(dim.labels.size());
    if (dim.columns.size() > 1 &&
        std::find(dim.depth.begin(), dim.depth.end(), dim.columns.size()) == dim.depth.end()) {
      fail("table.hierarchy", 1,
           fmt::format("the hierarchy {} has no row below `{}`; list its columns in the "
                       "pack's `hierarchies` only when the table has them",
                       fmt::join(dim.columns, " > "), dim.columns.back()));
    }
    dim.labels.push_back(total_label[d]);
    dim.depth.push_back(0);
    dim.children.assign(dim.labels.size(), {});
    for (uint32_t k = 0; k < total; ++k) {
      if (dim.parent[k] < 0) dim.parent[k] = static_cast<int32_t>(total);
      dim.children[static_cast<size_t>(dim.parent[k])].push_back(k);
    }
    dim.parent.push_back(-1);
    cells *= dim.labels.size();
    if (cells > kMaxCells) {
      fail("table.limit", 1,
           fmt::format("the table has more than {} cells, totals included", kMaxCells));
      return false;
    }
  }
  for (size_t r = 0; r < in.rows.size(); ++r) {
    for (size_t d = 0; d < ndims; ++d) {
      uint32_t& at = (*at_row)[r * ndims + d];
      if (at == kTotal) at = static_cast<uint32_t>(t->dims[d].size() - 1);
    }
  }
  if (errors->size() != before) return false;
  t->cells.assign(cells, Table::Cell{});
  return true;
}

}  // namespace detail

TableResult read_table(std::istream& in, const std::string& file, const TableFormat& format) {
  TableResult out;
  auto fail = [&](const char* code, uint64_t line, std::string message) {
    detail::table_error(&out.errors, code, line, std::move(message));
  };
  detail::LongForm long_form;
  if (!detail::read_long_form(in, format, &long_form, &out.errors)) return out;
  const auto& columns = long_form.columns;
  const auto& rows = long_form.rows;
  const auto& lines = long_form.lines;
  if (columns.size() < 2) {
    fail("table.shape", 1,
         fmt::format("`{}` needs at least one dimension column and a count column", file));
    return out;
  }
  auto derived_column = [&](const std::string& c) {
    return std::find(format.derived.begin(), format.derived.end(), c) != format.derived.end();
  };
  // By default the counts are the last column that is not a derived one.
  size_t count_col = columns.size() - 1;
  while (count_col > 0 && derived_column(columns[count_col])) --count_col;
  if (!format.count_column.empty()) {
    auto it = std::find(columns.begin(), columns.end(), format.count_column);
    if (it == columns.end()) {
      fail("table.shape", 1, fmt::format("there is no count column `{}`", format.count_column));
      return out;
    }
    count_col = static_cast<size_t>(it - columns.begin());
  }
  Table& t = out.table;
  t.count_column = columns[count_col];
  std::vector<bool> used(columns.size(), false);
  used[count_col] = true;
  std::vector<size_t> derived_cols;
  for (const auto& name : format.derived) {
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end() || used[it - columns.begin()]) continue;
    used[it - columns.begin()] = true;
    derived_cols.push_back(static_cast<size_t>(it - columns.begin()));
    t.derived_columns.push_back(name);
  }
  std::vector<uint32_t> at_row;
  if (!detail::build_dimensions(long_form, used, format, &t, &at_row, &out.errors)) return out;
  const size_t ndims = t.dims.size();
  const size_t cells = t.cells.size();
  t.derived.assign(derived_cols.empty() ? 0 : cells * derived_cols.size(), std::string());
  std::vector<uint32_t> at(ndims);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t d = 0; d < ndims; ++d) at[d] = at_row[r * ndims + d];
    const size_t i = t.flat(at);
    Table::Cell& cell = t.cells[i];
    if (cell.line != 0) {
      fail("table.duplicate", lines[r],
           fmt::format("{} is already given on line {}", t.describe(i), cell.line));
      continue;
    }
    cell.line = lines[r];
    auto marker = [&](const std::string& v) {
      return std::find(format.suppressed.begin(), format.suppressed.end(), v) !=
             format.suppressed.end();
    };
    // A derived value is kept as text (a rate's format is the publisher's); a marker or an
    // empty field shows nothing.
    for (size_t k = 0; k < derived_cols.size(); ++k) {
      const std::string& v = rows[r][derived_cols[k]];
      if (!marker(v)) t.derived[i * derived_cols.size() + k] = v;
    }
    const std::string& v = rows[r][count_col];
    if (marker(v)) {
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
    if (t.cells[i].line == 0 && t.interior(i)) {
      fail("table.missing", 0,
           fmt::format("the table has no row for {}{}", t.describe(i),
                       ndims > 1 ? "; if one of its columns nests in another, declare the "
                                   "hierarchy (`hierarchies:` in the pack's tables file)"
                                 : ""));
    }
  }
  return out;
}

}  // namespace steward
