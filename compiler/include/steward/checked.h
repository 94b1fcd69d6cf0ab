// The checked AST: every definition and rule of a pack with each expression's type, resolved
// reference and constant value. The checker produces it, the planner lowers it to the flat plan
// (program.h), and tools that reason about a pack's meaning (a verifier, an editor's hover)
// read it without repeating name resolution or type rules.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "steward/program.h"
#include "steward/source.h"

namespace steward {

// A checked expression. `op` is the plan operation it lowers to: names are resolved (to a
// local, a definition, a parameter's value or a document field), string literals are read
// against their context (enum members, dates), and each operator's overload is chosen, so
// the planner only lays nodes out and a second back end can translate `op` by `op`.
struct CheckedExpr {
  Op op = Op::kConst;
  const Type* type = nullptr;  // the result's static type; owned by the CompiledPack
  bool optional = false;       // may be missing at run time (an optional field on the path)
  Constant value;              // kConst: the value (parameters are folded to theirs)
  uint32_t slot = kNoIndex;    // kLocal, kDef: the slot read; quantifiers: the element's slot
  uint32_t field = kNoIndex;   // kField: the field's index in args[0]'s record type
  uint32_t set = kNoIndex;     // kInSet: index into CompiledPack::sets
  TypeKind compare = TypeKind::kNull;  // kEq ... kGe: the kind both sides are compared as
  bool mixed = false;                  // kAdd, kSub on numbers: one operand is an int
  // Operands, in the order the op names them (kField: the record; kInSet: the value;
  // quantifiers: the list, then the condition, which reads the element from `slot`).
  std::vector<CheckedExpr> args;
  SourceSpan span;
};

struct CheckedDef {
  std::string name;
  uint32_t slot = 0;
  CheckedExpr value;
  SourceSpan span;
};

// A piece of a checked message: text, or an expression whose value is written in.
struct CheckedTemplatePart {
  std::string text;
  std::optional<CheckedExpr> expr;
};

struct CheckedRule {
  std::string id;
  std::string clause;
  std::string citation;
  Outcome outcome = Outcome::kDeny;
  std::vector<std::string> reviewers;  // sorted, unique
  std::optional<CheckedExpr> range;    // a list: one reason per element (`for x in ...`)
  uint32_t local = 0;                  // the element's slot when range is set
  CheckedExpr condition;
  std::vector<CheckedTemplatePart> message;
  std::vector<EvidencePlan> evidence;  // key paths, already resolved to field indices
  std::string file;                    // policy file, as given to the compiler
  Position position;
  SourceSpan span;
};

// An invariant (`assert`): wherever `condition` holds, the decision is one of `expect`.
struct CheckedAssert {
  std::string name;
  CheckedExpr condition;
  uint8_t expect = 0;  // bit (1 << Outcome) for each outcome allowed
  std::string message;
  std::string file;
  Position position;
  SourceSpan span;
};

// The checked pack: definitions in evaluation order, then the rules that checked cleanly.
// `types` keeps the types that the expressions point at alive; with compile errors it is an
// incomplete pack, good for reading types but not for evaluation.
struct CheckedPack {
  std::shared_ptr<const CompiledPack> types;
  std::vector<CheckedDef> defs;
  std::vector<CheckedRule> rules;
  std::vector<CheckedAssert> asserts;
  uint32_t local_slots = 0;
  uint32_t def_slots = 0;
};

// A compact one-line form for tests and tools: `(ge[int] $.count:int? 10:int):bool`. Fields
// print as paths (`$` is the document, `%n` local slot n, `@n` definition slot n), each
// operator as `(name operands...)`, and a `?` marks a value that may be missing.
std::string dump(const CheckedExpr& e);

}  // namespace steward
