// The attacker's LP over one table (internal to the table tools): the least and greatest value
// each unpublished cell can take given the published cells and every additivity relation.
#pragma once

#include <coin/ClpSimplex.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "steward/table.h"

namespace steward::detail {

// Every relation of a table and, per cell, the ones it takes part in, in the order
// `Table::relations_of` gives them. Relations depend on the dimensions only, so one index serves
// every round of a suppression.
struct RelationIndex {
  explicit RelationIndex(const Table& t);
  std::vector<Table::Relation> all;
  std::vector<std::vector<uint32_t>> of;  // per cell: indexes into `all`
};

// Variables are the cells not published (suppressed, or totals the file left out); published
// cells are constants moved to the right-hand side, so the LP is as small as what is hidden.
// Every solution found is a feasible table, so each hidden cell's values seen across solutions
// lie inside its interval: `protected_cell` uses them to skip LPs whose answer is already known.
class TableAttack {
 public:
  explicit TableAttack(const Table& table);
  // The same over relations already listed (`Table::relations()` of this table's shape).
  TableAttack(const Table& table, const std::vector<Table::Relation>& relations);
  // False when the published cells contradict a relation: no interval exists.
  bool feasible() const { return feasible_; }
  // The exact interval of a hidden cell. An LP is skipped when a seen value meets a bound the
  // table states outright (zero; what a published total leaves for the cell).
  // `whole_counts`: rounded inward to whole numbers, as an attacker reads a count's interval.
  std::pair<double, double> bounds(size_t cell, bool whole_counts);
  // Whether a hidden count is protected by `rule` (judged on its whole-number interval),
  // solving no more LPs than needed.
  bool protected_cell(size_t cell, const ProtectionRule& rule);
  // Whether a hidden cell's interval reaches down to `below` and up to `above`.
  bool reaches(size_t cell, double below, double above);
  // The attack of someone who knows a hidden cell's value (a singleton's one respondent): until
  // `forget`, the cell is fixed at `value`. Values seen meanwhile stay valid after.
  void know(size_t cell, double value);
  // LPs the solver could not finish; each bound it gave up on is the seen value instead.
  size_t failures() const { return failures_; }
  void forget(size_t cell);

 private:
  double solve(int var, bool maximize);
  void record();
  std::vector<int> var_;  // per cell: its LP column, or -1 when published
  std::vector<double> seen_lo_, seen_hi_;
  std::vector<double> saved_lo_, saved_hi_;  // the seen values from before `know`
  std::vector<double> slack_;                // per variable: the least a published total leaves
  ClpSimplex model_;
  bool feasible_ = true;
  size_t failures_ = 0;
};

// What the rounds of secondary suppression ask of a suppressed cell: whether it is protected in
// the current attack, and whether a complement is itself a cell to protect (counts: yes, every
// suppressed count is held to the rule; magnitudes: no, only sensitive cells have a level).
struct RoundCheck {
  std::function<bool(TableAttack&, size_t)> safe;
  bool complements = true;
  bool operator()(TableAttack& a, size_t cell) const { return safe(a, cell); }
};

// Adds complements to `t` in rounds until every `pending` cell passes `check` (and, with
// `singletons`, every cell on a suppressed 1's relations is protected against its respondent).
// Returns "" or why no protected table was found.
std::string protect_rounds(Table& t, std::vector<char> pending, const RoundCheck& check,
                           const ProtectionRule* singletons, std::vector<size_t>* secondary);

// Fills the totals a table left out, lowest first; false when a member is not published.
bool fill_totals(Table& t);

// "" when every total of a fully published table is the sum of its members; otherwise why
// not, naming the first total that is not.
std::string totals_mismatch(const Table& t);

// Whether an interval [lo, hi] protects a cell under `rule`.
bool interval_safe(double lo, double hi, const ProtectionRule& rule);

}  // namespace steward::detail
