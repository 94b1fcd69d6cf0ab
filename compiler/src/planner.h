// The planner (internal to the compiler): lowers the checked AST into the flat plan the
// evaluator runs. It chooses no types and resolves no names; it lays nodes out.
#pragma once

#include <map>
#include <utility>

#include "steward/checked.h"

namespace steward::detail {

class Planner {
 public:
  explicit Planner(CompiledPack& pack) : pack_(pack) {}

  // Appends `e`'s operands, then `e`, to the plan; returns the index of `e`'s node.
  uint32_t lower(const CheckedExpr& e);
  void plan_def(const CheckedDef& d);
  void plan_rule(const CheckedRule& r);
  void plan_assert(const CheckedAssert& a);
  // Frees what plan_rule has lowered and copied from `r` (its range, condition and message),
  // keeping the rest: for a caller that does not keep the checked AST once it is planned.
  static void release_lowered(CheckedRule& r);
  // Sizes the plan's arrays for `checked` before it is lowered: at 100,000 rules, arrays grown
  // by doubling touched about twice their pages, and fresh pages are most of a large compile.
  void reserve(const CheckedPack& checked);

 private:
  uint32_t emit(Op op, const CheckedExpr& e, uint32_t a, uint32_t b, uint32_t c);
  // The bitset of `set` over `type`'s members, built once per pair.
  uint32_t enum_bitset(uint32_t set, const Type* type);

  CompiledPack& pack_;
  std::map<std::pair<uint32_t, const Type*>, uint32_t> bitsets_;
};

}  // namespace steward::detail
