// Pass `scan`: reads the file the manifest's `scan:` names (the data scanner's categories,
// column lexicon, value detectors, age and ZIP3 columns, near-unique thresholds) and checks
// every key with its location, so that `steward check` reports a bad lexicon as it reports a
// bad rule. The chosen restricted-ZIP3 list follows a pack parameter.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "passes/context.h"
#include "passes/yaml_file.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

class ScanReader : public YamlChecker {
 public:
  ScanReader(CompileContext& cx, SourceId file) : YamlChecker(cx, file, "scan"), cx_(cx) {}

  uint32_t category(const YAML::Node& n, const std::string& what) {
    std::string name;
    if (!n) return UINT32_MAX;  // missing: reported by need()
    if (!text(n, what, &name)) return UINT32_MAX;
    const auto& cats = cx_.pack->scan.categories;
    for (size_t i = 0; i < cats.size(); ++i)
      if (cats[i].name == name) return static_cast<uint32_t>(i);
    std::vector<std::string> names;
    for (const auto& c : cats) names.push_back(c.name);
    error("scan.category", n,
          fmt::format("unknown category {}{}", quote(name), did_you_mean(name, names)));
    return UINT32_MAX;
  }

  // A list of column names, normalized; each may appear once in the whole file.
  std::vector<std::string> columns(const YAML::Node& n, const std::string& what) {
    std::vector<std::string> raw, out;
    if (!n || !strings(n, what, &raw)) return out;
    for (size_t i = 0; i < raw.size(); ++i) {
      std::string c = normalize_column(raw[i]);
      if (c.empty()) {
        error("scan.column", n[i],
              fmt::format("column name {} has no letter or digit", quote(raw[i])));
        continue;
      }
      if (!seen_.insert(c).second) {
        error("scan.duplicate", n[i],
              fmt::format("column name {} is listed twice (as {})", quote(raw[i]), quote(c)));
        continue;
      }
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  CompileContext& cx_;
  std::set<std::string> seen_;
};

}  // namespace

void pass_scan(CompileContext& cx) {
  if (cx.scan_file.empty()) return;
  const PackSources::DataFile* file =
      find_data_file(cx, cx.scan_file, cx.scan_span, "scan", "scan file");
  if (file == nullptr) return;
  SourceId id = kNoSource;
  YAML::Node loaded;
  if (!load_yaml_file(cx, *file, "scan", "scan file", &id, &loaded)) return;
  const YAML::Node& root = loaded;
  ScanReader r(cx, id);
  ScanPlan& plan = cx.pack->scan;
  plan.present = true;
  plan.detectors.fill(UINT32_MAX);
  if (!r.map(root, "the scan file",
             {"categories", "prefixes", "detectors", "ages", "zip3", "near_unique"}))
    return;
  // Categories first: everything else refers to them.
  if (const YAML::Node cats = root["categories"]; !cats || !cats.IsMap() || cats.size() == 0) {
    r.error("scan.type", cats ? cats : root, "`categories` must be a non-empty mapping");
    return;
  } else {
    for (auto it = cats.begin(); it != cats.end(); ++it) {
      ScanCategory c;
      c.name = it->first.Scalar();
      c.span = r.at(it->first);
      const std::string what = fmt::format("category {}", quote(c.name));
      if (!r.map(it->second, what, {"title", "safe_harbor", "columns"})) continue;
      if (it->second["title"]) r.text(it->second["title"], "`title`", &c.title);
      if (const YAML::Node sh = it->second["safe_harbor"]) {
        if (r.text(sh, "`safe_harbor`", &c.safe_harbor) &&
            (c.safe_harbor.size() != 1 || c.safe_harbor[0] < 'A' || c.safe_harbor[0] > 'R'))
          r.error("scan.safe-harbor", sh,
                  fmt::format("`safe_harbor` is one of the letters A to R of 45 CFR "
                              "164.514(b)(2)(i), not {}",
                              quote(c.safe_harbor)));
      }
      plan.categories.push_back(std::move(c));
    }
    for (auto it = cats.begin(); it != cats.end(); ++it) {
      if (!it->second.IsMap() || !it->second["columns"]) continue;
      const uint32_t index = r.category(it->first, "a category");
      for (auto& col : r.columns(it->second["columns"], "`columns`"))
        plan.columns.emplace_back(std::move(col), index);
    }
    std::sort(plan.columns.begin(), plan.columns.end());
  }
  if (const YAML::Node p = root["prefixes"]) {
    std::vector<std::string> raw;
    r.strings(p, "`prefixes`", &raw);
    for (size_t i = 0; i < raw.size(); ++i) {
      std::string n = normalize_column(raw[i]);
      if (n.empty()) {
        r.error("scan.column", p[i],
                fmt::format("prefix {} has no letter or digit", quote(raw[i])));
        continue;
      }
      plan.prefixes.push_back(n + "_");
    }
  }
  if (const YAML::Node d = root["detectors"]) {
    if (!d.IsMap()) {
      r.error("scan.type", d, "`detectors` must map detector names to categories");
    } else {
      for (auto it = d.begin(); it != d.end(); ++it) {
        Detector det;
        if (!parse_detector(it->first.Scalar(), &det)) {
          std::vector<std::string> names;
          for (size_t i = 0; i < kDetectorCount; ++i)
            names.push_back(detector_name(static_cast<Detector>(i)));
          r.error(
              "scan.detector", it->first,
              fmt::format("unknown detector {}; the scanner has {}{}", quote(it->first.Scalar()),
                          fmt::join(names, ", "), did_you_mean(it->first.Scalar(), names)));
          continue;
        }
        plan.detectors[static_cast<size_t>(det)] = r.category(it->second, "a detector's category");
      }
    }
  }
  if (const YAML::Node a = root["ages"]; a && r.map(a, "`ages`", {"columns", "over", "category"})) {
    plan.age_columns = r.columns(r.need(a, "columns", "`ages`"), "`ages.columns`");
    plan.age_category = r.category(r.need(a, "category", "`ages`"), "`ages.category`");
    if (a["over"]) {
      try {
        plan.age_over = a["over"].as<int64_t>();
      } catch (const YAML::Exception&) {
        r.error("scan.type", a["over"], "`ages.over` must be a whole number");
      }
    }
  }
  if (const YAML::Node z = root["zip3"];
      z && r.map(z, "`zip3`", {"columns", "category", "parameter", "lists"})) {
    plan.zip3_columns = r.columns(r.need(z, "columns", "`zip3`"), "`zip3.columns`");
    plan.zip3_category = r.category(r.need(z, "category", "`zip3`"), "`zip3.category`");
    std::string param;
    const YAML::Node lists = r.need(z, "lists", "`zip3`");
    const YAML::Node pnode = r.need(z, "parameter", "`zip3`");
    if (pnode && r.text(pnode, "`zip3.parameter`", &param)) {
      auto pit = cx.params.find(param);
      if (pit == cx.params.end() || pit->second.info.type != "string") {
        r.error("scan.parameter", pnode,
                fmt::format("`zip3.parameter` must name a string parameter of the pack, not {}",
                            quote(param)));
      } else if (!lists || !lists.IsMap()) {
        if (lists) r.error("scan.type", lists, "`zip3.lists` must map list names to ZIP3 lists");
      } else {
        pit->second.used = true;
        const std::string chosen = pit->second.info.value;
        std::vector<std::string> names;
        for (auto it = lists.begin(); it != lists.end(); ++it) {
          names.push_back(it->first.Scalar());
          std::vector<std::string> zips;
          r.strings(it->second, fmt::format("list {}", quote(it->first.Scalar())), &zips);
          for (size_t i = 0; i < zips.size(); ++i) {
            const std::string& s = zips[i];
            if (s.size() != 3 ||
                !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
              r.error("scan.zip3", it->second[i],
                      fmt::format("{} is not a 3-digit ZIP prefix", quote(s)));
          }
          if (it->first.Scalar() == chosen) {
            plan.zip3_list = chosen;
            plan.zip3_restricted = zips;
          }
        }
        if (plan.zip3_list.empty())
          cx.diags.error("scan.parameter", pit->second.span,
                         fmt::format("parameter {} is {}, which is not one of the ZIP3 lists ({})",
                                     quote(param), quote(chosen), fmt::join(names, ", ")));
        std::sort(plan.zip3_restricted.begin(), plan.zip3_restricted.end());
      }
    }
  }
  if (const YAML::Node n = root["near_unique"];
      n && r.map(n, "`near_unique`", {"category", "min_rows", "ratio"})) {
    plan.near_unique_category =
        r.category(r.need(n, "category", "`near_unique`"), "`near_unique.category`");
    try {
      if (n["min_rows"]) plan.near_unique_rows = n["min_rows"].as<uint64_t>();
      if (n["ratio"]) plan.near_unique_ratio = n["ratio"].as<double>();
    } catch (const YAML::Exception&) {
      r.error("scan.type", n, "`min_rows` must be a whole number and `ratio` a number");
    }
    if (plan.near_unique_ratio <= 0 || plan.near_unique_ratio > 1 || plan.near_unique_rows < 2)
      r.error("scan.type", n, "`ratio` must be in (0, 1] and `min_rows` at least 2");
  }
}

}  // namespace steward::detail
