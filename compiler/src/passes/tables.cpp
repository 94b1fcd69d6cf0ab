// Pass `tables`: reads the file the manifest's `tables:` names (how the pack's published tables
// are written and when a suppressed cell is protected), every key checked at its place. The
// threshold may follow an int parameter, so that `--param min_cell_size=11` moves the rules
// and the table tools together.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

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
             {"threshold", "zeros", "protection", "count_column", "markers"}))
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
  for (const auto& s : plan.suppressed_markers) {
    for (const auto& t : plan.total_markers) {
      if (s == t)
        r.error("marker", root["markers"],
                fmt::format("{} is both a suppression and a total marker", quote(s)));
    }
  }
}

}  // namespace steward::detail
