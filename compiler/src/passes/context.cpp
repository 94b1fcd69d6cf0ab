// The compilation context's shared helpers: interned types and expressions as written.
#include "passes/context.h"

namespace steward::detail {

const Type* CompileContext::builtin(TypeKind k) {
  auto it = builtins_.find(k);
  if (it != builtins_.end()) return it->second;
  Type& t = pack->types.emplace_back();
  t.kind = k;
  switch (k) {
    case TypeKind::kBool:
      t.name = "bool";
      break;
    case TypeKind::kInt:
      t.name = "int";
      break;
    case TypeKind::kNumber:
      t.name = "number";
      break;
    case TypeKind::kString:
      t.name = "string";
      break;
    case TypeKind::kDate:
      t.name = "date";
      break;
    default:
      t.name = "null";
      break;
  }
  builtins_[k] = &t;
  return &t;
}

const Type* CompileContext::list_of(const Type* elem) {
  auto it = list_types_.find(elem);
  if (it != list_types_.end()) return it->second;
  Type& t = pack->types.emplace_back();
  t.kind = TypeKind::kList;
  t.element = elem;
  t.name = "[" + elem->name + "]";
  list_types_[elem] = &t;
  return &t;
}

std::string CompileContext::source_of(const ast::Expr& e) const {
  std::string text = sources->text_of(e.span);
  return text.empty() ? ast::dump(e) : text;
}

}  // namespace steward::detail
