// Tables of counts for disclosure control: reading a published table (dimensions, totals,
// suppressed cells), and the attacker's audit of it (for each suppressed cell, the least and
// greatest value it can take given every published cell and every additivity constraint).
#pragma once

#include <cstdint>
#include <istream>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "steward/document.h"
#include "steward/program.h"

namespace steward {

// A table of counts with one or more dimensions. A dimension is one column of the file, or a
// hierarchy of columns (region > office): its positions are the categories and subtotals in
// first-seen order, then the total last; each subtotal and the total is the sum of its children.
// A cell is addressed by one position per dimension; cells are stored row-major over every
// position, subtotals and totals included.
struct Table {
  enum class State : uint8_t {
    kPublished,   // the value is shown
    kSuppressed,  // shown as a suppression marker
    kAbsent,      // not in the file: a total the publisher did not give (free in the audit)
  };
  struct Cell {
    State state = State::kAbsent;
    double value = 0;   // when published
    uint64_t line = 0;  // the file line it came from (0: absent)
  };
  struct Dimension {
    std::vector<std::string> columns;  // one, or a hierarchy's columns, top level first
    std::vector<std::string> labels;   // each position's own category; the total's marker last
    std::vector<int32_t> parent;       // the position this one adds into; -1 for the total
    std::vector<std::vector<uint32_t>> children;  // empty for a category
    std::vector<uint8_t> depth;                   // 0 for the total, 1 for the top level, ...
    size_t size() const { return labels.size(); }
    bool leaf(uint32_t k) const { return children[k].empty(); }
  };
  // One additivity relation: the cell `total` is the sum of `members`, along dimension `dim`.
  struct Relation {
    size_t total = 0;
    uint32_t dim = 0;
    std::vector<size_t> members;
  };
  std::vector<Dimension> dims;
  std::vector<Cell> cells;
  // The column the counts (or a magnitude table's values) were read from, which a written table
  // keeps: "" for a table built in code, written `count`.
  std::string count_column;
  // Columns whose values derive from the count (rates, percentages): shown only beside a
  // published count. `derived[i * derived_columns.size() + k]` is cell i's value in column k.
  std::vector<std::string> derived_columns;
  std::vector<std::string> derived;

