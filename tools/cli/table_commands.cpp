// `steward audit` and `steward suppress`, by the pack's table plan: the attacker's LP audit of
// tables someone else suppressed (each suppressed cell's interval, each recoverable cell, each
// small count shown), and protecting a table of counts before it is published.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "report.h"
#include "steward/source.h"
#include "steward/table.h"

namespace steward::cli {

namespace {

using Json = nlohmann::ordered_json;

std::string bound(double v) { return std::isinf(v) ? "unbounded" : fmt::format("{}", v); }

// Bounds left at the LP's rounded optimum can be wider than the truth: say so wherever the
// audit's verdict is shown.
void print_rounded(FILE* out, const std::string& file, size_t n) {
  fmt::print(out,
             "{}: warning[audit.rounded]: {} bound{} of counts {} the LP's rounded to whole "
             "numbers (the integer program was not proved in its budget); a whole-number table "
             "may not reach {}, so a cell judged protected may be less so\n",
             file, n, n == 1 ? "" : "s", n == 1 ? "is" : "are", n == 1 ? "it" : "them");
}

struct Audited {
  std::string file;
  TableResult read;
  AuditResult audit;
  std::vector<size_t> small;  // published cells with a small non-zero count
};

TableFormat format_of(const TablePlan& plan) { return table_format_of(plan); }

// Opens a table file named on the command line: only a regular file (a FIFO would block,
// a directory has no rows; neither is skipped). False leaves `in` closed.
bool open_table_file(const std::string& path, std::ifstream& in) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  in.open(path, std::ios::binary);
  return in.is_open();
}

const InputError kUnreadable{"datafile.read", "", 0, 0, "not a readable regular file"};

TableResult read_table_file(const std::string& path, const TableFormat& format) {
  std::ifstream in;
  if (!open_table_file(path, in)) {
    TableResult r;
    r.errors.push_back(kUnreadable);
    return r;
  }
  return read_table(in, path, format);
}

// A cell as JSON: {column: category, ...}, a total as its dimension's total marker.
Json cell_json(const Table& t, size_t i) {
  Json at = Json::object();
  for (auto& [column, value] : cell_labels(t, i)) at[column] = value;
  return at;
}

const CompiledPack* table_pack(const CompileResult& compiled) {
  if (!compiled.ok()) return nullptr;
  if (!compiled.pack->tables.present) {
    fmt::print(stderr,
               "error[tables.no-plan]: pack `{}` has no table plan: its manifest names none "
               "(`tables: file`)\n",
               compiled.pack->name);
    return nullptr;
  }
  return compiled.pack.get();
}

}  // namespace

