// Pass `schema`: resolves named sets, enums (with spread sets), records and the document
// type into the pack's types.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "passes/context.h"
#include "steward/suggest.h"

namespace steward::detail {

namespace {

void fill_record(CompileContext& cx, Type* rec, const std::vector<ast::FieldDecl>& fields,
                 const std::string& context);

const Type* resolve_type(CompileContext& cx, const ast::TypeRef& t, const std::string& context) {
  switch (t.kind) {
    case ast::TypeRef::Kind::kNamed: {
      static const std::map<std::string, TypeKind> kBuiltins = {{"string", TypeKind::kString},
                                                                {"bool", TypeKind::kBool},
                                                                {"int", TypeKind::kInt},
                                                                {"number", TypeKind::kNumber},
                                                                {"date", TypeKind::kDate}};
      if (auto b = kBuiltins.find(t.name); b != kBuiltins.end()) return cx.builtin(b->second);
      if (auto n = cx.named_types.find(t.name); n != cx.named_types.end()) return n->second;
      std::vector<std::string> names = {"string", "bool", "int", "number", "date"};
      for (const auto& [n, ty] : cx.named_types) names.push_back(n);
      cx.diags.error("check.unknown-type", t.span,
                     fmt::format("unknown type {}{}", quote(t.name), did_you_mean(t.name, names)));
      return nullptr;
    }
    case ast::TypeRef::Kind::kList: {
      const Type* e = t.element ? resolve_type(cx, *t.element, context) : nullptr;
      return e ? cx.list_of(e) : nullptr;
    }
    case ast::TypeRef::Kind::kRecord: {
      Type& r = cx.pack->types.emplace_back();
      r.kind = TypeKind::kRecord;
      r.name = context;
      fill_record(cx, &r, t.fields, context);
      return &r;
    }
  }
  return nullptr;
}

void fill_record(CompileContext& cx, Type* rec, const std::vector<ast::FieldDecl>& fields,
                 const std::string& context) {
  for (const auto& f : fields) {
    if (rec->find_field(f.name) >= 0) {
      cx.diags.error(
          "check.duplicate", f.span,
          fmt::format("field {} is declared twice in {}", quote(f.name), quote(context)));
      continue;
    }
    FieldType ft;
    ft.name = f.name;
    ft.span = f.span;
    if (f.type) {
      ft.type = resolve_type(cx, *f.type, context + "." + f.name);
      ft.optional = f.type->optional;
      ft.nonempty = f.type->nonempty;
      if (ft.nonempty && ft.type && ft.type->kind != TypeKind::kString &&
          ft.type->kind != TypeKind::kList) {
        cx.diags.error("check.type", f.type->span, "`nonempty` applies only to strings and lists");
      }
    }
    if (ft.type == nullptr) ft.type = cx.builtin(TypeKind::kNull);  // already reported
    rec->fields.push_back(std::move(ft));
  }
}

}  // namespace

void pass_schema(CompileContext& cx) {
  // Sets first: enums may spread them.
  for (const auto& [name, decl] : cx.set_decls) {
    SetPlan s;
    s.name = name;
    s.span = decl->span;
    // Duplicates by hash: a 200,000-member set once took 106 s to compile (pairwise search).
    std::unordered_set<std::string_view> seen;
    for (const auto& m : decl->members) {
      if (m->kind != ast::ExprKind::kString) {
        cx.diags.error("check.set", m->span,
                       fmt::format("set {} may hold only strings", quote(name)));
        continue;
      }
      if (!seen.insert(m->text).second) {
        cx.diags.error("check.duplicate", m->span,
                       fmt::format("{} is listed twice in set {}", quote(m->text), quote(name)));
        continue;
      }
      s.members.push_back(m->text);
    }
    std::sort(s.members.begin(), s.members.end());
    cx.set_index[name] = static_cast<uint32_t>(cx.pack->sets.size());
    cx.pack->sets.push_back(std::move(s));
  }
  for (const auto& [name, decl] : cx.enums) {
    Type& t = cx.pack->types.emplace_back();
    t.kind = TypeKind::kEnum;
    t.name = name;
    std::unordered_set<std::string> members;
    auto add = [&](const std::string& v, SourceSpan span) {
      if (!members.insert(v).second) {
        cx.diags.error("check.duplicate", span,
                       fmt::format("{} is listed twice in enum {}", quote(v), quote(t.name)));
      } else {
        t.members.push_back(v);
      }
    };
    for (const auto& m : decl->members) {
      if (!m.spread) {
        add(m.value, m.span);
        continue;
      }
      auto it = cx.set_decls.find(m.value);
      if (it == cx.set_decls.end()) {
        std::vector<std::string> names;
        for (const auto& [n, s] : cx.set_decls) names.push_back(n);
        cx.diags.error(
            "check.unknown-name", m.span,
            fmt::format("unknown set {}{}", quote(m.value), did_you_mean(m.value, names)));
        continue;
      }
      cx.used_sets.insert(m.value);
      for (const auto& x : it->second->members)
        if (x->kind == ast::ExprKind::kString) add(x->text, x->span);
    }
    if (t.members.empty())
      cx.diags.error("check.enum", decl->span, fmt::format("enum {} has no members", quote(name)));
    cx.named_types[name] = &t;
  }
  // Records: create every named record first, so fields can refer to any of them.
  std::map<std::string, Type*> recs;
  for (const auto& [name, decl] : cx.records) {
    Type& t = cx.pack->types.emplace_back();
    t.kind = TypeKind::kRecord;
    t.name = name;
    cx.named_types[name] = &t;
    recs[name] = &t;
  }
  for (const auto& [name, decl] : cx.records) fill_record(cx, recs[name], decl->fields, name);
  // Every field and member is known now: loaders look keys and members up by hash.
  for (Type& t : cx.pack->types) t.index_names();
  if (cx.document != nullptr) {
    cx.pack->root = cx.named_types[cx.document->name];
    if (cx.pack->root == nullptr) return;  // its declaration was an error, already reported
    std::string idf = cx.id_field_name.empty() ? "id" : cx.id_field_name;
    cx.pack->id_field = cx.pack->root->find_field(idf);
    if (cx.pack->id_field >= 0 &&
        cx.pack->root->fields[cx.pack->id_field].type->kind != TypeKind::kString) {
      cx.pack->id_field = -1;
    }
    if (!cx.format_field.empty()) {
      const Type* root = cx.pack->root;
      int f = root->find_field(cx.format_field);
      const FieldType* ft = f >= 0 ? &root->fields[f] : nullptr;
      if (ft == nullptr || ft->optional ||
          (ft->type->kind != TypeKind::kString && ft->type->kind != TypeKind::kEnum)) {
        cx.diags.error("manifest.formats", cx.format_span,
                       fmt::format("`formats.field` {} is not a required string or enum field of "
                                   "the document",
                                   quote(cx.format_field)));
      } else {
        cx.pack->format_field = f;
        for (size_t i = 0; i < cx.retired_formats.size(); ++i) {
          // A format the schema still accepts cannot also be retired.
          if (ft->type->kind == TypeKind::kEnum &&
              ft->type->find_member(cx.retired_formats[i].first) >= 0)
            cx.diags.error("manifest.formats", cx.retired_spans[i],
                           fmt::format("{} is retired but still a member of enum {}",
                                       quote(cx.retired_formats[i].first), quote(ft->type->name)));
        }
        cx.pack->retired_formats = cx.retired_formats;
      }
    }
    if (!cx.id_field_name.empty() && cx.pack->id_field < 0) {
      cx.diags.error("manifest.id-field", cx.id_field_span,
                     fmt::format("`id_field` {} is not a string field of the document",
                                 quote(cx.id_field_name)));
    }
  }
}

}  // namespace steward::detail
