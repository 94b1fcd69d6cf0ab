// Compact text forms of plan ops and checked expressions, for table tests and tools.
#include <fmt/format.h>

#include "steward/checked.h"
#include "steward/date.h"

namespace steward {

const char* op_name(Op op) {
  switch (op) {
    case Op::kConst:
      return "const";
    case Op::kRoot:
      return "root";
    case Op::kLocal:
      return "local";
    case Op::kDef:
      return "def";
    case Op::kField:
      return "field";
    case Op::kNot:
      return "not";
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kNeg:
      return "neg";
    case Op::kEq:
      return "eq";
    case Op::kNe:
      return "ne";
    case Op::kLt:
      return "lt";
    case Op::kLe:
      return "le";
    case Op::kGt:
      return "gt";
    case Op::kGe:
      return "ge";
    case Op::kInSet:
      return "in_set";
    case Op::kInList:
      return "in_list";
    case Op::kPresent:
      return "present";
    case Op::kEmpty:
      return "empty";
    case Op::kCoalesce:
      return "coalesce";
    case Op::kCount:
      return "count";
    case Op::kAny:
      return "any";
    case Op::kAll:
      return "all";
    case Op::kNone:
      return "none";
    case Op::kCountWhere:
      return "count_where";
    case Op::kFilter:
      return "filter";
    case Op::kAsOf:
      return "as_of";
    case Op::kAdd:
      return "add";
    case Op::kSub:
      return "sub";
    case Op::kLower:
      return "lower";
    case Op::kStartsWith:
      return "starts_with";
    case Op::kEndsWith:
      return "ends_with";
    case Op::kMatches:
      return "matches";
    case Op::kLength:
      return "length";
    case Op::kMul:
      return "mul";
    case Op::kDiv:
      return "div";
    case Op::kMod:
      return "mod";
  }
  return "?";
}

const char* type_kind_name(TypeKind k) {
  switch (k) {
    case TypeKind::kNull:
      return "null";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kInt:
      return "int";
    case TypeKind::kNumber:
      return "number";
    case TypeKind::kString:
      return "string";
    case TypeKind::kDate:
      return "date";
    case TypeKind::kEnum:
      return "enum";
    case TypeKind::kList:
      return "list";
    case TypeKind::kRecord:
      return "record";
  }
  return "?";
}

namespace {

std::string literal(const Constant& c) {
  switch (c.kind) {
    case TypeKind::kBool:
      return c.b ? "true" : "false";
    case TypeKind::kInt:
      return std::to_string(c.i);
    case TypeKind::kNumber:
      return fmt::format("{}", c.d);
    case TypeKind::kDate:
      return format_iso_date(c.date);
    case TypeKind::kEnum:
      return c.s;
    default:
      return fmt::format("\"{}\"", c.s);
  }
}

// `$.a.b`, `%0.a`, `@1`: a reference and the fields read from it, or "" for anything else.
std::string path(const CheckedExpr& e) {
  switch (e.op) {
    case Op::kRoot:
      return "$";
    case Op::kLocal:
      return fmt::format("%{}", e.slot);
    case Op::kDef:
      return fmt::format("@{}", e.slot);
    case Op::kField: {
      if (e.args.empty() || e.args[0].type == nullptr) return "";
      std::string base = path(e.args[0]);
      if (base.empty()) base = "(" + dump(e.args[0]) + ")";
      return base + "." + e.args[0].type->fields[e.field].name;
    }
    default:
      return "";
  }
}

}  // namespace

std::string dump(const CheckedExpr& e) {
  std::string type = e.type ? e.type->name : "?";
  if (e.optional) type += "?";
  if (e.op == Op::kConst) return literal(e.value) + ":" + type;
  if (std::string p = path(e); !p.empty()) return p + ":" + type;
  std::string out = "(";
  out += op_name(e.op);
  if (e.compare != TypeKind::kNull)
    fmt::format_to(std::back_inserter(out), "[{}]", type_kind_name(e.compare));
  if (e.mixed) out += "[mixed]";
  switch (e.op) {
    case Op::kAny:
    case Op::kAll:
    case Op::kNone:
    case Op::kCountWhere:
    case Op::kFilter:
      fmt::format_to(std::back_inserter(out), " %{}", e.slot);
      break;
    case Op::kInSet:
      fmt::format_to(std::back_inserter(out), " #{}", e.set);
      break;
    default:
      break;
  }
  for (const auto& a : e.args) out += " " + dump(a);
  if (e.op == Op::kMatches) out += " " + literal(e.value);
  return out + "):" + type;
}

}  // namespace steward
