// The attacker's audit of a suppressed table: two LPs per suppressed cell over one model of the
// hidden cells, each warm-started from the last basis, solved with COIN-OR CLP (EPL-2.0; glpsol
// re-checks the exported LPs in the tests, an independent solver); a count's bound at a
// fractional vertex is re-solved as an integer program with COIN-OR CBC. A large audit runs in two
// parts (table_attack.h), side by side on two cores.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <coin/CbcModel.hpp>
#include <coin/CoinPackedMatrix.hpp>
#include <coin/OsiClpSolverInterface.hpp>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>

#include "steward/table.h"
#include "table_attack.h"

namespace steward {

namespace detail {

namespace {

constexpr double kEps = 1e-6;

// An LP optimum is a vertex of a totally unimodular system in 2-D: whole numbers up to
// rounding noise.
double tidy(double v) {
  double r = std::round(v);
  return std::fabs(v - r) < kEps ? r : v;
}

// Counts are whole, so an attacker who finds a hidden count in the LP's [lo, hi] knows it is in
// [ceil(lo), floor(hi)]. In 2-D the LP's bounds are whole already; in 3-D and more a vertex can
// be fractional (tests/data/tables/three-d-fractional.csv: [5, 9.5] for a count of 6), and the
// fractional interval looked wider than what anyone can read, and outside 1..9 when it was not.
std::pair<double, double> whole(double lo, double hi) {
  // `+ 0.0` turns the -0 that ceil(-1e-6) gives into 0, which reports print as `0`.
  return {std::ceil(lo - kEps) + 0.0, std::isinf(hi) ? hi : std::floor(hi + kEps) + 0.0};
}

// CBC has been reported not to be thread-safe across models (coin-or/Cbc issue 223); its
// programs are few (a node budget per table), so they take turns.
std::mutex cbc_turn;

}  // namespace

size_t attack_parts(size_t work) { return work < kPartsFrom ? 1 : 2; }

std::pair<size_t, size_t> part_range(size_t n, size_t p, size_t parts) {
  return {n * p / parts, n * (p + 1) / parts};
}

long integer_share(long budget, size_t p, size_t parts) {
  const long n = static_cast<long>(parts);
  return budget / n + (p == 0 ? budget % n : 0);
}

void run_parts(size_t parts, const std::function<void(size_t)>& f) {
  std::exception_ptr error;
  auto guarded = [&](size_t p) {
    try {
      f(p);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::future<void>> others;
  size_t launched = 1;
  if (std::thread::hardware_concurrency() >= 2) {
    for (; launched < parts; ++launched) {
      try {
        others.push_back(std::async(std::launch::async, [&f, launched] { f(launched); }));
      } catch (const std::system_error&) {
        break;  // no thread to be had: the rest run here
      }
    }
  }
  guarded(0);
  for (size_t p = launched; p < parts; ++p) guarded(p);
  for (auto& o : others) {
    try {
      o.get();
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

bool interval_safe(double lo, double hi, const ProtectionRule& rule) {
  const bool narrow = hi - lo < rule.min_width - kEps;
  const bool small = lo >= 1 - kEps && hi <= rule.inside_below - 1 + kEps;
  return !narrow && !small;
}

RelationIndex::RelationIndex(const Table& t) : all(t.relations()), of(t.size()) {
  const size_t nd = t.dims.size();
  std::vector<uint32_t> at(t.size() * nd, 0);  // (total cell, dimension) -> its relation
  for (size_t r = 0; r < all.size(); ++r)
    at[all[r].total * nd + all[r].dim] = static_cast<uint32_t>(r);
  for (size_t i = 0; i < t.size(); ++i) {
    const std::vector<uint32_t> p = t.position(i);
    for (size_t d = 0; d < nd; ++d) {
      const Table::Dimension& dim = t.dims[d];
      if (!dim.leaf(p[d])) of[i].push_back(at[i * nd + d]);
      if (dim.parent[p[d]] >= 0) {
        std::vector<uint32_t> q = p;
        q[d] = static_cast<uint32_t>(dim.parent[p[d]]);
        of[i].push_back(at[t.flat(q) * nd + d]);
      }
    }
  }
}

TableAttack::TableAttack(const Table& t, bool whole_counts)
    : TableAttack(t, t.relations(), whole_counts) {}

TableAttack::~TableAttack() = default;

TableAttack::TableAttack(const Table& t, const std::vector<Table::Relation>& relations,
                         bool whole_counts)
    : var_(t.size(), -1), whole_(whole_counts) {
  int n = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.cells[i].state != Table::State::kPublished) var_[i] = n++;
  }
  std::vector<int> ri, ci;
  std::vector<double> el, rhs;
  std::vector<std::pair<int, double>> slack;  // (variable, -(total - published members))
  for (const Table::Relation& r : relations) {
    // sum(members) - total = 0, published cells moved to the right-hand side.
    double constant = 0;
    bool any = false;
    auto term = [&](size_t cell, double coef) {
      if (var_[cell] < 0) {
        constant += coef * t.cells[cell].value;
        return;
      }
      ri.push_back(static_cast<int>(rhs.size()));
      ci.push_back(var_[cell]);
      el.push_back(coef);
      any = true;
    };
    for (size_t m : r.members) term(m, 1.0);
    term(r.total, -1.0);
    // A hidden member is at most what its published total leaves after the published members.
    if (var_[r.total] < 0) {
      for (size_t m : r.members) {
        if (var_[m] >= 0) slack.emplace_back(var_[m], constant);
      }
    }
    if (any) {
      rhs.push_back(-constant);
    } else if (std::fabs(constant) > kEps) {
      feasible_ = false;  // a relation of published cells that does not add up
    }
  }
  slack_.assign(n, std::numeric_limits<double>::infinity());
  for (const auto& [v, c] : slack) slack_[v] = std::min(slack_[v], -c);
  seen_lo_.assign(n, std::numeric_limits<double>::infinity());
  seen_hi_.assign(n, -std::numeric_limits<double>::infinity());
  if (!feasible_ || n == 0) return;
  const int m = static_cast<int>(rhs.size());
  CoinPackedMatrix matrix(false, ri.data(), ci.data(), el.data(),
                          static_cast<CoinBigIndex>(el.size()));
  matrix.setDimensions(m, n);
  std::vector<double> collb(n, 0), colub(n, COIN_DBL_MAX), obj(n, 0);
  model_.setLogLevel(0);
  model_.loadProblem(matrix, collb.data(), colub.data(), obj.data(), rhs.data(), rhs.data());
  model_.dual();
  feasible_ = model_.isProvenOptimal();
  if (feasible_) record();
}

bool TableAttack::solution_whole() const {
  const double* x = model_.primalColumnSolution();
  for (size_t j = 0; j < seen_lo_.size(); ++j)
    if (std::fabs(x[j] - std::round(x[j])) > kEps) return false;
  return true;
}

void TableAttack::record() {
  // A fractional solution is no table anyone could publish: its values say nothing about a
  // count's interval (unless CBC has given up on this table: its bounds are the LP's then).
  if (whole_ && integer_ok_ && !solution_whole()) return;
  see(model_.primalColumnSolution());
}

void TableAttack::see(const double* x) {
  for (size_t j = 0; j < seen_lo_.size(); ++j) {
    seen_lo_[j] = std::min(seen_lo_[j], x[j]);
    seen_hi_[j] = std::max(seen_hi_[j], x[j]);
  }
}

double TableAttack::solve(int var, bool maximize) {
  model_.setObjectiveCoefficient(var, 1.0);
  model_.setOptimizationDirection(maximize ? -1 : 1);
  model_.primal(0, 1 | 2);
  double v;
  if (model_.isProvenOptimal() && whole_ && !solution_whole()) {
    // A fractional vertex: the integer program's optimum when CBC proves it in its budget;
    // otherwise the LP's bound, rounded inward by `bounds` and counted as such (a large 3-D
    // table: CBC gets no further on it, so it is not asked again for this table).
    v = integer_ok_ && integer_left_ > 0 ? solve_integer(var, maximize)
                                         : std::numeric_limits<double>::quiet_NaN();
    if (std::isnan(v)) {
      integer_ok_ = false;
      v = tidy(model_.objectiveValue());
      ++rounded_;
      record();
    }
  } else if (model_.isProvenOptimal()) {
    v = tidy(model_.objectiveValue());
    record();
  } else if (maximize && model_.isProvenDualInfeasible()) {
    v = std::numeric_limits<double>::infinity();  // nothing bounds the cell from above
  } else {
    // The solver gave up (numerical trouble): claim only what solutions already showed, the
    // narrowest interval the cell is known to reach, so a failure never reads as protection.
    v = maximize ? seen_hi_[var] : seen_lo_[var];
    ++failures_;
  }
  model_.setObjectiveCoefficient(var, 0.0);
  return v;
}

double TableAttack::solve_integer(int var, bool maximize) {
  // A copy of the current model (its rows, the bounds `know` set, the objective on `var`), every
  // column integer. Plain branch and bound: the tables' rows are sums, and the LP bound is
  // usually one step from a whole one.
  const std::lock_guard<std::mutex> turn(cbc_turn);
  OsiClpSolverInterface si;
  si.messageHandler()->setLogLevel(0);
  si.loadProblem(*model_.matrix(), model_.columnLower(), model_.columnUpper(), model_.objective(),
                 model_.rowLower(), model_.rowUpper());
  si.setObjSense(maximize ? -1 : 1);
  for (int j = 0; j < si.getNumCols(); ++j) si.setInteger(j);
  CbcModel cbc(si);
  cbc.setLogLevel(0);
  cbc.messageHandler()->setLogLevel(0);
  cbc.solver()->messageHandler()->setLogLevel(0);
  // Exact integer bounds are NP-hard in 3-D: a 20x20x20 table's first bound is not proved
  // (no whole solution even found) in 20 s, while a small table's take milliseconds.
  const long cols = static_cast<long>(seen_lo_.size());
  const long cap = cols <= kCapColumns ? kNodesPerProgram : kNodesPerProgram * kCapColumns / cols;
  cbc.setMaximumNodes(static_cast<int>(std::min(integer_left_, std::max(1L, cap))));
  // Strong branching solves several LPs a node: 3-4x the time for fewer nodes on these tables.
  cbc.setNumberStrong(0);
  cbc.setNumberBeforeTrust(0);
  // A guard for nodes that take long (the counts keep the verdict machine-independent; CBC
  // counts the process's CPU time, the other part's included, which the node cap keeps far off).
  cbc.setMaximumSeconds(5);
  cbc.branchAndBound();
  integer_left_ -= std::max(1, cbc.getNodeCount());
  if (!cbc.isProvenOptimal() || cbc.bestSolution() == nullptr)
    return std::numeric_limits<double>::quiet_NaN();
  ++integer_programs_;
  // The optimum is a whole-number table: its values are seen values like any other.
  std::vector<double> x(cbc.bestSolution(), cbc.bestSolution() + seen_lo_.size());
  for (double& v : x) v = std::round(v);
  see(x.data());
  return x[var];
}

std::pair<double, double> TableAttack::bounds(size_t cell) {
  const int var = var_[cell];
  const double lo = seen_lo_[var] < kEps ? 0 : solve(var, false);
  const double hi = seen_hi_[var] > slack_[var] - kEps ? tidy(slack_[var]) : solve(var, true);
  return whole_ ? whole(lo, hi) : std::make_pair(lo, hi);
}

bool TableAttack::reaches(size_t cell, double below, double above) {
  const int var = var_[cell];
  if (seen_lo_[var] > below + kEps && solve(var, false) > below + kEps) return false;
  return seen_hi_[var] >= above - kEps || solve(var, true) >= above - kEps;
}

void TableAttack::know(size_t cell, double value) {
  saved_lo_ = seen_lo_;
  saved_hi_ = seen_hi_;
  std::fill(seen_lo_.begin(), seen_lo_.end(), std::numeric_limits<double>::infinity());
  std::fill(seen_hi_.begin(), seen_hi_.end(), -std::numeric_limits<double>::infinity());
  model_.setColumnBounds(var_[cell], value, value);
}

void TableAttack::forget(size_t cell) {
  model_.setColumnBounds(var_[cell], 0, COIN_DBL_MAX);
  // A table the insider finds possible is possible for everyone.
  for (size_t j = 0; j < seen_lo_.size(); ++j) {
    seen_lo_[j] = std::min(seen_lo_[j], saved_lo_[j]);
    seen_hi_[j] = std::max(seen_hi_[j], saved_hi_[j]);
  }
}

bool TableAttack::protected_cell(size_t cell, const ProtectionRule& rule) {
  const int var = var_[cell];
  // Seen values are feasible ones: the whole-count interval holding them lies inside the
  // cell's, and a wider interval is as safe (interval_safe only grows with the interval).
  auto seen_safe = [&] {
    const auto [lo, hi] = whole(seen_lo_[var], seen_hi_[var]);
    return lo <= hi && interval_safe(lo, hi, rule);
  };
  if (seen_safe()) return true;
  const double lo = solve(var, false);
  if (seen_safe()) return true;
  const auto [wlo, whi] = whole(lo, solve(var, true));
  return interval_safe(wlo, whi, rule);
}

}  // namespace detail

AuditResult audit_table(const Table& t, const ProtectionRule& rule, bool whole_counts) {
  AuditResult out;
  std::vector<size_t> hidden;
  for (size_t i = 0; i < t.size(); ++i)
    if (t.cells[i].state == Table::State::kSuppressed) hidden.push_back(i);
  struct Part {
    bool feasible = true;
    std::vector<std::pair<double, double>> bounds;
    size_t failures = 0, rounded = 0, integer_programs = 0;
  };
  const size_t parts = detail::attack_parts(hidden.size());
  std::vector<Part> part(parts);
  detail::run_parts(parts, [&](size_t p) {
    detail::TableAttack attack(t, whole_counts);
    attack.set_integer_left(detail::integer_share(detail::kIntegerNodes, p, parts));
    if (!attack.feasible()) {
      part[p].feasible = false;
      return;
    }
    const auto [first, end] = detail::part_range(hidden.size(), p, parts);
    for (size_t k = first; k < end; ++k) part[p].bounds.push_back(attack.bounds(hidden[k]));
    part[p].failures = attack.failures();
    part[p].rounded = attack.rounded();
    part[p].integer_programs = attack.integer_programs();
  });
  for (const Part& p : part) {
    if (!p.feasible) {
      out.infeasible = true;
      return out;
    }
    out.inexact += p.failures;
    out.rounded += p.rounded;
    out.integer_programs += p.integer_programs;
  }
  const size_t nd = t.derived_columns.size();
  size_t k = 0;
  for (const Part& p : part) {
    for (const auto& [lo, hi] : p.bounds) {
      const size_t i = hidden[k++];
      CellInterval c;
      c.cell = i;
      c.lo = lo;
      c.hi = hi;
      c.safe = detail::interval_safe(c.lo, c.hi, rule);
      out.unsafe += c.safe ? 0 : 1;
      out.cells.push_back(c);
      for (size_t d = 0; d < nd; ++d) {
        if (!t.derived[i * nd + d].empty()) out.derived_shown.push_back({i, d});
      }
    }
  }
  return out;
}

std::string table_lp(const Table& t, size_t cell, bool maximize, bool integer) {
  std::string s =
      fmt::format("\\ {} of {}\n{}\n obj: x{}\nSubject To\n", maximize ? "maximum" : "minimum",
                  t.describe(cell), maximize ? "Maximize" : "Minimize", cell);
  const auto rows = t.relations();
  for (size_t r = 0; r < rows.size(); ++r) {
    s += fmt::format(" c{}:", r);
    for (size_t m : rows[r].members) s += fmt::format(" + x{}", m);
    s += fmt::format(" - x{} = 0\n", rows[r].total);
  }
  s += "Bounds\n";
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.cells[i].state == Table::State::kPublished)
      s += fmt::format(" x{} = {}\n", i, t.cells[i].value);
    else
      s += fmt::format(" x{} >= 0\n", i);
  }
  if (integer) {
    s += "General\n";
    for (size_t i = 0; i < t.size(); ++i)
      if (t.cells[i].state != Table::State::kPublished) s += fmt::format(" x{}\n", i);
  }
  return s + "End\n";
}

}  // namespace steward
