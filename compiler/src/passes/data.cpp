// Pass `data`: reads each data file the manifest names (a YAML or JSON list in the pack),
// checks every entry against its record type as strictly as an agreement is checked, and
// makes the entries' key values a named set the policy can test with `in`.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "passes/context.h"
#include "passes/yaml_file.h"
#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

class DataChecker {
 public:
  DataChecker(CompileContext& cx, SourceId file) : cx_(cx), file_(file) {}

  SourceSpan at(const YAML::Node& n) const { return yaml_span(file_, n); }

  // Checks `n` against `t`; `what` names it in messages (`entry 3`, `citation`).
  void value(const YAML::Node& n, const Type* t, const std::string& what) {
    // Anchors and aliases can make a small file a huge (or, through a recursive record type
    // and an alias to an ancestor, endless) tree: values and depth are bounded.
    if (++values_ > kMaxValues || depth_ >= kMaxDepth) {
      if (!over_)
        error("data.limit", n,
              fmt::format("the data file holds more than {} values or nests deeper "
                          "than {} levels (counting what aliases repeat)",
                          kMaxValues, kMaxDepth));
      over_ = true;
      return;
    }
    ++depth_;
    struct Leave {
      size_t& d;
      ~Leave() { --d; }
    } leave{depth_};
    switch (t->kind) {
      case TypeKind::kRecord:
        record(n, t, what);
        return;
      case TypeKind::kList:
        if (!n.IsSequence()) {
          error("data.type", n, fmt::format("{} must be a list", quote(what)));
          return;
        }
        for (size_t i = 0; i < n.size(); ++i)
          value(n[i], t->element, fmt::format("{}[{}]", what, i));
        return;
      default:
        scalar(n, t, what);
    }
  }

  void record(const YAML::Node& n, const Type* t, const std::string& what) {
    if (over_) return;
    if (!n.IsMap()) {
      error("data.type", n, fmt::format("{} must be a mapping of {}", quote(what), t->name));
      return;
    }
    std::vector<bool> seen(t->fields.size(), false);
    std::vector<std::string> names;
    for (const auto& f : t->fields) names.push_back(f.name);
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.Scalar();
      int f = t->find_field(key);
      if (f < 0) {
        error("data.unknown-key", it->first,
              fmt::format("{} has no field {}{}", quote(t->name), quote(key),
                          did_you_mean(key, names)));
        continue;
      }
      const FieldType& ft = t->fields[f];
      seen[f] = true;
      if (it->second.IsNull()) {
        if (!ft.optional)
          error("data.missing-key", it->first,
                fmt::format("{} needs a value for {}", quote(what), quote(key)));
        continue;
      }
      value(it->second, ft.type, key);
    }
    for (size_t f = 0; f < t->fields.size(); ++f) {
      if (!seen[f] && !t->fields[f].optional)
        error("data.missing-key", n,
              fmt::format("{} has no {}", quote(what), quote(t->fields[f].name)));
    }
  }

  void scalar(const YAML::Node& n, const Type* t, const std::string& what) {
    if (!n.IsScalar()) {
      error("data.type", n, fmt::format("{} must be {}", quote(what), article(t)));
      return;
    }
    const std::string& text = n.Scalar();
    // A plain scalar resolves as YAML 1.2's core schema says; a quoted one is a string.
    const bool plain = n.Tag() == "?";
    const ScalarKind kind = plain ? resolve_core_scalar(text) : ScalarKind::kString;
    bool good = false;
    switch (t->kind) {
      case TypeKind::kString:
      case TypeKind::kEnum:
      case TypeKind::kDate:
        good = kind == ScalarKind::kString || t->kind == TypeKind::kDate;
        break;
      case TypeKind::kInt: {
        int64_t i = 0;
        good = plain && kind == ScalarKind::kInt && parse_core_int(text, &i) == NumberStatus::kOk;
        break;
      }
      case TypeKind::kNumber: {
        double d = 0;
        good = plain && (kind == ScalarKind::kInt || kind == ScalarKind::kFloat) &&
               parse_core_number(text, &d) == NumberStatus::kOk;
        break;
      }
      case TypeKind::kBool:
        good = plain && kind == ScalarKind::kBool;
        break;
      default:
        break;
    }
    if (!good) {
      error("data.type", n,
            fmt::format("{} must be {}, not {}", quote(what), article(t), quote(text)));
      return;
    }
    if (ControlChar c = find_control(text); c.found()) {
      error("data.control", n, fmt::format("{} holds a control character", quote(what)));
      return;
    }
    if (t->kind == TypeKind::kString && is_blank(text)) {
      error("data.blank", n, fmt::format("{} is blank", quote(what)));
    } else if (t->kind == TypeKind::kEnum && t->find_member(text) < 0) {
      error("data.enum", n,
            fmt::format("{} is not a member of enum {}{}", quote(text), quote(t->name),
                        did_you_mean(text, t->members)));
    } else if (t->kind == TypeKind::kDate) {
      int32_t day = 0;
      if (!parse_iso_date(text, &day))
        error("data.type", n, fmt::format("{} is not a date; write `YYYY-MM-DD`", quote(text)));
    }
  }

  void error(const char* code, const YAML::Node& n, std::string message) {
    cx_.diags.error(code, at(n), std::move(message));
  }

 private:
  static std::string article(const Type* t) {
    switch (t->kind) {
      case TypeKind::kInt:
        return "an int";
      case TypeKind::kEnum:
        return fmt::format("a member of {}", t->name);
      default:
        return "a " + t->name;
    }
  }

  static constexpr size_t kMaxValues = 1'000'000;
  static constexpr size_t kMaxDepth = 64;
  CompileContext& cx_;
  SourceId file_;
  size_t values_ = 0, depth_ = 0;
  bool over_ = false;
};

