// Choosing the cells to suppress in a table of counts: primary cells by the frequency rule,
// then complements in rounds until the LP audit (table_audit.cpp) finds every cell protected.
#include <fmt/format.h>

#include <algorithm>

#include "steward/table.h"

namespace steward {

namespace {

// Fills the totals the file left out, fewest total coordinates first, so that each is the sum
// of members already known. False when a member is unknown (a suppressed input cell).
bool fill_totals(Table& t) {
  const size_t dims = t.labels.size();
  std::vector<size_t> order(t.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto totals = [&](size_t i) {
    std::vector<uint32_t> p = t.position(i);
    size_t k = 0;
    for (size_t d = 0; d < dims; ++d) k += p[d] + 1 == t.labels[d].size();
    return k;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return totals(a) < totals(b); });
  for (size_t i : order) {
    Table::Cell& c = t.cells[i];
    if (c.state == Table::State::kSuppressed) return false;
    if (c.state == Table::State::kPublished) continue;
    std::vector<uint32_t> p = t.position(i);
    size_t d = 0;
    while (p[d] + 1 != t.labels[d].size()) ++d;
    double sum = 0;
    for (uint32_t k = 0; k + 1 < t.labels[d].size(); ++k) {
      std::vector<uint32_t> q = p;
      q[d] = k;
      const Table::Cell& m = t.cells[t.flat(q)];
      if (m.state != Table::State::kPublished) return false;
      sum += m.value;
    }
    c.state = Table::State::kPublished;
    c.value = sum;
  }
  return true;
}

bool is_total(const Table& t, size_t i) {
  std::vector<uint32_t> p = t.position(i);
  for (size_t d = 0; d < p.size(); ++d)
    if (p[d] + 1 == t.labels[d].size()) return true;
  return false;
}

// Suppressed cells on the line of `at` along dimension `d` (the cells that differ from it only
// there: the members of one total and the total), `at` itself excluded.
size_t suppressed_on_line(const Table& t, const std::vector<uint32_t>& at, size_t d) {
  size_t n = 0;
  std::vector<uint32_t> q = at;
  for (uint32_t k = 0; k < t.labels[d].size(); ++k) {
    if (k == at[d]) continue;
    q[d] = k;
    n += t.cells[t.flat(q)].state == Table::State::kSuppressed;
  }
  return n;
}

// The best complement for an exposed `cell`: a published non-zero count on one of its lines.
// First one on a line where the cell is the only suppressed one (that line gives it away);
// then one whose other lines already hold suppressed cells (it closes a rectangle and is
// itself covered); then the smallest count; an interior cell before a total.
std::optional<size_t> complement(const Table& t, size_t cell) {
  const std::vector<uint32_t> p = t.position(cell);
  struct Key {
    bool exposing;
    size_t covered;
    double value;
    bool total;
    size_t index;
  };
  auto better = [](const Key& a, const Key& b) {
    if (a.exposing != b.exposing) return a.exposing;
    if (a.covered != b.covered) return a.covered > b.covered;
    if (a.value != b.value) return a.value < b.value;
    if (a.total != b.total) return !a.total;
    return a.index < b.index;
  };
  std::optional<Key> best;
  for (size_t d = 0; d < p.size(); ++d) {
    const bool exposing = suppressed_on_line(t, p, d) == 0;
    std::vector<uint32_t> q = p;
    for (uint32_t k = 0; k < t.labels[d].size(); ++k) {
      if (k == p[d]) continue;
      q[d] = k;
      const size_t j = t.flat(q);
      const Table::Cell& c = t.cells[j];
      if (c.state != Table::State::kPublished || c.value <= 0) continue;
      size_t covered = 0;
      for (size_t e = 0; e < p.size(); ++e)
        if (e != d) covered += suppressed_on_line(t, q, e) > 0;
      Key key{exposing, covered, c.value, is_total(t, j), j};
      if (!best || better(key, *best)) best = key;
    }
  }
  if (!best) return std::nullopt;
  return best->index;
}

}  // namespace

SuppressResult suppress_table(const Table& input, const SuppressRule& rule) {
  SuppressResult out;
  out.table = input;
  Table& t = out.table;
  if (!fill_totals(t)) {
    out.error = "the table to protect must show every count (it has suppressed cells already)";
    return out;
  }
  for (size_t i = 0; i < t.size(); ++i) {
    const double v = t.cells[i].value;
    if (v < static_cast<double>(rule.threshold) && (v > 0 || rule.zeros_suppressed)) {
      t.cells[i].state = Table::State::kSuppressed;
      out.primary.push_back(i);
    }
  }
  // Every round adds at least one cell, so at most one round per cell.
  for (size_t round = 0; round <= t.size(); ++round) {
    out.audit = audit_table(t, rule.protection);
    if (out.audit.infeasible) {
      out.error = "the table's totals do not add up";
      return out;
    }
    if (out.audit.unsafe == 0) return out;
    // One complement per exposed cell, each chosen seeing the ones chosen before it this round.
    std::vector<size_t> add;
    for (const CellInterval& c : out.audit.cells) {
      if (c.safe) continue;
      if (std::optional<size_t> j = complement(t, c.cell)) {
        t.cells[*j].state = Table::State::kSuppressed;
        add.push_back(*j);
      }
    }
    if (add.empty()) {
      // No published cell shares a total with what is still exposed: suppress the smallest
      // published non-zero count anywhere, or give up.
      std::optional<size_t> any;
      for (size_t i = 0; i < t.size(); ++i) {
        const Table::Cell& c = t.cells[i];
        if (c.state == Table::State::kPublished && c.value > 0 &&
            (!any || c.value < t.cells[*any].value))
          any = i;
      }
      if (!any) {
        out.error =
            fmt::format("{} cells stay recoverable with every count suppressed", out.audit.unsafe);
        return out;
      }
      t.cells[*any].state = Table::State::kSuppressed;
      add.push_back(*any);
    }
    out.secondary.insert(out.secondary.end(), add.begin(), add.end());
  }
  out.error = "no protected table was found";
  return out;
}

std::string write_table(const Table& t, const TableFormat& format, char delimiter) {
  auto field = [&](const std::string& s) {
    if (s.find_first_of(std::string("\"\r\n") + delimiter) == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string out;
  for (const auto& d : t.dims) out += field(d) + delimiter;
  out += (format.count_column.empty() ? std::string("count") : format.count_column) + "\n";
  const std::string total = format.totals.empty() ? "Total" : format.totals[0];
  const std::string marker = format.suppressed.empty() ? "*" : format.suppressed[0];
  for (size_t i = 0; i < t.size(); ++i) {
    const Table::Cell& c = t.cells[i];
    if (c.state == Table::State::kAbsent) continue;
    std::vector<uint32_t> p = t.position(i);
    for (size_t d = 0; d < p.size(); ++d)
      out += field(p[d] + 1 == t.labels[d].size() ? total : t.labels[d][p[d]]) + delimiter;
    out += c.state == Table::State::kSuppressed ? field(marker) : fmt::format("{}", c.value);
    out += '\n';
  }
  return out;
}

}  // namespace steward
