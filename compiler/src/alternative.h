// Which labelled alternative of the grammar a parse-tree context is, found by ANTLR's own double
// dispatch. Included by parse.cpp only (it needs the generated headers).
#pragma once

#include "StewardBaseVisitor.h"
#include "StewardParser.h"

namespace steward::detail {

// The labelled alternatives of `expr`, `primary` and `baseType`, plus kNone for anything else
// (the unlabelled context ANTLR may leave after a syntax error).
enum class Alt {
  kNone,
  kMember,
  kNegate,
  kNot,
  kCoalesce,
  kMul,
  kArith,
  kCompare,
  kIn,
  kAnd,
  kOr,
  kPrim,
  kLit,
  kQuantifier,
  kCall,
  kName,
  kParen,
  kListLit,
  kNamedType,
  kListType,
  kInlineRecordType,
};

// `AltOf{}.of(ctx)` is one virtual call (accept) and one cast of this visitor, where asking
// `dynamic_cast` of each candidate class in turn cost up to 16 failed casts a leaf (each a walk
// of the class hierarchy comparing type names, as the generated classes live in another
// library from the runtime's): 13% of a 100,000-rule compile. The builder then switches on the
// result and uses static_cast. Every visit method not named here falls to visitChildren, which
// does nothing, so a context of any other kind is kNone and nothing below it is visited.
class AltOf : public grammar::StewardBaseVisitor {
 public:
  Alt of(antlr4::tree::ParseTree* tree) {
    alt_ = Alt::kNone;
    if (tree != nullptr) tree->accept(this);
    return alt_;
  }

  antlrcpp::Any visitChildren(antlr4::tree::ParseTree*) override { return {}; }
  antlrcpp::Any visitTerminal(antlr4::tree::TerminalNode*) override { return {}; }
  antlrcpp::Any visitErrorNode(antlr4::tree::ErrorNode*) override { return {}; }

#define STEWARD_ALT(Name)                                                      \
  antlrcpp::Any visit##Name(grammar::StewardParser::Name##Context*) override { \
    alt_ = Alt::k##Name;                                                       \
    return {};                                                                 \
  }
  STEWARD_ALT(Member)
  STEWARD_ALT(Negate)
  STEWARD_ALT(Not)
  STEWARD_ALT(Coalesce)
  STEWARD_ALT(Mul)
  STEWARD_ALT(Arith)
  STEWARD_ALT(Compare)
  STEWARD_ALT(In)
  STEWARD_ALT(And)
  STEWARD_ALT(Or)
  STEWARD_ALT(Prim)
  STEWARD_ALT(Lit)
  STEWARD_ALT(Quantifier)
  STEWARD_ALT(Call)
  STEWARD_ALT(Name)
  STEWARD_ALT(Paren)
  STEWARD_ALT(ListLit)
  STEWARD_ALT(NamedType)
  STEWARD_ALT(ListType)
  STEWARD_ALT(InlineRecordType)
#undef STEWARD_ALT

 private:
  Alt alt_ = Alt::kNone;
};

}  // namespace steward::detail