  size_t size() const { return cells.size(); }
  // The flat index of a position (one index per dimension), and back.
  size_t flat(const std::vector<uint32_t>& at) const;
  std::vector<uint32_t> position(size_t flat) const;
  // True when the cell is a category in every dimension (no subtotal or total).
  bool interior(size_t flat) const;
  // Every relation of the table, and the ones a cell takes part in (as total or as member).
  std::vector<Relation> relations() const;
  std::vector<Relation> relations_of(size_t flat) const;
  // The cell's value in each column of dimension `d`, a total written `total`.
  std::vector<std::string> values(size_t flat, size_t d, const std::string& total) const;
  // `region=A, office=Total, gender=female` for messages and reports.
  std::string describe(size_t flat) const;
};

// How a table file is written: which column holds the counts, the markers for a suppressed
// value and for a total category, which columns form a hierarchy, and which derive from the
// count.
struct TableFormat {
  std::string count_column;  // "" = the last column
  std::vector<std::string> suppressed = {"*", "s", "x", "(s)", "<10", "c"};
  std::vector<std::string> totals = {"Total", "total", "TOTAL", "All", "all"};
  // Each a list of columns, top level first (region, office): used when the file has them all.
  std::vector<std::vector<std::string>> hierarchies;
  // Columns derived from the count (rate, percent): not dimensions; used when present.
  std::vector<std::string> derived;
  char delimiter = 0;  // 0: sniffed from the header
};

struct TableResult {
  Table table;
  std::vector<InputError> errors;  // `table.*`, `datafile.*`: a table with errors is not audited
  bool ok() const { return errors.empty(); }
};

// Reads a table in long form: one row per cell, a column per dimension (a hierarchy's columns
// written top level first: `A,Total` is region A's subtotal; `Total,X` is an error) and the
// count column. Every combination of categories must be present (a missing interior cell is an
// error); a subtotal or total is read when present and otherwise absent. A count is a whole
// number >= 0, or a suppression marker. At most 1,000,000 rows and cells, totals included
// (`table.limit`).
TableResult read_table(std::istream& in, const std::string& file, const TableFormat& format = {});

// When a suppressed cell counts as protected: its feasibility interval [lo, hi] is at least
// `min_width` wide and does not lie inside [1, inside_below - 1] (a value that could only be a
// small non-zero count is disclosed as one).
struct ProtectionRule {
  double min_width = 10;
  double inside_below = 10;
};

struct CellInterval {
  size_t cell = 0;  // flat index
  double lo = 0;
  double hi = std::numeric_limits<double>::infinity();
  bool safe = true;
};

struct DerivedShown {
  size_t cell = 0;    // a suppressed cell
  size_t column = 0;  // index into Table::derived_columns
};

struct AuditResult {
  std::vector<CellInterval> cells;  // one per suppressed cell, in flat order
  size_t unsafe = 0;
  // A rate or percentage shown beside a suppressed count gives the count away (with its base).
  std::vector<DerivedShown> derived_shown;
  bool infeasible = false;  // the published values contradict the totals: no interval exists
  // Bounds the solver could not finish: each is then the value its solutions reached (an
  // interval known to be reachable, so never wider than the truth), not the exact optimum.
  size_t inexact = 0;
  // Bounds of counts where the LP stopped at a fractional vertex and an integer program gave
  // the whole-number bound (3-D tables and more; never in 2-D).
  size_t integer_programs = 0;
  // Bounds of counts left at the LP's fractional optimum rounded inward, because the integer
  // program was not proved within its budget (large 3-D tables): such an interval can be wider
  // than any whole-number table reaches, so a cell judged safe on it may not be.
  size_t rounded = 0;
};

// The attacker's audit of a table: for each suppressed cell, min and max of its value
// subject to the published cells, every additivity relation (each subtotal and total is the sum
// of its children, in every dimension, at every position of the others), and non-negativity.
// Solved with COIN-OR CLP over the suppressed and absent cells only (published ones are
// constants); for counts, a bound at a fractional vertex with COIN-OR CBC as an integer program.
// Also lists derived values shown beside suppressed counts. `whole_counts`: the values are counts,
// so each interval is what an attacker reads knowing that, [ceil(lo), floor(hi)] (in 3-D and more
// the LP's bounds can be fractional); false for a magnitude table.
AuditResult audit_table(const Table& table, const ProtectionRule& rule, bool whole_counts = true);

// What `suppress` protects: a count below `threshold` (zero only with `zeros_suppressed`) is a
// primary suppression; then cells are added until the audit finds every one protected.
struct SuppressRule {
  int64_t threshold = 10;
  bool zeros_suppressed = false;
  // A count of 1 is one person, who knows it: with `singletons`, each suppressed cell of 1 is
  // also attacked by that person (the cell's value known), and every other suppressed cell on
  // its relations must stay protected against them.
  bool singletons = true;
  ProtectionRule protection;
};

struct SuppressResult {
  Table table;                  // the published table: totals filled in, cells suppressed
  std::vector<size_t> primary;  // flat indices, in order
  std::vector<size_t> secondary;
  AuditResult audit;  // of the published table
  std::string error;  // "" on success; otherwise why no safe table was found
  bool ok() const { return error.empty(); }
};

// Protects a table of counts (every cell published; totals given or left out, then computed).
// Derived values (rates) of every suppressed cell are suppressed with it.
// Secondary cells are chosen greedily, in rounds: for each cell the audit finds unprotected, a
// published non-zero count that shares a total with it, preferring one on a line that gives
// the cell away, then one that closes a rectangle with cells already suppressed, then the
// smallest (an interior cell before a total), until the audit passes. Zeros are never complements
// (their value is known to be 0). Not optimal: it loses little on tables with few small cells, and
// every table it returns passes the audit.
SuppressResult suppress_table(const Table& table, const SuppressRule& rule);

// A magnitude table (payments per provider) is built from its contributions: one row per
// contribution, a column per dimension (categories only: totals are computed), the value column
// and, optionally, the contributor's column (contributions of one contributor to a cell add up;
// without it each row is its own contributor).
struct ContributionFormat {
  TableFormat table;               // dimensions, hierarchies, delimiter
  std::string value_column;        // "" = the last column
  std::string contributor_column;  // "" = each row is one contributor
};

// Per cell of a magnitude table: how many contribute, and the largest contributions.
struct Contributors {
  uint64_t count = 0;
  double top[4] = {0, 0, 0, 0};  // largest first
};

struct ContributionsResult {
  TableResult table;                       // values are the sums; every cell published
  std::vector<Contributors> contributors;  // one per cell of table.table
  bool ok() const { return table.ok(); }
};

// Reads contributions into a magnitude table with located errors (`table.*`; a value is a
// decimal number >= 0). At most 1,000,000 rows.
ContributionsResult read_contributions(std::istream& in, const std::string& file,
                                       const ContributionFormat& format);

// When a cell of a magnitude table is sensitive, and how far an attacker's interval must reach
// around its value T (tau-Argus's protection levels), the largest that applies:
// - fewer than `min_contributors` (but at least one): `protection_percent` of T each way;
// - the p% rule (`p_percent` > 0), T - x1 - x2 < p/100 * x1: p/100 * x1 - (T - x1 - x2);
// - the (n,k) dominance rule (`dominance_n` > 0), x1 + ... + xn > k/100 * T:
//   100/k * (x1 + ... + xn) - T.
// A cell is protected when its interval reaches at least T - level below and T + level above
// (below, never past 0).
struct MagnitudeRule {
  uint64_t min_contributors = 3;
  double protection_percent = 10;
  double p_percent = 0;
  int dominance_n = 0;  // at most 4
  double dominance_k = 0;
};

// The protection level a cell needs (0: not sensitive).
double magnitude_level(const Contributors& c, double total, const MagnitudeRule& rule);

// Protects a magnitude table: its sensitive cells are primary; complements as suppress_table
// chooses them (the smallest values first), until every sensitive cell's interval reaches its
// level. `audit` lists every suppressed cell's interval, `safe` against the cell's own level
// (a complement, not sensitive, is always safe).
SuppressResult suppress_magnitude(const Table& table, const std::vector<Contributors>& contributors,
                                  const MagnitudeRule& rule);

// A table in long form, as read_table reads it: suppressed counts (and their derived values) as
// the first suppression marker, totals with the first total marker, absent cells left out; the
// counts under the column they were read from.
std::string write_table(const Table& table, const TableFormat& format, char delimiter = ',');

// The labels that name cell `cell`: each dimension's columns with their values, in order
// (`region` = `A`, `gender` = `male`).
std::vector<std::pair<std::string, std::string>> cell_labels(const Table& table, size_t cell);

// How a pack's table plan reads a table (its columns and markers), and the rule `steward
// suppress` protects a table of counts by.
TableFormat table_format_of(const TablePlan& plan);
SuppressRule suppress_rule_of(const TablePlan& plan);

// The report `steward suppress --report` writes: the policy, the file, the threshold, the
// primary and secondary suppressions (each cell by its labels) and the audit interval of each
// suppressed cell (`levels`, when given, adds each cell's magnitude protection level).
std::string suppress_report_json(const CompiledPack& pack, const std::string& file,
                                 const SuppressResult& result,
                                 const std::vector<double>* levels = nullptr, int indent = 2);

// The LP of one bound of one cell in CPLEX LP format, for an independent re-check (glpsol);
// `integer`: every cell a whole number (the integer program a count's bound is).
std::string table_lp(const Table& table, size_t cell, bool maximize, bool integer = false);

}  // namespace steward
