// The attacker's LP over one table (internal to the table tools): the least and greatest value
// each unpublished cell can take given the published cells and every additivity relation.
#pragma once

#include <coin/ClpSimplex.hpp>
#include <functional>
#include <optional>
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

// Branch-and-bound nodes one audit of a table may spend in CBC, all rounds of a suppression
// together (about 0.7 ms a node on a 12x12x12 table). An 8x8x8 or a 10x10x10 table (280 hidden
// cells, 40 programs) stays within it; a 12x12x12 one would spend 42,000 on its first 307
// programs; past it, bounds are the LP's rounded (`rounded()`). Nodes, not seconds, so that a
// table gets the same verdict on every machine.
inline constexpr long kIntegerNodes = 5000;
// Nodes one integer program may take on a model of up to kCapColumns hidden cells. A node's LPs
// grow with the model, so on a larger one the cap shrinks in proportion (what is bounded is a
// program's work, not its node count): a 20x20x20 table's 1,482 hidden cells get 269 nodes, and
// its first program, which CBC does not prove, costs under a second instead of three to five.
inline constexpr long kNodesPerProgram = 1000;
inline constexpr long kCapColumns = 400;

// A large attack runs in two parts, each over its own model, side by side when the machine has
// a second core (CLP keeps no state shared between models; CBC runs one program at a time). How
// the work is split depends on the work only, never on the machine, so a table gets the same
// result everywhere; each part gets its share of the integer budget.
inline constexpr size_t kPartsFrom = 16;  // items of work below which one part does it all
size_t attack_parts(size_t work);
// The items [first, second) that part `p` of `parts` takes from `n`: contiguous, so that each
// LP starts from the optimum of a neighbour's.
std::pair<size_t, size_t> part_range(size_t n, size_t p, size_t parts);
// Part `p`'s share of an integer budget (the remainder goes to part 0).
long integer_share(long budget, size_t p, size_t parts);
// Calls f(p) for every part, part 0 on this thread and the others on their own when the machine
// has the cores; waits for all and rethrows the first exception.
void run_parts(size_t parts, const std::function<void(size_t)>& f);

// Variables are the cells not published (suppressed, or totals the file left out); published
// cells are constants moved to the right-hand side, so the LP is as small as what is hidden.
// Every solution found is a feasible table, so each hidden cell's values seen across solutions
// lie inside its interval: `protected_cell` uses them to skip LPs whose answer is already known.
//
// Counts (`whole_counts`) are whole numbers, and in 3-D and more the LP can stop at a fractional
// vertex: its bound is then not one any table reaches. Such a bound is re-solved as an integer
// program (COIN-OR CBC's branch and bound over the same rows), so the bound is reached by a
// whole-number table; only whole-number solutions count as seen values. When CBC does not prove
// a bound within its budget, that bound and every later fractional one of this table is the
// LP's, rounded inward, and counted in `rounded()`: it may be wider than the truth.
class TableAttack {
 public:
  explicit TableAttack(const Table& table, bool whole_counts = true);
  // The same over relations already listed (`Table::relations()` of this table's shape).
  TableAttack(const Table& table, const std::vector<Table::Relation>& relations,
              bool whole_counts = true);
  ~TableAttack();
  TableAttack(const TableAttack&) = delete;
  TableAttack& operator=(const TableAttack&) = delete;
  // False when the published cells contradict a relation: no interval exists.
  bool feasible() const { return feasible_; }
  // The exact interval of a hidden cell. An LP is skipped when a seen value meets a bound the
  // table states outright (zero; what a published total leaves for the cell).
  std::pair<double, double> bounds(size_t cell);
  // Whether a hidden cell is protected by `rule`, solving no more LPs than needed.
  bool protected_cell(size_t cell, const ProtectionRule& rule);
  // Whether a hidden cell's interval reaches down to `below` and up to `above`.
  bool reaches(size_t cell, double below, double above);
  // The attack of someone who knows a hidden cell's value (a singleton's one respondent): until
  // `forget`, the cell is fixed at `value`. Values seen meanwhile stay valid after.
  void know(size_t cell, double value);
  // LPs the solver could not finish; each bound it gave up on is the seen value instead.
  size_t failures() const { return failures_; }
  // Bounds CBC proved as integer programs (the LP's vertex was fractional).
  size_t integer_programs() const { return integer_programs_; }
  // Bounds left at the LP's fractional optimum (rounded inward by `bounds`): CBC gave up.
  size_t rounded() const { return rounded_; }
  // The nodes CBC may still spend on this table, or nullopt once CBC has failed to prove one
  // of its bounds (later bounds are the LP's: a next try would fail the same way). A
  // suppression's rounds pass what one attack left to the next, so a table costs at most
  // kIntegerNodes in all.
  std::optional<long> integer_left() const {
    return integer_ok_ ? std::optional<long>(integer_left_) : std::nullopt;
  }
  void set_integer_left(long nodes) { integer_left_ = nodes; }
  void forget(size_t cell);

 private:
  double solve(int var, bool maximize);
  // The integer optimum of the current objective, or NaN when CBC does not prove one.
  double solve_integer(int var, bool maximize);
  // Whether the LP's current solution is whole in every column.
  bool solution_whole() const;
  // Records the LP's current solution as seen values (when it is a table anyone could publish).
  void record();
  // Widens every column's seen interval to a solution's value.
  void see(const double* x);
  std::vector<int> var_;  // per cell: its LP column, or -1 when published
  std::vector<double> seen_lo_, seen_hi_;
  std::vector<double> saved_lo_, saved_hi_;  // the seen values from before `know`
  std::vector<double> slack_;                // per variable: the least a published total leaves
  ClpSimplex model_;
  bool whole_ = true;
  // False once CBC has failed to prove a bound of this table. Not the same as a spent budget:
  // until a bound is actually rounded, fractional solutions must not count as seen values.
  bool integer_ok_ = true;
  long integer_left_ = kIntegerNodes;
  bool feasible_ = true;
  size_t failures_ = 0;
  size_t integer_programs_ = 0;
  size_t rounded_ = 0;
};

// What the rounds of secondary suppression ask of a suppressed cell: whether it is protected in
// the current attack, and whether a complement is itself a cell to protect (counts: yes, every
// suppressed count is held to the rule; magnitudes: no, only sensitive cells have a level).
struct RoundCheck {
  std::function<bool(TableAttack&, size_t)> safe;
  bool complements = true;
  bool whole_counts = true;  // the attack's values are counts (TableAttack's `whole_counts`)
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