int run_audit(const AuditCommandOptions& o) {
  std::map<std::string, std::string> params;
  if (!parse_params(o.params, &params)) return kExitError;
  CompileResult compiled = load_pack(o.pack, o.bundle, params, false, o.trust_keys);
  const CompiledPack* loaded = table_pack(compiled);
  if (loaded == nullptr) return kExitError;
  const CompiledPack& pack = *loaded;
  const TablePlan& plan = pack.tables;
  const TableFormat format = format_of(plan);
  const ProtectionRule rule{static_cast<double>(plan.min_width),
                            static_cast<double>(plan.inside_below)};
  std::vector<Audited> results;
  bool error = false, unsafe = false;
  for (const auto& path : o.files) {
    Audited a;
    a.file = path;
    a.read = read_table_file(path, format);
    if (a.read.ok()) {
      const Table& t = a.read.table;
      a.audit = audit_table(t, rule);
      for (size_t i = 0; i < t.size(); ++i) {
        const Table::Cell& c = t.cells[i];
        if (c.state == Table::State::kPublished && c.value < plan.threshold &&
            (c.value > 0 || plan.zeros_suppressed))
          a.small.push_back(i);
      }
      unsafe |= a.audit.unsafe > 0 || !a.small.empty() || !a.audit.derived_shown.empty();
      error |= a.audit.infeasible;
    } else {
      error = true;
    }
    results.push_back(std::move(a));
  }
  const std::string rule_text =
      fmt::format("a suppressed cell's interval must be at least {} wide and not inside 1..{}",
                  plan.min_width, plan.inside_below - 1);
  if (o.format == "json") {
    Json files = Json::array();
    for (const auto& a : results) {
      Json f = {{"file", a.file}};
      if (!a.read.ok()) {
        Json errs = Json::array();
        for (const auto& e : a.read.errors)
          errs.push_back({{"code", e.code}, {"line", e.line}, {"message", e.message}});
        f["errors"] = errs;
        files.push_back(f);
        continue;
      }
      const Table& t = a.read.table;
      f["infeasible"] = a.audit.infeasible;
      f["inexact_bounds"] = a.audit.inexact;
      f["integer_programs"] = a.audit.integer_programs;
      f["rounded_bounds"] = a.audit.rounded;
      Json cells = Json::array();
      for (const auto& c : a.audit.cells) {
        cells.push_back({{"cell", cell_json(t, c.cell)},
                         {"line", t.cells[c.cell].line},
                         {"lo", c.lo},
                         {"hi", std::isinf(c.hi) ? Json(nullptr) : Json(c.hi)},
                         {"safe", c.safe}});
      }
      f["suppressed"] = cells;
      f["recoverable"] = a.audit.unsafe;
      Json small = Json::array();
      for (size_t i : a.small)
        small.push_back({{"cell", cell_json(t, i)}, {"line", t.cells[i].line}});
      f["small_published"] = small;
      Json derived = Json::array();
      for (const auto& d : a.audit.derived_shown)
        derived.push_back({{"cell", cell_json(t, d.cell)},
                           {"line", t.cells[d.cell].line},
                           {"column", t.derived_columns[d.column]}});
      f["derived_shown"] = derived;
      files.push_back(f);
    }
    Json doc = {
        {"policy", {{"name", pack.name}, {"version", pack.version}, {"digest", pack.digest}}},
        {"threshold", plan.threshold},
        {"rule", rule_text},
        {"files", files}};
    fmt::print("{}\n", doc.dump(2));
  } else {
    for (const auto& a : results) {
      const std::string file = escape_for_display(a.file);
      for (const auto& e : a.read.errors)
        fmt::print("{}:{}:{}: error[{}]: {}\n", file, e.line, e.column, e.code,
                   escape_for_display(e.message));
      if (!a.read.ok()) continue;
      const Table& t = a.read.table;
      if (a.audit.infeasible) {
        fmt::print(
            "{}: error[audit.infeasible]: the published counts contradict the totals; "
            "no interval can be computed\n",
            file);
        continue;
      }
      if (a.audit.inexact > 0)
        fmt::print(
            "{}: warning[audit.inexact]: the solver gave up on {} bound{}; each is the "
            "value its solutions reached, so those intervals may be wider in truth\n",
            file, a.audit.inexact, a.audit.inexact == 1 ? "" : "s");
      if (a.audit.rounded > 0) print_rounded(stdout, file, a.audit.rounded);
      for (const auto& c : a.audit.cells) {
        if (c.safe) continue;
        fmt::print("{}:{}: recoverable: `{}` lies in [{}, {}]\n", file, t.cells[c.cell].line,
                   escape_for_display(t.describe(c.cell)), bound(c.lo), bound(c.hi));
      }
      for (size_t i : a.small) {
        fmt::print("{}:{}: small count shown: `{}` is {}, below {}\n", file, t.cells[i].line,
                   escape_for_display(t.describe(i)), t.cells[i].value, plan.threshold);
      }
      for (const auto& d : a.audit.derived_shown) {
        fmt::print("{}:{}: derived value shown: `{}` of suppressed `{}` gives the count away\n",
                   file, t.cells[d.cell].line, escape_for_display(t.derived_columns[d.column]),
                   escape_for_display(t.describe(d.cell)));
      }
      fmt::print(
          "{}: {} suppressed cell{}, {} recoverable, {} small count{} shown, {} derived "
          "value{} shown ({})\n",
          file, a.audit.cells.size(), a.audit.cells.size() == 1 ? "" : "s", a.audit.unsafe,
          a.small.size(), a.small.size() == 1 ? "" : "s", a.audit.derived_shown.size(),
          a.audit.derived_shown.size() == 1 ? "" : "s", rule_text);
    }
  }
  if (error) return kExitError;
  return unsafe ? 1 : 0;
}

