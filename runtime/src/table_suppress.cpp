// Choosing the cells to suppress in a table of counts: primary cells by the frequency rule,
// then complements in rounds until the LP audit (table_audit.cpp) finds every cell protected.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "steward/table.h"
#include "table_attack.h"

namespace steward {

namespace {

// How far each position sits above the categories: 0 for a category, 1 + its highest child's.
std::vector<std::vector<uint32_t>> heights(const Table& t) {
  std::vector<std::vector<uint32_t>> h(t.dims.size());
  for (size_t d = 0; d < t.dims.size(); ++d) {
    const Table::Dimension& dim = t.dims[d];
    h[d].assign(dim.size(), 0);
    // A parent comes before its children, except the total (last): children first, backwards.
    for (size_t k = dim.size() - 1; k-- > 0;) {
      for (uint32_t c : dim.children[k]) h[d][k] = std::max(h[d][k], h[d][c] + 1);
    }
    for (uint32_t c : dim.children.back()) h[d].back() = std::max(h[d].back(), h[d][c] + 1);
  }
  return h;
}

bool hidden(const Table& t, size_t i) { return t.cells[i].state == Table::State::kSuppressed; }

// Suppressed cells of a relation (its total and members), `except` left out.
size_t hidden_in(const Table& t, const Table::Relation& r, size_t except) {
  size_t n = r.total != except && hidden(t, r.total);
  for (size_t m : r.members) n += m != except && hidden(t, m);
  return n;
}

// The best complement for an exposed `cell`: a published non-zero value on one of its
// relations, or, `further`, on a relation of a suppressed cell there (the corner that closes a
// rectangle: needed when complements are not attacked themselves, so that no later round
// reaches from a complement to that corner).
// First one on a relation where the cell is the only suppressed one (that relation gives it
// away); then one whose other relations already hold suppressed cells (it closes a rectangle and
// is itself covered); then the smallest value; an interior cell before a total.
std::optional<size_t> complement(const Table& t, const detail::RelationIndex& rel, size_t cell,
                                 bool further) {
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
  auto consider = [&](size_t j, const Table::Relation& via, bool exposing) {
    const Table::Cell& c = t.cells[j];
    if (j == cell || c.state != Table::State::kPublished || c.value <= 0) return;
    size_t covered = 0;
    for (uint32_t o : rel.of[j]) {
      const Table::Relation& other = rel.all[o];
      if (other.total == via.total && other.dim == via.dim) continue;
      covered += hidden_in(t, other, j) > 0;
    }
    Key key{exposing, covered, c.value, !t.interior(j), j};
    if (!best || better(key, *best)) best = key;
  };
  for (uint32_t ri : rel.of[cell]) {
    const Table::Relation& r = rel.all[ri];
    const bool exposing = hidden_in(t, r, cell) == 0;
    consider(r.total, r, exposing);
    for (size_t m : r.members) consider(m, r, exposing);
    if (!further) continue;
    // One step further: the relations of the suppressed cells beside it.
    auto beside = [&](size_t h) {
      if (h == cell || !hidden(t, h)) return;
      for (uint32_t r2i : rel.of[h]) {
        const Table::Relation& r2 = rel.all[r2i];
        if (r2.total == r.total && r2.dim == r.dim) continue;
        consider(r2.total, r2, false);
        for (size_t m : r2.members) consider(m, r2, false);
      }
    };
    beside(r.total);
    for (size_t m : r.members) beside(m);
  }
  if (!best) return std::nullopt;
  return best->index;
}

// The cells a singleton's one respondent can pin: suppressed cells on the singleton's relations
// that are unprotected once the singleton's value is known.
std::vector<size_t> exposed_to_singleton(const Table& t, const detail::RelationIndex& rel,
                                         size_t singleton, detail::TableAttack& attack,
                                         const ProtectionRule& rule) {
  attack.know(singleton, t.cells[singleton].value);
  std::vector<size_t> out;
  for (uint32_t ri : rel.of[singleton]) {
    const Table::Relation& r = rel.all[ri];
    auto check = [&](size_t j) {
      if (j == singleton || !hidden(t, j)) return;
      if (std::find(out.begin(), out.end(), j) != out.end()) return;
      if (!attack.protected_cell(j, rule)) out.push_back(j);
    };
    check(r.total);
    for (size_t m : r.members) check(m);
  }
  attack.forget(singleton);
  return out;
}

}  // namespace

namespace detail {

// Fills the totals the file left out, lowest first, so that each is the sum of members already
// known. False when a member is unknown (a suppressed input cell).
bool fill_totals(Table& t) {
  const auto h = heights(t);
  std::vector<std::pair<uint32_t, size_t>> order(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    std::vector<uint32_t> p = t.position(i);
    uint32_t sum = 0;
    for (size_t d = 0; d < p.size(); ++d) sum += h[d][p[d]];
    order[i] = {sum, i};
  }
  std::stable_sort(order.begin(), order.end());
  for (const auto& [height, i] : order) {
    Table::Cell& c = t.cells[i];
    if (c.state == Table::State::kSuppressed) return false;
    if (c.state == Table::State::kPublished) continue;
    std::vector<uint32_t> p = t.position(i);
    size_t d = 0;
    while (t.dims[d].leaf(p[d])) ++d;
    double sum = 0;
    for (uint32_t k : t.dims[d].children[p[d]]) {
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

// "" when every given total is the sum of its members; otherwise the first one that is not.
// Every cell is published here: a wrong total would be published as it is, and the audit,
// which only sees published cells as constants, cannot tell.
std::string totals_mismatch(const Table& t) {
  for (const Table::Relation& r : t.relations()) {
    double sum = 0;
    for (size_t m : r.members) sum += t.cells[m].value;
    if (std::fabs(sum - t.cells[r.total].value) > 1e-6 * std::max(1.0, std::fabs(sum)))
      return fmt::format(
          "the table's totals do not add up: {} (line {}) is {}, its members add up "
          "to {}",
          t.describe(r.total), t.cells[r.total].line, t.cells[r.total].value, sum);
  }
  return "";
}

std::string protect_rounds(Table& t, std::vector<char> pending, const RoundCheck& check,
                           const ProtectionRule* singletons, std::vector<size_t>* secondary) {
  // A cell found protected stays protected: suppressing more only widens every interval. So
  // each round attacks only the cells still exposed and the ones just added.
  std::vector<char> singleton_done(t.size(), 0);
  const RelationIndex rel(t);
  long integer_left = kIntegerNodes;
  for (size_t round = 0; round <= t.size(); ++round) {
    std::vector<size_t> todo;
    for (size_t i = 0; i < t.size(); ++i)
      if (pending[i]) todo.push_back(i);
    // Suppressed 1s whose respondent could still pin a neighbour (checked once nothing else is
    // exposed).
    std::vector<size_t> singles;
    for (size_t s = 0; s < t.size() && singletons != nullptr; ++s)
      if (hidden(t, s) && t.cells[s].value == 1 && !singleton_done[s]) singles.push_back(s);
    const size_t parts = attack_parts(todo.size() + singles.size());
    std::vector<std::unique_ptr<TableAttack>> attacks(parts);
    std::vector<char> safe(todo.size(), 0);
    run_parts(parts, [&](size_t p) {
      attacks[p] = std::make_unique<TableAttack>(t, rel.all, check.whole_counts);
      if (!attacks[p]->feasible()) return;
      attacks[p]->set_integer_left(integer_share(integer_left, p, parts));
      const auto [first, end] = part_range(todo.size(), p, parts);
      for (size_t k = first; k < end; ++k) safe[k] = check(*attacks[p], todo[k]);
    });
    for (const auto& attack : attacks)
      if (!attack->feasible()) return "the table's totals do not add up";
    std::vector<size_t> exposed;
    for (size_t k = 0; k < todo.size(); ++k) {
      if (safe[k])
        pending[todo[k]] = 0;
      else
        exposed.push_back(todo[k]);
    }
    if (exposed.empty() && !singles.empty()) {
      std::vector<std::vector<size_t>> pinned(singles.size());
      run_parts(parts, [&](size_t p) {
        const auto [first, end] = part_range(singles.size(), p, parts);
        for (size_t k = first; k < end; ++k)
          pinned[k] = exposed_to_singleton(t, rel, singles[k], *attacks[p], *singletons);
      });
      for (size_t k = 0; k < singles.size(); ++k) {
        singleton_done[singles[k]] = pinned[k].empty();
        exposed.insert(exposed.end(), pinned[k].begin(), pinned[k].end());
      }
    }
    // Once CBC gives up on this table in any part, no later round asks it again (as with one
    // part: its next try would fail the same way and cost as long).
    std::optional<long> left = 0;
    for (const auto& attack : attacks) {
      const std::optional<long> part = attack->integer_left();
      left = left && part ? std::optional<long>(*left + *part) : std::nullopt;
    }
    integer_left = left.value_or(0);
    if (exposed.empty()) return "";
    // One complement per exposed cell, each chosen seeing the ones chosen before it this round.
    // A cell whose relation just gained a complement waits for the next round's audit: that
    // complement may already protect it, and a second one would be lost for nothing.
    std::vector<size_t> add;
    for (size_t cell : exposed) {
      bool helped = false;
      for (uint32_t ri : rel.of[cell]) {
        const Table::Relation& r = rel.all[ri];
        for (size_t j : add)
          helped |=
              j == r.total || std::find(r.members.begin(), r.members.end(), j) != r.members.end();
      }
      if (helped) continue;
      if (std::optional<size_t> j = complement(t, rel, cell, !check.complements)) {
        t.cells[*j].state = Table::State::kSuppressed;
        add.push_back(*j);
      }
    }
    if (add.empty()) {
      // No published cell shares a relation with what is still exposed: suppress the smallest
      // published non-zero value anywhere, or give up.
      std::optional<size_t> any;
      for (size_t i = 0; i < t.size(); ++i) {
        const Table::Cell& c = t.cells[i];
        if (c.state == Table::State::kPublished && c.value > 0 &&
            (!any || c.value < t.cells[*any].value))
          any = i;
      }
      if (!any)
        return fmt::format("{} cells stay recoverable with every value suppressed", exposed.size());
      t.cells[*any].state = Table::State::kSuppressed;
      add.push_back(*any);
    }
    // A complement is attacked in later rounds only when it is itself a cell to protect.
    for (size_t j : add) pending[j] = check.complements;
    secondary->insert(secondary->end(), add.begin(), add.end());
  }
  return "no protected table was found";
}

}  // namespace detail

SuppressResult suppress_table(const Table& input, const SuppressRule& rule) {
  SuppressResult out;
  out.table = input;
  Table& t = out.table;
  if (!detail::fill_totals(t)) {
    out.error = "the table to protect must show every count (it has suppressed cells already)";
    return out;
  }
  if (out.error = detail::totals_mismatch(t); !out.ok()) return out;
  std::vector<char> pending(t.size(), 0);  // suppressed cells the next round must attack
  for (size_t i = 0; i < t.size(); ++i) {
    const double v = t.cells[i].value;
    if (v < static_cast<double>(rule.threshold) && (v > 0 || rule.zeros_suppressed)) {
      t.cells[i].state = Table::State::kSuppressed;
      out.primary.push_back(i);
      pending[i] = 1;
    }
  }
  detail::RoundCheck check{[&](detail::TableAttack& attack, size_t cell) {
                             return attack.protected_cell(cell, rule.protection);
                           },
                           true};
  out.error = detail::protect_rounds(t, pending, check,
                                     rule.singletons ? &rule.protection : nullptr, &out.secondary);
  if (!out.ok()) return out;
  // Rates and percentages go with their counts.
  const size_t nd = t.derived_columns.size();
  for (size_t i = 0; i < t.size() && nd > 0; ++i) {
    if (!hidden(t, i)) continue;
    for (size_t k = 0; k < nd; ++k) t.derived[i * nd + k].clear();
  }
  out.audit = audit_table(t, rule.protection);
  if (out.audit.unsafe > 0) out.error = "the final audit found a recoverable cell";
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
  for (const auto& d : t.dims) {
    for (const auto& c : d.columns) out += field(c) + delimiter;
  }
  out += field(!t.count_column.empty()        ? t.count_column
               : !format.count_column.empty() ? format.count_column
                                              : std::string("count"));
  for (const auto& c : t.derived_columns) out += delimiter + field(c);
  out += '\n';
  const std::string total = format.totals.empty() ? "Total" : format.totals[0];
  const std::string marker = format.suppressed.empty() ? "*" : format.suppressed[0];
  const size_t nd = t.derived_columns.size();
  for (size_t i = 0; i < t.size(); ++i) {
    const Table::Cell& c = t.cells[i];
    if (c.state == Table::State::kAbsent) continue;
    for (size_t d = 0; d < t.dims.size(); ++d) {
      for (const auto& v : t.values(i, d, total)) out += field(v) + delimiter;
    }
    const bool hide = c.state == Table::State::kSuppressed;
    out += hide ? field(marker) : fmt::format("{}", c.value);
    for (size_t k = 0; k < nd; ++k) out += delimiter + field(hide ? marker : t.derived[i * nd + k]);
    out += '\n';
  }
  return out;
}

}  // namespace steward
