// The attacker's audit of a suppressed table: two LPs per suppressed cell over one model, each
// warm-started from the last basis, solved with COIN-OR CLP (EPL-2.0; glpsol re-checks the
// exported LPs in the tests, an independent solver).
#include <fmt/format.h>

#include <cmath>
#include <coin/ClpSimplex.hpp>
#include <coin/CoinPackedMatrix.hpp>

#include "steward/table.h"

namespace steward {

namespace {

constexpr double kEps = 1e-6;

// Each total is the sum of its categories, in every dimension at every position of the others:
// rows of (variable, coefficient) pairs.
std::vector<std::vector<std::pair<int, double>>> additivity(const Table& t) {
  std::vector<std::vector<std::pair<int, double>>> rows;
  for (size_t i = 0; i < t.size(); ++i) {
    std::vector<uint32_t> p = t.position(i);
    for (size_t d = 0; d < p.size(); ++d) {
      const uint32_t total = static_cast<uint32_t>(t.labels[d].size() - 1);
      if (p[d] != total) continue;
      std::vector<std::pair<int, double>> row;
      for (uint32_t k = 0; k < total; ++k) {
        std::vector<uint32_t> q = p;
        q[d] = k;
        row.emplace_back(static_cast<int>(t.flat(q)), 1.0);
      }
      row.emplace_back(static_cast<int>(i), -1.0);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// An LP optimum is a vertex of a totally unimodular system in 2-D: whole numbers up to
// rounding noise.
double tidy(double v) {
  double r = std::round(v);
  return std::fabs(v - r) < kEps ? r : v;
}

}  // namespace

AuditResult audit_table(const Table& t, const ProtectionRule& rule) {
  AuditResult out;
  const auto rows = additivity(t);
  std::vector<int> ri, ci;
  std::vector<double> el;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (const auto& [col, coef] : rows[r]) {
      ri.push_back(static_cast<int>(r));
      ci.push_back(col);
      el.push_back(coef);
    }
  }
  const int n = static_cast<int>(t.size());
  CoinPackedMatrix matrix(false, ri.data(), ci.data(), el.data(),
                          static_cast<CoinBigIndex>(el.size()));
  matrix.setDimensions(static_cast<int>(rows.size()), n);
  std::vector<double> collb(n, 0), colub(n, COIN_DBL_MAX), obj(n, 0);
  std::vector<double> rowb(rows.size(), 0);
  for (int i = 0; i < n; ++i) {
    if (t.cells[i].state == Table::State::kPublished) collb[i] = colub[i] = t.cells[i].value;
  }
  ClpSimplex model;
  model.setLogLevel(0);
  model.loadProblem(matrix, collb.data(), colub.data(), obj.data(), rowb.data(), rowb.data());
  model.dual();
  if (!model.isProvenOptimal()) {
    out.infeasible = true;
    return out;
  }
  for (int i = 0; i < n; ++i) {
    if (t.cells[i].state != Table::State::kSuppressed) continue;
    CellInterval c;
    c.cell = static_cast<size_t>(i);
    model.setObjectiveCoefficient(i, 1.0);
    model.setOptimizationDirection(1);
    model.primal(1);
    c.lo = model.isProvenOptimal() ? tidy(model.objectiveValue()) : 0;
    model.setOptimizationDirection(-1);
    model.primal(1);
    c.hi = model.isProvenOptimal() ? tidy(model.objectiveValue())
                                   : std::numeric_limits<double>::infinity();
    model.setObjectiveCoefficient(i, 0.0);
    const bool narrow = c.hi - c.lo < rule.min_width - kEps;
    const bool small = c.lo >= 1 - kEps && c.hi <= rule.inside_below - 1 + kEps;
    c.safe = !narrow && !small;
    out.unsafe += c.safe ? 0 : 1;
    out.cells.push_back(c);
  }
  return out;
}

std::string table_lp(const Table& t, size_t cell, bool maximize) {
  std::string s =
      fmt::format("\\ {} of {}\n{}\n obj: x{}\nSubject To\n", maximize ? "maximum" : "minimum",
                  t.describe(cell), maximize ? "Maximize" : "Minimize", cell);
  const auto rows = additivity(t);
  for (size_t r = 0; r < rows.size(); ++r) {
    s += fmt::format(" c{}:", r);
    for (const auto& [col, coef] : rows[r]) s += fmt::format(" {} x{}", coef > 0 ? "+" : "-", col);
    s += " = 0\n";
  }
  s += "Bounds\n";
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.cells[i].state == Table::State::kPublished)
      s += fmt::format(" x{} = {}\n", i, t.cells[i].value);
    else
      s += fmt::format(" x{} >= 0\n", i);
  }
  return s + "End\n";
}

}  // namespace steward
