// Pass `approvals`: resolves the lists the manifest's `approvals:` names, which review records
// stand for when a decision takes its approvals from the archive. Each is a dotted path of
// record fields from the document's root to a list of records with `body` (a string or an
// enum), `decision` (an enum with `approved` and `denied`) and `date`, so that the engine can
// write an approval the schema accepts for every review.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "passes/context.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

// Why `element` cannot hold an approval the engine writes, or "".
std::string approval_shape(const Type& element) {
  if (element.kind != TypeKind::kRecord)
    return fmt::format("its items are `{}`, not records", element.name);
  auto field = [&](const char* name) -> const FieldType* {
    const int i = element.find_field(name);
    return i < 0 ? nullptr : &element.fields[i];
  };
  const FieldType* body = field("body");
  const FieldType* decision = field("decision");
  const FieldType* date = field("date");
  if (!body || !decision || !date)
    return fmt::format("`{}` needs the fields `body`, `decision` and `date`", element.name);
  if (body->type->kind != TypeKind::kString && body->type->kind != TypeKind::kEnum)
    return fmt::format("`{}.body` must be a string or an enum of the reviewer bodies",
                       element.name);
  if (decision->type->kind != TypeKind::kEnum || decision->type->find_member("approved") < 0 ||
      decision->type->find_member("denied") < 0)
    return fmt::format("`{}.decision` must be an enum with `approved` and `denied`", element.name);
  if (date->type->kind != TypeKind::kDate)
    return fmt::format("`{}.date` must be a date", element.name);
  for (const FieldType& f : element.fields) {
    if (!f.optional && f.name != "body" && f.name != "decision" && f.name != "date")
      return fmt::format("`{}.{}` is required, and a review record cannot supply it", element.name,
                         f.name);
  }
  return "";
}

}  // namespace

void pass_approvals(CompileContext& cx) {
  const Type* root = cx.pack->root;
  if (root == nullptr) return;  // no document: already reported
  for (const auto& [path, span] : cx.approval_lists) {
    const Type* at = root;
    std::vector<int> fields;
    std::string why;
    for (const std::string& name : split_path(path)) {
      if (at->kind != TypeKind::kRecord) {
        why = fmt::format("`{}` is `{}`, not a record", name, at->name);
        break;
      }
      const int i = at->find_field(name);
      if (i < 0) {
        std::vector<std::string> names;
        for (const auto& f : at->fields) names.push_back(f.name);
        why = fmt::format("`{}` has no field `{}`{}", at->name, name, did_you_mean(name, names));
        break;
      }
      fields.push_back(i);
      at = at->fields[i].type;
    }
    if (why.empty() && at->kind != TypeKind::kList)
      why = fmt::format("it is `{}`, not a list of approvals", at->name);
    if (why.empty()) why = approval_shape(*at->element);
    if (!why.empty()) {
      cx.diags.error("manifest.approvals", span,
                     fmt::format("`approvals` names {}: {}", quote(path), why));
      continue;
    }
    cx.pack->approval_lists.push_back(std::move(fields));
  }
}

}  // namespace steward::detail
