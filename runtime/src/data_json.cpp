// The JSON documents of a data scan and of a suppressed table, shared by `steward scan -f json`,
// `steward suppress --report` and the C API, so that each is written in one place.
#include <cmath>
#include <nlohmann/json.hpp>

#include "steward/scan.h"
#include "steward/table.h"

namespace steward {

using Json = nlohmann::ordered_json;

std::string scan_report_json(const CompiledPack& pack, const ScanReport& r, int indent) {
  Json findings = Json::array();
  for (const auto& f : r.findings) {
    const ScanCategory& c = pack.scan.categories[f.category];
    findings.push_back(Json{{"column", f.column},
                            {"column_index", f.column_index},
                            {"category", c.name},
                            {"safe_harbor", c.safe_harbor},
                            {"how", f.how},
                            {"detector", f.detector},
                            {"count", f.count},
                            {"rows", f.rows},
                            {"line", f.line}});
  }
  Json errors = Json::array();
  for (const auto& e : r.errors)
    errors.push_back(
        {{"code", e.code}, {"line", e.line}, {"column", e.column}, {"message", e.message}});
  Json doc = {{"file", r.file},       {"format", data_format_name(r.format)},
              {"columns", r.columns}, {"rows", r.rows},
              {"findings", findings}, {"errors", errors}};
  return doc.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::vector<std::pair<std::string, std::string>> cell_labels(const Table& t, size_t cell) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t d = 0; d < t.dims.size(); ++d) {
    std::vector<std::string> v = t.values(cell, d, t.dims[d].labels.back());
    for (size_t c = 0; c < v.size(); ++c) out.emplace_back(t.dims[d].columns[c], v[c]);
  }
  return out;
}

namespace {

Json cell_json(const Table& t, size_t i) {
  Json at = Json::object();
  for (auto& [column, value] : cell_labels(t, i)) at[column] = value;
  return at;
}

}  // namespace

TableFormat table_format_of(const TablePlan& plan) {
  TableFormat format;
  format.count_column = plan.count_column;
  format.suppressed = plan.suppressed_markers;
  format.totals = plan.total_markers;
  format.hierarchies = plan.hierarchies;
  format.derived = plan.derived_columns;
  return format;
}

SuppressRule suppress_rule_of(const TablePlan& plan) {
  SuppressRule rule;
  rule.threshold = plan.threshold;
  rule.zeros_suppressed = plan.zeros_suppressed;
  rule.singletons = plan.singletons_protected;
  rule.protection = {static_cast<double>(plan.min_width), static_cast<double>(plan.inside_below)};
  return rule;
}

std::string suppress_report_json(const CompiledPack& pack, const std::string& file,
                                 const SuppressResult& r, const std::vector<double>* levels,
                                 int indent) {
  const Table& t = r.table;
  Json primary = Json::array(), secondary = Json::array(), intervals = Json::array();
  for (size_t i : r.primary) primary.push_back(cell_json(t, i));
  for (size_t i : r.secondary) secondary.push_back(cell_json(t, i));
  for (const auto& c : r.audit.cells) {
    Json entry = {{"cell", cell_json(t, c.cell)},
                  {"lo", c.lo},
                  {"hi", std::isinf(c.hi) ? Json(nullptr) : Json(c.hi)},
                  {"safe", c.safe}};
    // A magnitude cell's level, so a reader can check the interval against it.
    if (levels && c.cell < levels->size()) entry["level"] = (*levels)[c.cell];
    intervals.push_back(entry);
  }
  Json doc = {{"policy", {{"name", pack.name}, {"version", pack.version}, {"digest", pack.digest}}},
              {"file", file},
              {"threshold", pack.tables.threshold},
              {"primary", primary},
              {"secondary", secondary},
              {"audit", intervals},
              {"inexact_bounds", r.audit.inexact},
              {"integer_programs", r.audit.integer_programs},
              {"rounded_bounds", r.audit.rounded}};
  return doc.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace steward