int run_suppress(const SuppressCommandOptions& o) {
  std::map<std::string, std::string> params;
  if (!parse_params(o.params, &params)) return kExitError;
  CompileResult compiled = load_pack(o.pack, o.bundle, params, false, o.trust_keys);
  const CompiledPack* loaded = table_pack(compiled);
  if (loaded == nullptr) return kExitError;
  const TablePlan& plan = loaded->tables;
  const TableFormat format = format_of(plan);
  const std::string file = escape_for_display(o.file);
  if (o.contributions && !plan.magnitude) {
    fmt::print(stderr,
               "error[tables.no-magnitude]: pack `{}` has no rules for magnitude tables "
               "(`magnitude:` in its tables file)\n",
               loaded->name);
    return kExitError;
  }
  TableResult read;
  ContributionsResult contributions;
  if (o.contributions) {
    ContributionFormat cf;
    cf.table = format;
    cf.value_column = plan.value_column;
    cf.contributor_column = plan.contributor_column;
    std::ifstream in;
    if (open_table_file(o.file, in)) {
      contributions = read_contributions(in, o.file, cf);
      read = contributions.table;
    } else {
      read.errors.push_back(kUnreadable);
    }
  } else {
    read = read_table_file(o.file, format);
  }
  for (const auto& e : read.errors)
    fmt::print(stderr, "{}:{}:{}: error[{}]: {}\n", file, e.line, e.column, e.code,
               escape_for_display(e.message));
  if (!read.ok()) return kExitError;
  const SuppressRule rule = suppress_rule_of(plan);
  MagnitudeRule mrule;
  mrule.min_contributors = static_cast<uint64_t>(plan.min_contributors);
  mrule.protection_percent = static_cast<double>(plan.protection_percent);
  mrule.p_percent = static_cast<double>(plan.p_percent);
  mrule.dominance_n = static_cast<int>(plan.dominance_n);
  mrule.dominance_k = static_cast<double>(plan.dominance_k);
  SuppressResult r = o.contributions
                         ? suppress_magnitude(read.table, contributions.contributors, mrule)
                         : suppress_table(read.table, rule);
  if (!r.ok()) {
    fmt::print(stderr, "{}: error[suppress.failed]: {}\n", file, r.error);
    return kExitError;
  }
  const Table& t = r.table;
  const std::string csv = write_table(t, format);
  // The protected table is written whole or not at all: a partial file could be published.
  if (!o.output.empty() && !write_file_atomically(o.output, csv)) return kExitError;
  if (o.output.empty()) fmt::print("{}", csv);
  if (!o.report.empty()) {
    // A magnitude cell's level goes with its interval; its value is the sum of contributions
    // the publisher holds, not shown to others anyway.
    std::vector<double> levels;
    if (o.contributions) {
      for (size_t i = 0; i < t.cells.size(); ++i)
        levels.push_back(magnitude_level(contributions.contributors[i], t.cells[i].value, mrule));
    }
    const std::string doc =
        suppress_report_json(*loaded, o.file, r, o.contributions ? &levels : nullptr);
    if (!write_file_atomically(o.report, doc + "\n")) return kExitError;
  }
  if (o.contributions) {
    fmt::print(
        stderr,
        "{}: {} primary and {} secondary suppressions; every sensitive cell's interval "
        "reaches its protection level (fewer than {} contributors: {}%{}{})\n",
        file, r.primary.size(), r.secondary.size(), plan.min_contributors, plan.protection_percent,
        plan.p_percent ? fmt::format("; p% rule, p = {}", plan.p_percent) : "",
        plan.dominance_n ? fmt::format("; ({}, {}) dominance", plan.dominance_n, plan.dominance_k)
                         : "");
    return kExitAllow;
  }
  if (r.audit.rounded > 0) print_rounded(stderr, file, r.audit.rounded);
  fmt::print(stderr,
             "{}: {} primary and {} secondary suppressions; every suppressed cell passes the "
             "audit (interval at least {} wide, not inside 1..{})\n",
             file, r.primary.size(), r.secondary.size(), plan.min_width, plan.inside_below - 1);
  return kExitAllow;
}

}  // namespace steward::cli