// The record type entries of `decl` have, and the index of its key field, or null (reported).
const Type* entry_type(CompileContext& cx, const DataDecl& decl, int* key) {
  auto it = cx.named_types.find(decl.record);
  if (it == cx.named_types.end() || it->second->kind != TypeKind::kRecord) {
    std::vector<std::string> names;
    for (const auto& [n, t] : cx.named_types)
      if (t->kind == TypeKind::kRecord) names.push_back(n);
    cx.diags.error(
        "data.record", decl.record_span,
        fmt::format("unknown record {}{}", quote(decl.record), did_you_mean(decl.record, names)),
        "declare the shape of an entry in a policy module: `record Name { ... }`");
    return nullptr;
  }
  const Type* t = it->second;
  *key = t->find_field(decl.key);
  if (*key < 0 || t->fields[*key].type->kind != TypeKind::kString || t->fields[*key].optional) {
    cx.diags.error("data.key", decl.key_span,
                   fmt::format("`key` must name a required string field of {}, not {}",
                               quote(t->name), quote(decl.key)));
    return nullptr;
  }
  return t;
}

}  // namespace

void pass_data(CompileContext& cx) {
  for (const DataDecl& decl : cx.data_decls) {
    if (cx.set_decls.count(decl.name) || cx.defs.count(decl.name) || cx.params.count(decl.name)) {
      cx.diags.error(
          "check.duplicate", decl.span,
          fmt::format("name {} is declared twice: as data and in the policy", quote(decl.name)));
      continue;
    }
    // The name stands for a set from here on, even when its file has errors (the pack will
    // not compile either way): rules that use it are checked without a cascade of errors.
    cx.set_index[decl.name] = static_cast<uint32_t>(cx.pack->sets.size());
    cx.pack->sets.push_back({decl.name, {}, decl.span, decl.folded, decl.ignore});
    if (decl.reported) continue;
    int key = -1;
    const Type* type = entry_type(cx, decl, &key);
    const PackSources::DataFile* file =
        find_data_file(cx, decl.file, decl.file_span, "data", "data file");
    if (type == nullptr || file == nullptr) continue;
    SourceId id = kNoSource;
    YAML::Node root;
    if (!load_yaml_file(cx, *file, "data", "data file", &id, &root)) continue;
    DataChecker check(cx, id);
    if (!root.IsSequence() || root.size() == 0) {
      cx.diags.error("data.type", {id, 0, 0},
                     fmt::format("the data file must be a non-empty list of {}", decl.record));
      continue;
    }
    const size_t errors_before = cx.diags.error_count();
    SetPlan set;
    set.name = decl.name;
    set.span = decl.span;
    set.fold = decl.folded;
    set.ignore = decl.ignore;
    std::map<std::string, YAML::Node> first;  // folded key -> the entry that has it
    for (size_t i = 0; i < root.size(); ++i) {
      const YAML::Node entry = root[i];
      check.value(entry, type, fmt::format("entry {}", i + 1));
      if (!entry.IsMap() || !entry[decl.key] || !entry[decl.key].IsScalar()) continue;
      const YAML::Node k = entry[decl.key];
      std::string member = decl.folded ? fold_text(k.Scalar(), decl.ignore) : k.Scalar();
      if (member.empty()) continue;  // blank: reported above
      auto [it, inserted] = first.emplace(member, k);
      if (!inserted) {
        Diagnostic d{Severity::kError,
                     "data.duplicate",
                     fmt::format("{} is listed twice in {}{}", quote(k.Scalar()), quote(decl.name),
                                 decl.folded ? " (compared folded)" : ""),
                     check.at(k),
                     {},
                     {}};
        d.notes.push_back({check.at(it->second), "first listed here"});
        cx.diags.add(std::move(d));
        continue;
      }
      set.members.push_back(std::move(member));
    }
    if (cx.diags.error_count() != errors_before) continue;
    std::sort(set.members.begin(), set.members.end());
    cx.pack->sets[cx.set_index[decl.name]] = std::move(set);
  }
}

}  // namespace steward::detail
