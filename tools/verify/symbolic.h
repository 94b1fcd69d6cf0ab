// The translation of a compiled plan into Z3 (internal to verify): a symbolic document (one
// variable per scalar the schema admits, lists bounded), strings as the values the packs can
// tell apart, and the decision the evaluator would reach, as formulas over those variables.
#pragma once

#include <z3++.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "steward/program.h"
#include "verify.h"

namespace steward::verify::detail {

// Every string the packs can tell apart, each an integer in the formula: the packs' constants,
// set members, enum members, what string functions make of them, blank and non-blank values
// nothing mentions. A string variable ranges over the first `variable_count()` of them; the
// rest are results of functions (`lower`) and are interned as they are met.
class StringTable {
 public:
  void add(const std::string& s);
  // Closes the values variables range over (call once every pack has added its constants).
  void seal();
  int index(const std::string& s);  // interns
  const std::string& at(int i) const { return values_[static_cast<size_t>(i)]; }
  int size() const { return static_cast<int>(values_.size()); }
  int variable_count() const { return variables_; }

 private:
  std::vector<std::string> values_;
  std::map<std::string, int> index_;
  int variables_ = 0;
};

// One place of the symbolic document: a record, a list (with `bound` element places) or a scalar.
struct SymNode {
  const Type* type = nullptr;
  std::string path;                                 // `data.fields[0].name`
  std::optional<z3::expr> present;                  // Bool; unset: always there
  std::optional<z3::expr> value;                    // a scalar's value, or a list's length (Int)
  std::vector<std::pair<std::string, int>> fields;  // record: name -> node
  std::vector<int> elements;                        // list
};

// The symbolic document of one pack's schema. Two packs' documents share a variable wherever
// their schemas share a path and a kind, so formulas of both speak of one agreement.
class SymDoc {
 public:
  // `with_observed`: the observed data (CompiledPack::observed_field) takes any value, as if
  // data files were sent; otherwise it is absent, as for an agreement decided alone.
  SymDoc(z3::context& ctx, StringTable& strings, const CompiledPack& pack, uint32_t bound,
         bool with_observed = false);
  const SymNode& node(int i) const { return nodes_[static_cast<size_t>(i)]; }
  int root() const { return 0; }
  size_t size() const { return nodes_.size(); }
  // What every agreement the loader accepts satisfies: enum members, list lengths, the
  // format field's current values, strings without control characters.
  const z3::expr_vector& domain() const { return domain_; }
  const CompiledPack& pack() const { return pack_; }

 private:
  int build(const Type* type, const std::string& path, bool optional, bool nonempty);

  z3::context& ctx_;
  StringTable& strings_;
  const CompiledPack& pack_;
  uint32_t bound_;
  std::vector<SymNode> nodes_;
  z3::expr_vector domain_;
};

// The value of a plan node: `def` says it is there (not missing); scalars have `v`; records
// name their document node; lists are guarded places.
struct SymVal {
  explicit SymVal(z3::context& c) : def(c.bool_val(false)) {}
  TypeKind kind = TypeKind::kNull;
  z3::expr def;
  std::optional<z3::expr> v;
  const Type* type = nullptr;    // enums (member order), records, lists
  int node = -1;                 // a record of the document
  std::vector<z3::expr> guards;  // list: element i is there
  std::vector<SymVal> elems;
};

// The decision of one pack on the symbolic document.
struct SymDecision {
  std::optional<z3::expr> outcome;  // Int: static_cast<int>(Outcome)
  std::optional<z3::expr> error;    // Bool: evaluation ends in an error (never a decision)
  std::vector<z3::expr> fired;      // per rule of the pack
};

class Encoder {
 public:
  Encoder(z3::context& ctx, StringTable& strings, const SymDoc& doc, z3::expr as_of);
  SymDecision decide();
  // A condition of the plan (an assert's `when`) as a formula; `where` names it for errors.
  z3::expr condition(uint32_t node, const std::string& where);

 private:
  SymVal eval(uint32_t id);
  z3::expr cond(uint32_t id);
  SymVal from_node(int node, z3::expr def);
  SymVal field(const SymVal& rec, const std::string& name, uint32_t id);
  SymVal constant(uint32_t id);
  z3::expr equal(const SymVal& a, const SymVal& b, TypeKind k, uint32_t id);
  z3::expr order(const SymVal& a, const SymVal& b, TypeKind k, Op op, uint32_t id);
  SymVal arith(uint32_t id);
  SymVal loop(uint32_t id);
  // f over a string's table values: an if-then-else chain over the table.
  template <class F>
  z3::expr string_bool(const z3::expr& s, F f);
  z3::expr string_index(int i) { return ctx_.int_val(i); }
  [[noreturn]] void unsupported(uint32_t id, const std::string& what);
  z3::expr guarded(const z3::expr& e);  // e under the current path condition
  SymVal boolean(z3::expr b);
  SymVal missing(TypeKind k);

  z3::context& ctx_;
  StringTable& strings_;
  const SymDoc& doc_;
  const CompiledPack& pack_;
  z3::expr as_of_;
  std::vector<std::optional<SymVal>> locals_;
  std::map<uint32_t, SymVal> defs_;
  std::vector<z3::expr> path_;  // conditions under which the node being encoded is evaluated
  z3::expr errors_;
  std::string where_;  // the rule or definition being encoded, for Unsupported
};

// The strings every pack that takes part mentions, added to `table` (before seal()).
void collect_strings(const CompiledPack& pack, StringTable& table);

}  // namespace steward::verify::detail
