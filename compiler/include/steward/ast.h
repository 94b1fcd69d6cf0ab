// The abstract syntax tree of policy modules, with a source span on every node.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "steward/source.h"

namespace steward::ast {

enum class ExprKind {
  kString,  // text
  kInt,     // int_value
  kNumber,  // number_value
  kBool,    // bool_value
  kNull,
  kName,        // name
  kMember,      // args[0].name
  kCall,        // name(args...)
  kQuantifier,  // name(var in args[0]: args[1]); name is any/all/none/count/filter
  kNot,         // not args[0]
  kNegate,      // -args[0]
  kBinary,      // args[0] op args[1]
  kList,        // [args...]
  kTemplate,    // parts: text pieces and holes (message strings with {expr})
};

enum class BinaryOp {
  kAnd,
  kOr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kCoalesce,
  kAdd,  // numbers; a date plus days
  kSub,  // numbers; a date less days; days between two dates
  kMul,  // numbers
  kDiv,  // numbers; always a number
  kMod,  // whole numbers
};

const char* op_name(BinaryOp op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One piece of a message template: literal text, or an expression hole.
struct TemplatePart {
  std::string text;
  ExprPtr expr;  // null for a text piece
};

struct Expr {
  ExprKind kind = ExprKind::kNull;
  SourceSpan span;
  std::string name;  // kName, kMember (field), kCall (function), kQuantifier (function)
  std::string var;   // kQuantifier: the bound variable
  SourceSpan var_span;
  std::string text;  // kString: unescaped value
  int64_t int_value = 0;
  double number_value = 0;
  bool bool_value = false;
  BinaryOp op = BinaryOp::kAnd;
  std::vector<ExprPtr> args;
  std::vector<TemplatePart> parts;
};

struct TypeRef;
struct FieldDecl {
  std::string name;
  SourceSpan span;
  std::unique_ptr<TypeRef> type;
};

struct TypeRef {
  enum class Kind { kNamed, kList, kRecord };
  Kind kind = Kind::kNamed;
  SourceSpan span;
  std::string name;                  // kNamed
  std::unique_ptr<TypeRef> element;  // kList
  std::vector<FieldDecl> fields;     // kRecord
  bool optional = false;
  bool nonempty = false;
};

struct EnumMember {
  std::string value;
  SourceSpan span;
  bool spread = false;  // `...set_name`: every member of a declared set
};

struct EnumDecl {
  std::string name;
  SourceSpan span;
  std::vector<EnumMember> members;
};

struct RecordDecl {
  std::string name;
  SourceSpan span;
  bool is_document = false;
  std::vector<FieldDecl> fields;
};

struct SetDecl {
  std::string name;
  SourceSpan span;
  std::vector<ExprPtr> members;  // literals
};

// `key: value, value...` inside a clause, reviewer or rule block.
struct Prop {
  std::string key;
  SourceSpan key_span;
  std::vector<ExprPtr> values;
};

struct ClauseDecl {
  std::string id;
  SourceSpan span;
  std::vector<Prop> props;
};

struct ReviewerDecl {
  std::string name;
  SourceSpan span;
  std::vector<Prop> props;
};

struct LetDecl {
  std::string name;
  SourceSpan span;
  ExprPtr value;
};

struct RuleDecl {
  std::string name;
  SourceSpan span;     // the name
  uint32_t begin = 0;  // byte offset of the `rule` keyword
  std::string var;     // empty unless the rule ranges over a list
  SourceSpan var_span;
  ExprPtr range;
  std::vector<Prop> props;
};

// `assert name { when: ..., expect: deny, ..., message: "..." }`: a property every decision
// must have (docs/language.md, "Invariants").
struct AssertDecl {
  std::string name;
  SourceSpan span;     // the name
  uint32_t begin = 0;  // byte offset of the `assert` keyword
  std::vector<Prop> props;
};

using Decl = std::variant<EnumDecl, RecordDecl, SetDecl, ClauseDecl, ReviewerDecl, LetDecl,
                          RuleDecl, AssertDecl>;

// One parsed .policy file.
struct Module {
  SourceId file = kNoSource;
  std::vector<Decl> decls;
};

// A compact S-expression of an expression, for golden tests: `(and (== (. data level) "client")
// x)`. With `spans`, each node and name is followed by its span, `@begin-end`.
std::string dump(const Expr& e, bool spans = false);
// Every declaration of a module, one per line.
std::string dump(const Module& m, bool spans = false);

}  // namespace steward::ast
