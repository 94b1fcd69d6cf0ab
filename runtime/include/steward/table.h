// Tables of counts for disclosure control: reading a published table (dimensions, totals,
// suppressed cells), and the attacker's audit of it (for each suppressed cell, the least and
// greatest value it can take given every published cell and every additivity constraint).
#pragma once

#include <cstdint>
#include <istream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "steward/document.h"

namespace steward {

// A table of counts with one or more dimensions. Each dimension has its categories and then
// one total position, so a cell is addressed by one index per dimension, the total at
// `labels[d].size() - 1`. Cells are stored row-major over every position, totals included.
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
  std::vector<std::string> dims;                 // the dimension columns' names
  std::vector<std::vector<std::string>> labels;  // per dimension: categories, then the total
  std::vector<Cell> cells;

  size_t size() const { return cells.size(); }
  // The flat index of a position (one index per dimension), and back.
  size_t flat(const std::vector<uint32_t>& at) const;
  std::vector<uint32_t> position(size_t flat) const;
  // `region=A, gender=total` for messages and reports.
  std::string describe(size_t flat) const;
};

// How a table file is written: which column holds the counts, and the markers for a
// suppressed value and for a total category.
struct TableFormat {
  std::string count_column;  // "" = the last column
  std::vector<std::string> suppressed = {"*", "s", "x", "(s)", "<10", "c"};
  std::vector<std::string> totals = {"Total", "total", "TOTAL", "All", "all"};
  char delimiter = 0;  // 0: sniffed from the header
};

struct TableResult {
  Table table;
  std::vector<InputError> errors;  // `table.*`, `datafile.*`: a table with errors is not audited
  bool ok() const { return errors.empty(); }
};

// Reads a table in long form: one row per cell, a column per dimension and the count column.
// Every combination of categories must be present (a missing interior cell is an error); a
// total is read when present and otherwise absent. A count is a whole number >= 0, or a
// suppression marker. At most 1,000,000 rows and cells, totals included (`table.limit`).
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

struct AuditResult {
  std::vector<CellInterval> cells;  // one per suppressed cell, in flat order
  size_t unsafe = 0;
  bool infeasible = false;  // the published values contradict the totals: no interval exists
};

// The attacker's LP audit of a table: for each suppressed cell, min and max of its value
// subject to the published cells, every additivity constraint (each total is the sum of its
// categories, in every dimension, at every level of the others), and non-negativity. Solved
// with COIN-OR CLP.
AuditResult audit_table(const Table& table, const ProtectionRule& rule);

// What `suppress` protects: a count below `threshold` (zero only with `zeros_suppressed`) is a
// primary suppression; then cells are added until the audit finds every one protected.
struct SuppressRule {
  int64_t threshold = 10;
  bool zeros_suppressed = false;
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
// Secondary cells are chosen greedily, in rounds: for each cell the audit finds unprotected, a
// published non-zero count that shares a total with it, preferring one on a line that gives
// the cell away, then one that closes a rectangle with cells already suppressed, then the
// smallest (an interior cell before a total), until the audit passes. Zeros are never complements
// (their value is known to be 0). Not optimal: it loses little on tables with few small cells, and
// every table it returns passes the audit.
SuppressResult suppress_table(const Table& table, const SuppressRule& rule);

// A table in long form, as read_table reads it: suppressed counts as the first suppression
// marker, totals with the first total marker, absent cells left out.
std::string write_table(const Table& table, const TableFormat& format, char delimiter = ',');

// The LP of one bound of one cell in CPLEX LP format, for an independent re-check (glpsol).
std::string table_lp(const Table& table, size_t cell, bool maximize);

}  // namespace steward
