// `steward scan`: the identifiers a pack's scan plan finds in data files, as text, JSON or
// SARIF. Findings name the file, column, category, how it was found and rows: never a value.
#include <fmt/format.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "report.h"
#include "steward/scan.h"
#include "steward/source.h"

namespace steward::cli {

namespace {

using Json = nlohmann::ordered_json;

std::string rows_text(const ScanFinding& f) {
  if (f.rows.empty()) return "";
  std::string s = fmt::format(", rows {}", fmt::join(f.rows, ", "));
  if (f.count > f.rows.size()) s += fmt::format(" (+{} more)", f.count - f.rows.size());
  return s;
}

std::string what_text(const ScanFinding& f, const ScanCategory& c) {
  std::string letter = c.safe_harbor.empty() ? "" : fmt::format(" (Safe Harbor {})", c.safe_harbor);
  if (f.how == "name")
    return fmt::format("`{}` {}{} by its name", c.name, c.title.empty() ? "" : "- " + c.title,
                       letter);
  std::string how = f.detector == "near_unique"
                        ? fmt::format("{} of its {} values are distinct", "nearly all", f.count)
                        : fmt::format("{} value{} look{} like {}", f.count, f.count == 1 ? "" : "s",
                                      f.count == 1 ? "s" : "", f.detector);
  return fmt::format("`{}` {}{} by value: {}", c.name, c.title.empty() ? "" : "- " + c.title,
                     letter, how);
}

Json finding_json(const ScanFinding& f, const ScanCategory& c) {
  return Json{{"column", f.column}, {"column_index", f.column_index},
              {"category", c.name}, {"safe_harbor", c.safe_harbor},
              {"how", f.how},       {"detector", f.detector},
              {"count", f.count},   {"rows", f.rows},
              {"line", f.line}};
}

}  // namespace

int run_scan(const ScanCommandOptions& o) {
  std::map<std::string, std::string> params;
  if (!parse_params(o.params, &params)) return kExitError;
  CompileResult compiled = load_pack(o.pack, o.bundle, params, false, o.trust_keys);
  if (!compiled.ok()) return kExitError;
  const CompiledPack& pack = *compiled.pack;
  if (!pack.scan.present) {
    fmt::print(stderr,
               "error[scan.no-plan]: pack `{}` has no scan plan: its manifest names none "
               "(`scan: file`)\n",
               pack.name);
    return kExitError;
  }
  ScanOptions options;
  if (!parse_scan_options(o.format_in, o.delimiter, &options)) return kExitError;
  std::vector<ScanReport> reports;
  for (const auto& path : o.files) reports.push_back(scan_path(pack, path, options));
  size_t findings = 0, errors = 0;
  for (const auto& r : reports) {
    findings += r.findings.size();
    errors += r.errors.size();
  }
  const auto& cats = pack.scan.categories;
  if (o.format == "json") {
    Json out = Json::array();
    for (const auto& r : reports) out.push_back(Json::parse(scan_report_json(pack, r, -1)));
    fmt::print("{}\n", out.dump(2));
  } else if (o.format == "sarif") {
    Json rules = Json::array();
    for (const auto& c : cats) {
      rules.push_back({{"id", c.name},
                       {"shortDescription", {{"text", c.title.empty() ? c.name : c.title}}},
                       {"properties", {{"safe_harbor", c.safe_harbor}}}});
    }
    rules.push_back({{"id", "data-error"}, {"shortDescription", {{"text", "unreadable data"}}}});
    Json results = Json::array();
    auto location = [](const std::string& file, uint64_t line, uint64_t column) {
      Json phys = {{"artifactLocation", {{"uri", file_uri(file)}}}};
      if (line > 0)
        phys["region"] = {{"startLine", line}, {"startColumn", std::max<uint64_t>(column, 1)}};
      return Json::array({Json{{"physicalLocation", phys}}});
    };
    for (const auto& r : reports) {
      for (const auto& x : r.findings) {
        const ScanCategory& c = cats[x.category];
        results.push_back({{"ruleId", c.name},
                           {"ruleIndex", x.category},
                           {"level", "error"},
                           {"message",
                            {{"text", fmt::format("column `{}`: {}{}", x.column, what_text(x, c),
                                                  rows_text(x))}}},
                           {"locations", location(r.file, x.line, 1)},
                           {"properties", finding_json(x, c)}});
      }
      for (const auto& e : r.errors) {
        results.push_back({{"ruleId", "data-error"},
                           {"ruleIndex", cats.size()},
                           {"level", "error"},
                           {"message", {{"text", e.message}}},
                           {"locations", location(r.file, e.line, e.column)},
                           {"properties", {{"code", e.code}}}});
      }
    }
    Json run = {
        {"tool",
         {{"driver", {{"name", "steward scan"}, {"version", STEWARD_VERSION}, {"rules", rules}}}}},
        {"columnKind", "unicodeCodePoints"},  // SARIF's default is UTF-16 code units
        {"invocations", Json::array({Json{{"executionSuccessful", errors == 0}}})},
        {"results", results},
        {"properties",
         {{"policy", {{"name", pack.name}, {"version", pack.version}, {"digest", pack.digest}}}}}};
    Json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", Json::array({run})}};
    fmt::print("{}\n", doc.dump(2));
  } else {
    for (const auto& r : reports) {
      const std::string file = escape_for_display(r.file);
      for (const auto& e : r.errors)
        fmt::print("{}:{}:{}: error[{}]: {}\n", file, e.line, e.column, e.code,
                   escape_for_display(e.message));
      for (const auto& x : r.findings)
        fmt::print("{}:{}: column `{}`: {}{}\n", file, x.line, escape_for_display(x.column),
                   what_text(x, cats[x.category]), rows_text(x));
      fmt::print("{}: {} rows, {} columns, {} finding{}{}\n", file, r.rows, r.columns.size(),
                 r.findings.size(), r.findings.size() == 1 ? "" : "s",
                 r.errors.empty() ? "" : ", stopped at an error");
    }
  }
  if (errors) return kExitError;
  return findings ? 1 : 0;
}

}  // namespace steward::cli
