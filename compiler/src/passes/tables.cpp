// Pass `tables`: reads the file the manifest's `tables:` names (how the pack's published tables
// are written and when a suppressed cell is protected), every key checked at its place. The
// threshold may follow an int parameter, so that `--param min_cell_size=11` moves the rules
// and the table tools together.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "passes/context.h"
#include "passes/yaml_file.h"
#include "steward/scalar.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

// A whole number >= `least`, written as a YAML core int.
bool whole(YamlChecker& r, const YAML::Node& n, const std::string& what, int64_t least,
           int64_t* out) {
  int64_t v = 0;
  if (!n.IsScalar() || parse_core_int(n.Scalar(), &v) != NumberStatus::kOk || v < least) {
    r.error("type", n, fmt::format("{} must be a whole number of at least {}", what, least));
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

void pass_tables(CompileContext& cx) {
  if (cx.tables_file.empty()) return;
  const PackSources::DataFile* file =
      find_data_file(cx, cx.tables_file, cx.tables_span, "tables", "tables file");
  if (file == nullptr) return;
  SourceId id = kNoSource;
  YAML::Node root;
  if (!load_yaml_file(cx, *file, "tables", "tables file", &id, &root)) return;
  YamlChecker r(cx, id, "tables");
  TablePlan& plan = cx.pack->tables;
  plan.present = true;
  if (!r.map(root, "the tables file",
             {"threshold", "zeros", "protection", "count_column", "markers", "hierarchies",
              "derived", "singletons", "magnitude"}))
    return;
  if (const YAML::Node t = r.need(root, "threshold", "the tables file")) {
    if (t.IsMap()) {
      std::string param;
      if (r.map(t, "`threshold`", {"parameter"}) &&
          r.text(r.need(t, "parameter", "`threshold`"), "`threshold.parameter`", &param)) {
        auto it = cx.params.find(param);
        if (it == cx.params.end() || it->second.info.type != "int") {
          r.error("parameter", t["parameter"],
                  fmt::format("`threshold.parameter` must name an int parameter of the pack, "
                              "not {}",
                              quote(param)));
        } else {
          it->second.used = true;
          plan.threshold_parameter = param;
          if (parse_core_int(it->second.info.value, &plan.threshold) != NumberStatus::kOk ||
              plan.threshold < 1) {
            r.error("parameter", t["parameter"],
                    fmt::format("parameter {} is {}; a threshold is at least 1", quote(param),
                                quote(it->second.info.value)));
          }
        }
      }
    } else {
      whole(r, t, "`threshold`", 1, &plan.threshold);
    }
  }
  plan.min_width = plan.inside_below = plan.threshold;
  if (const YAML::Node z = root["zeros"]) {
    if (!z.IsScalar() || (z.Scalar() != "published" && z.Scalar() != "suppressed"))
      r.error("type", z, "`zeros` is `published` or `suppressed`");
    else
      plan.zeros_suppressed = z.Scalar() == "suppressed";
  }
  if (const YAML::Node p = root["protection"];
      p && r.map(p, "`protection`", {"min_width", "inside_below"})) {
    if (p["min_width"]) whole(r, p["min_width"], "`protection.min_width`", 1, &plan.min_width);
    if (p["inside_below"])
      whole(r, p["inside_below"], "`protection.inside_below`", 1, &plan.inside_below);
  }
  if (const YAML::Node c = root["count_column"]) r.text(c, "`count_column`", &plan.count_column);
  plan.suppressed_markers = {"*"};
  plan.total_markers = {"Total"};
  if (const YAML::Node m = root["markers"]; m && r.map(m, "`markers`", {"suppressed", "total"})) {
    for (const char* key : {"suppressed", "total"}) {
      if (!m[key]) continue;
      std::vector<std::string> list;
      const std::string what = fmt::format("`markers.{}`", key);
      if (!r.strings(m[key], what, &list)) continue;
      if (list.empty()) {
        r.error("type", m[key], what + " needs at least one marker");
        continue;
      }
      for (size_t i = 0; i < list.size(); ++i) {
        int64_t n = 0;
        // A marker that reads as a count would make a suppressed cell a published one.
        if (parse_core_int(list[i], &n) == NumberStatus::kOk)
          r.error("marker", m[key][i], fmt::format("marker {} reads as a count", quote(list[i])));
      }
      (std::string(key) == "suppressed" ? plan.suppressed_markers : plan.total_markers) = list;
    }
  }
  if (const YAML::Node m = root["magnitude"];
      m && r.map(m, "`magnitude`",
                 {"value_column", "contributor_column", "min_contributors", "protection_percent",
                  "p_percent", "dominance"})) {
    plan.magnitude = true;
    if (m["value_column"])
      r.text(m["value_column"], "`magnitude.value_column`", &plan.value_column);
    if (m["contributor_column"])
      r.text(m["contributor_column"], "`magnitude.contributor_column`", &plan.contributor_column);
    if (m["min_contributors"])
      whole(r, m["min_contributors"], "`magnitude.min_contributors`", 0, &plan.min_contributors);
    auto percent = [&](const YAML::Node& n, const std::string& what, int64_t least, int64_t* out) {
      if (whole(r, n, what, least, out) && *out > 100)
        r.error("type", n, fmt::format("{} is a percentage, at most 100", what));
    };
    if (m["protection_percent"])
      percent(m["protection_percent"], "`magnitude.protection_percent`", 0,
              &plan.protection_percent);
    if (m["p_percent"]) percent(m["p_percent"], "`magnitude.p_percent`", 0, &plan.p_percent);
    if (const YAML::Node d = m["dominance"]; d && r.map(d, "`magnitude.dominance`", {"n", "k"})) {
      if (const YAML::Node n = r.need(d, "n", "`magnitude.dominance`");
          n && whole(r, n, "`magnitude.dominance.n`", 1, &plan.dominance_n) && plan.dominance_n > 4)
        r.error("type", n, "`magnitude.dominance.n` is at most 4");
      if (const YAML::Node k = r.need(d, "k", "`magnitude.dominance`"))
        percent(k, "`magnitude.dominance.k`", 1, &plan.dominance_k);
    }
    if (!plan.value_column.empty() && plan.value_column == plan.contributor_column)
      r.error("column", m["contributor_column"], "the value and contributor columns must differ");
  }
  if (const YAML::Node z = root["singletons"]) {
    if (!z.IsScalar() || (z.Scalar() != "protected" && z.Scalar() != "ignored"))
      r.error("type", z, "`singletons` is `protected` or `ignored`");
    else
      plan.singletons_protected = z.Scalar() == "protected";
  }
  // A column may nest in several hierarchies (region > office, region > county: the first one a
  // table has all of applies), but never twice in one, and never both nests and derives.
  std::map<std::string, YAML::Node> nests;
  if (const YAML::Node h = root["hierarchies"]) {
    if (!h.IsSequence()) {
      r.error("type", h, "`hierarchies` is a list of column lists, top level first");
    } else {
      for (size_t i = 0; i < h.size(); ++i) {
        std::vector<std::string> cols;
        if (!r.strings(h[i], "a hierarchy", &cols)) continue;
        if (cols.size() < 2) {
          r.error("type", h[i], "a hierarchy names at least two columns, top level first");
          continue;
        }
        for (size_t k = 0; k < cols.size(); ++k) {
          if (std::find(cols.begin(), cols.begin() + k, cols[k]) != cols.begin() + k)
            r.error("column", h[i][k],
                    fmt::format("column {} is twice in one hierarchy", quote(cols[k])));
          nests.emplace(cols[k], h[i][k]);
        }
        plan.hierarchies.push_back(cols);
      }
    }
  }
  if (const YAML::Node d = root["derived"]) {
    if (r.strings(d, "`derived`", &plan.derived_columns)) {
      for (size_t k = 0; k < plan.derived_columns.size(); ++k) {
        if (nests.count(plan.derived_columns[k]))
          r.error("column", d[k],
                  fmt::format("column {} is in a hierarchy; a derived column is not a dimension",
                              quote(plan.derived_columns[k])));
      }
    }
  }
  for (const auto& c : plan.derived_columns) nests.emplace(c, root["derived"]);
  if (!plan.count_column.empty() && nests.count(plan.count_column))
    r.error("column", nests[plan.count_column],
            fmt::format("column {} is the count column", quote(plan.count_column)));
  for (const auto& s : plan.suppressed_markers) {
    for (const auto& t : plan.total_markers) {
      if (s == t)
        r.error("marker", root["markers"],
                fmt::format("{} is both a suppression and a total marker", quote(s)));
    }
  }
}

}  // namespace steward::detail
