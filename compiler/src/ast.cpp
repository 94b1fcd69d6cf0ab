// Compact dumps of the AST for golden tests.
#include "steward/ast.h"

#include <fmt/format.h>

namespace steward::ast {

const char* op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kIn:
      return "in";
    case BinaryOp::kNotIn:
      return "not in";
    case BinaryOp::kCoalesce:
      return "??";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
  }
  return "?";
}

namespace {

std::string at(const SourceSpan& s, bool spans) {
  return spans ? fmt::format("@{}-{}", s.begin, s.end) : "";
}

std::string dump_core(const Expr& e, bool spans) {
  auto args = [&](size_t from = 0) {
    std::string s;
    for (size_t i = from; i < e.args.size(); ++i)
      s += " " + (e.args[i] ? dump(*e.args[i], spans) : "_");
    return s;
  };
  switch (e.kind) {
    case ExprKind::kString:
      return fmt::format("\"{}\"", e.text);
    case ExprKind::kInt:
      return fmt::format("{}", e.int_value);
    case ExprKind::kNumber:
      return fmt::format("{}", e.number_value);
    case ExprKind::kBool:
      return e.bool_value ? "true" : "false";
    case ExprKind::kNull:
      return "null";
    case ExprKind::kName:
      return e.name;
    case ExprKind::kMember:
      return fmt::format("(. {} {})", e.args.empty() ? "_" : dump(*e.args[0], spans), e.name);
    case ExprKind::kCall:
      return fmt::format("({}{})", e.name, args());
    case ExprKind::kQuantifier:
      return fmt::format("({} {}{}{})", e.name, e.var, at(e.var_span, spans), args());
    case ExprKind::kNot:
      return fmt::format("(not{})", args());
    case ExprKind::kNegate:
      return fmt::format("(-{})", args());
    case ExprKind::kBinary:
      return fmt::format("({}{})", op_name(e.op), args());
    case ExprKind::kList:
      return fmt::format("(list{})", args());
    case ExprKind::kTemplate: {
      std::string s = "(template";
      for (const auto& p : e.parts)
        s += p.expr ? " {" + dump(*p.expr, spans) + "}" : fmt::format(" \"{}\"", p.text);
      return s + ")";
    }
  }
  return "?";
}

}  // namespace

std::string dump(const Expr& e, bool spans) { return dump_core(e, spans) + at(e.span, spans); }

namespace {

std::string dump_type(const TypeRef& t, bool spans) {
  std::string s = t.nonempty ? "nonempty " : "";
  switch (t.kind) {
    case TypeRef::Kind::kNamed:
      s += t.name;
      break;
    case TypeRef::Kind::kList:
      s += "[" + (t.element ? dump_type(*t.element, spans) : "_") + "]";
      break;
    case TypeRef::Kind::kRecord: {
      s += "{";
      for (const auto& f : t.fields)
        s += " " + f.name + at(f.span, spans) + ": " + (f.type ? dump_type(*f.type, spans) : "_");
      s += " }";
      break;
    }
  }
  return (t.optional ? s + "?" : s) + at(t.span, spans);
}

std::string dump_props(const std::vector<Prop>& props, bool spans) {
  std::string s;
  for (const auto& p : props) {
    s += " (" + p.key + at(p.key_span, spans);
    for (const auto& v : p.values) s += " " + (v ? dump(*v, spans) : "_");
    s += ")";
  }
  return s;
}

}  // namespace

std::string dump(const Module& m, bool spans) {
  std::string out;
  for (const auto& d : m.decls) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, EnumDecl>) {
            out += "enum " + x.name + at(x.span, spans);
            for (const auto& mem : x.members)
              out += (mem.spread ? " ..." : " ") + mem.value + at(mem.span, spans);
          } else if constexpr (std::is_same_v<T, RecordDecl>) {
            out += (x.is_document ? "document " : "record ") + x.name + at(x.span, spans);
            for (const auto& f : x.fields)
              out += " " + f.name + at(f.span, spans) + ": " +
                     (f.type ? dump_type(*f.type, spans) : "_");
          } else if constexpr (std::is_same_v<T, SetDecl>) {
            out += "set " + x.name + at(x.span, spans);
            for (const auto& v : x.members) out += " " + dump(*v, spans);
          } else if constexpr (std::is_same_v<T, ClauseDecl>) {
            out += "clause " + x.id + at(x.span, spans) + dump_props(x.props, spans);
          } else if constexpr (std::is_same_v<T, ReviewerDecl>) {
            out += "reviewer " + x.name + at(x.span, spans) + dump_props(x.props, spans);
          } else if constexpr (std::is_same_v<T, LetDecl>) {
            out +=
                "let " + x.name + at(x.span, spans) + " " + (x.value ? dump(*x.value, spans) : "_");
          } else if constexpr (std::is_same_v<T, RuleDecl>) {
            out +=
                "rule " + x.name + at(x.span, spans) + (spans ? fmt::format("@{}", x.begin) : "");
            if (!x.var.empty())
              out += " for " + x.var + at(x.var_span, spans) + " in " +
                     (x.range ? dump(*x.range, spans) : "_");
            out += dump_props(x.props, spans);
          } else if constexpr (std::is_same_v<T, AssertDecl>) {
            out += "assert " + x.name + at(x.span, spans) +
                   (spans ? fmt::format("@{}", x.begin) : "") + dump_props(x.props, spans);
          }
        },
        d);
    out += "\n";
  }
  return out;
}

}  // namespace steward::ast
