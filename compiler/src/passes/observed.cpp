// Pass `observed`: checks the root field the manifest's `observed:` names against what the
// engine writes there (steward/scan_plan.h, kObservedFields): an optional record of lists of
// records whose fields are some of the engine's, each with a type that can hold every value the
// engine may write, so that no data file can make a document fail to load, and an enum a rule
// compares with cannot miss a category the scanner reports.
#include <fmt/format.h>

#include <span>
#include <string>
#include <vector>

#include "passes/context.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

class ObservedChecker {
 public:
  explicit ObservedChecker(CompileContext& cx) : cx_(cx) {}

  // Checks that the fields of `rec` are some of `spec`'s, with their types.
  void record(const Type& rec, std::span<const ObservedFieldSpec> spec) {
    std::vector<std::string> names;
    for (const auto& s : spec) names.emplace_back(s.name);
    for (const FieldType& f : rec.fields) {
      const ObservedFieldSpec* s = nullptr;
      for (const auto& x : spec) {
        if (f.name == x.name) s = &x;
      }
      const std::string at = fmt::format("`{}.{}`", rec.name, f.name);
      if (s == nullptr) {
        error(f.span, fmt::format("{} is not written by the engine; it writes {}{}", at,
                                  join(names), did_you_mean(f.name, names)));
        continue;
      }
      if (f.nonempty) {
        error(f.span, fmt::format("{} cannot be `nonempty`: a file can have an empty column", at));
      }
      check(f, at, s->type);
    }
  }

 private:
  void check(const FieldType& f, const std::string& at, ObservedType want) {
    const Type* t = f.type;
    switch (want) {
      case ObservedType::kString:
        expect(f, at, t->kind == TypeKind::kString, "string");
        return;
      case ObservedType::kInt:
        expect(f, at, t->kind == TypeKind::kInt, "int");
        return;
      case ObservedType::kIntList:
        expect(f, at, t->kind == TypeKind::kList && t->element->kind == TypeKind::kInt, "[int]");
        return;
      case ObservedType::kFiles:
        list(f, at, kObservedFileFields);
        return;
      case ObservedType::kColumns:
        list(f, at, kObservedColumnFields);
        return;
      case ObservedType::kFindings:
        list(f, at, kObservedFindingFields);
        return;
      case ObservedType::kCategory: {
        std::vector<std::string> values;
        for (const auto& c : cx_.pack->scan.categories) values.push_back(c.name);
        members(f, at, values, "category of the scan plan");
        return;
      }
      case ObservedType::kHow:
        members(f, at, {"name", "value"}, "way a finding is made");
        return;
      case ObservedType::kDetector: {
        std::vector<std::string> values(std::begin(kObservedDetectors),
                                        std::end(kObservedDetectors));
        members(f, at, values, "detector");
        return;
      }
    }
  }

  void list(const FieldType& f, const std::string& at, std::span<const ObservedFieldSpec> spec) {
    const Type* t = f.type;
    if (t->kind != TypeKind::kList || t->element->kind != TypeKind::kRecord) {
      error(f.span, fmt::format("{} must be a list of records, not `{}`", at, t->name));
      return;
    }
    record(*t->element, spec);
  }

  void expect(const FieldType& f, const std::string& at, bool ok, const char* type) {
    if (!ok) error(f.span, fmt::format("{} must be `{}`, not `{}`", at, type, f.type->name));
  }

  // A string, or an enum with every one of `values`: the engine writes them by name.
  void members(const FieldType& f, const std::string& at, const std::vector<std::string>& values,
               const char* what) {
    const Type* t = f.type;
    if (t->kind == TypeKind::kString) return;
    if (t->kind != TypeKind::kEnum) {
      error(f.span, fmt::format("{} must be `string` or an enum, not `{}`", at, t->name));
      return;
    }
    for (const auto& v : values) {
      if (t->find_member(v) < 0) {
        error(f.span, fmt::format("enum `{}` has no member `{}`, a {} the engine writes into {}",
                                  t->name, v, what, at));
      }
    }
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += i + 1 == names.size() ? " and " : ", ";
      out += "`" + names[i] + "`";
    }
    return out;
  }

  void error(const SourceSpan& span, std::string message) {
    cx_.diags.error("manifest.observed", span, std::move(message));
  }

  CompileContext& cx_;
};

}  // namespace

void pass_observed(CompileContext& cx) {
  if (cx.observed_field.empty()) return;
  const Type* root = cx.pack->root;
  if (root == nullptr) return;  // no document: already reported
  if (!cx.pack->scan.present) {
    cx.diags.error("manifest.observed", cx.observed_span,
                   "`observed` needs the scan plan that observes the data: add `scan:`");
    return;
  }
  const int i = root->find_field(cx.observed_field);
  if (i < 0) {
    std::vector<std::string> names;
    for (const auto& f : root->fields) names.push_back(f.name);
    cx.diags.error(
        "manifest.observed", cx.observed_span,
        fmt::format("`observed` names {}, which is not a field of document `{}`{}",
                    quote(cx.observed_field), root->name, did_you_mean(cx.observed_field, names)));
    return;
  }
  const FieldType& field = root->fields[i];
  if (!field.optional) {
    // Absent whenever no data file is sent: a required field would refuse every such document.
    cx.diags.error("manifest.observed", field.span,
                   fmt::format("`{}` must be optional (`?`): documents sent without data files "
                               "have no observations",
                               field.name));
    return;
  }
  if (field.type->kind != TypeKind::kRecord) {
    cx.diags.error("manifest.observed", field.span,
                   fmt::format("`{}` must be a record of `files`, `columns` and `findings`, not "
                               "`{}`",
                               field.name, field.type->name));
    return;
  }
  const size_t before = cx.diags.error_count();
  ObservedChecker(cx).record(*field.type, kObservedFields);
  if (cx.diags.error_count() == before) cx.pack->observed_field = i;
}

}  // namespace steward::detail
