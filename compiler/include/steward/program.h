// A compiled policy pack: the document schema, the evaluation plan, and the pack's metadata.
// Everything a decision needs is resolved here at compile time (names to slots, key paths to
// field indices, enum literals to member indices), so the evaluator does no string lookups.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "steward/scan_plan.h"
#include "steward/source.h"
#include "steward/table_plan.h"

namespace steward {

enum class TypeKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kNumber,
  kString,
  kDate,
  kEnum,
  kList,
  kRecord
};

// The kind's name in dumps and editor hovers: `int`, `string`, `record`.
const char* type_kind_name(TypeKind k);

struct Type;

// A field of a record type. Absent and `null` values of an optional field read as missing;
// a required field that is absent is an input error.
struct FieldType {
  std::string name;
  const Type* type = nullptr;
  bool optional = false;
  bool nonempty = false;  // strings: "" is an input error
  SourceSpan span;
};

// A schema type. Types are owned by their CompiledPack and compared by address.
struct Type {
  TypeKind kind = TypeKind::kNull;
  std::string name;                  // as written in diagnostics: `string`, `Kind`, `[Party]`
  const Type* element = nullptr;     // kList
  std::vector<FieldType> fields;     // kRecord, in declaration order
  std::vector<std::string> members;  // kEnum, in declaration order

  // Index of a field or enum member, or -1.
  int find_field(std::string_view name) const;
  int find_member(std::string_view name) const;
  // Builds the hash index find_field and find_member use for a record's fields or an enum's
  // members, once they are final (the schema pass). Only speed depends on it: without it, or
  // once names were added after it, they scan the names in order.
  void index_names();

  // The index: slots holding a name's position or -1, a power of two of them (at most 2^31,
  // so a 32-bit hash's top bits pick one); how many names it holds.
  std::vector<int32_t> name_slots_;
  size_t names_indexed_ = 0;
  // A record's required fields as bits, for one of at most 64 fields, so that the fast paths
  // check only those at a record's end. Set by index_names; it holds for `required_for_`
  // fields, and a type whose fields.size() differs (never indexed, or grown since) is checked
  // field by field instead.
  uint64_t required_bits_ = 0;
  size_t required_for_ = SIZE_MAX;
};

// Outcomes, ordered from weakest to strongest under the default precedence.
enum class Outcome : uint8_t { kAllow = 0, kNeedsReview = 1, kDeny = 2 };
const char* outcome_name(Outcome o);
bool parse_outcome(std::string_view s, Outcome* out);

// Operations of the flat expression plan. Operands are indices of other plan nodes.
enum class Op : uint8_t {
  kConst,  // a: constant index
  kRoot,   // the document's root record
  kLocal,  // a: local slot (a rule's or quantifier's element)
  kDef,    // a: definition slot
  kField,  // a: record node, b: field index
  kNot,    // a
  kAnd,    // a, b (short-circuit)
  kOr,     // a, b (short-circuit)
  kNeg,    // a
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,        // a, b; missing compares unequal
  kInSet,     // a: value, b: set index, c: enum bitset index or kNone
  kInList,    // a: value, b: list
  kPresent,   // a
  kEmpty,     // a: missing, blank string or empty list
  kCoalesce,  // a, b
  kCount,     // a: list
  kAny,
  kAll,
  kNone,
  kCountWhere,
  kFilter,  // a: list, b: condition, c: local slot
  kAsOf,    // the evaluation date (EvaluationContext::as_of)
  kAdd,     // a + b; type: int, number (c: 1 when an operand is an int), or date (b: days)
  kSub,     // a - b; as kAdd, and date - date: int days
  // String functions. A missing string gives a missing result (lower, length) or false.
  kLower,       // a: ASCII letters lowercased, other characters kept
  kStartsWith,  // a, b
  kEndsWith,    // a, b
  kMatches,     // a: value, b: index into CompiledPack::patterns; the whole value must match
  kLength,      // a: Unicode code points
  kMul,         // a * b; int, or number (c: 1 when an operand is an int)
  kDiv,         // a / b; a number, whatever the operands (c: as kMul)
  kMod,         // a % b; int, the sign of a (as C++)
};

// The op's name in dumps: `const`, `field`, `in_set`, `count_where`.
const char* op_name(Op op);

struct PlanNode;
// The operands of `n` that are other plan nodes (a, then b), for walks over a plan that need
// no operator's meaning (which locals an expression reads, say). Returns how many it wrote.
size_t plan_operands(const PlanNode& n, uint32_t out[2]);

inline constexpr uint32_t kNoIndex = UINT32_MAX;

struct PlanNode {
  Op op = Op::kConst;
  TypeKind type = TypeKind::kNull;  // static type of the result (element type for lists: see elem)
  uint32_t a = 0, b = 0, c = 0;
  const Type* static_type = nullptr;  // for records, lists and enums
  SourceSpan span;
};

struct Constant {
  TypeKind kind = TypeKind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  int32_t date = 0;  // days since 1970-01-01
  uint32_t member = 0;
  std::string s;
};

// A named vocabulary, sorted for binary search.
struct SetPlan {
  std::string name;
  std::vector<std::string> members;
  SourceSpan span;
  // A set from a pack data file with `match: folded`: members are stored folded, and a value
  // is folded the same way (fold_text with `ignore`) before it is looked up.
  bool fold = false;
  std::string ignore;
};

// Where a reason points in the agreement: a key path from the root or from a rule's element.
struct EvidencePlan {
  bool from_local = false;
  uint32_t local = 0;
  std::vector<uint32_t> fields;  // field indices, followed while the value exists
};

struct TemplatePart {
  std::string text;
  uint32_t node = kNoIndex;  // an expression hole, or kNoIndex for text
};

struct DefPlan {
  std::string name;
  uint32_t node = 0;  // the expression
  uint32_t slot = 0;
  SourceSpan span;
};

struct RulePlan {
  std::string id;
  std::string clause;
  std::string citation;
  Outcome outcome = Outcome::kDeny;
  std::vector<std::string> reviewers;  // sorted
  uint32_t condition = 0;
  uint32_t range = kNoIndex;  // a list node when the rule gives one reason per element
  uint32_t local = 0;         // slot of the element when range is set
  std::vector<TemplatePart> message;
  std::vector<EvidencePlan> evidence;
  std::string file;  // policy location, as given to the compiler
  Position position;
  SourceSpan span;
};

// An invariant of the pack (`assert`): wherever `condition` holds, the decision's outcome is
// one of `expect`. Not part of deciding (its condition's nodes are in the plan all the same):
// `steward test` checks it on every test agreement, `steward verify asserts` for every agreement.
struct AssertPlan {
  std::string name;
  uint32_t condition = 0;
  uint8_t expect = 0;  // bit (1 << Outcome) for each outcome allowed
  std::string message;
  std::string file;
  Position position;
  SourceSpan span;
};

struct ClauseInfo {
  std::string id;
  std::string title;
  std::string citation;
  SourceSpan span;
};

struct ReviewerInfo {
  std::string name;
  std::string title;
  SourceSpan span;
};

struct ParamInfo {
  std::string name;
  std::string type;   // int | number | string | bool
  std::string value;  // effective value, as text
  std::string default_value;
  std::string description;
};

// A vertex of the rule graph, exported without Boost types for tools (graph, explain).
struct GraphVertex {
  enum class Kind { kDefinition, kRule, kClause } kind;
  std::string name;
};

// The compiled, immutable pack. Safe to share between threads: evaluation never mutates it.
struct CompiledPack {
  std::string name;
  std::string version;
  std::string description;
  // "sha256:<hex>" of exactly what is evaluated (plan_digest): recorded on every decision,
  // so two decisions with one digest were made by the same rules and parameter values.
  std::string digest;
  // "sha256:<hex>" over the manifest and every module text, in name order (pack_digest): the
  // reviewed text, whatever parameters it is run with.
  std::string source_digest;

  const Type* root = nullptr;
  int id_field = -1;  // root field that identifies a document in decisions, or -1
  // The root field that names a document's format, or -1, and the formats the pack no longer
  // reads, each with the message a document in it gets (`input.format`) instead of decisions:
  // what changed and where the upgrade is described.
  int format_field = -1;
  std::vector<std::pair<std::string, std::string>> retired_formats;

  std::vector<PlanNode> nodes;
  std::vector<Constant> constants;
  std::vector<SetPlan> sets;
  std::vector<std::vector<bool>> enum_bitsets;  // for `enum in set`: one bit per enum member
  std::vector<DefPlan> defs;                    // in evaluation (topological) order
  std::vector<RulePlan> rules;                  // in declaration order
  std::vector<AssertPlan> asserts;              // in declaration order
  std::vector<ClauseInfo> clauses;
  std::vector<ReviewerInfo> reviewers;
  std::vector<ParamInfo> params;
  uint32_t local_slots = 0;
  uint32_t def_slots = 0;

  // Decision combining: outcomes from strongest to weakest; the decision is the first
  // outcome of this list that some firing rule has, else `default_outcome`.
  std::vector<Outcome> precedence{Outcome::kDeny, Outcome::kNeedsReview, Outcome::kAllow};
  Outcome default_outcome = Outcome::kAllow;

  // Worst-case plan steps per document as a polynomial in list sizes (`steward check` prints
  // it), and its value with every list at the loader's default budget of 1,000,000 values.
  std::string cost_formula;
  size_t cost_degree = 0;
  double cost_at_limit = 0;

  // What `steward scan` looks for in data files (the manifest's `scan:`), if the pack says.
  ScanPlan scan;
  // The root field the engine fills with what it observed in the data files sent with a
  // document (the manifest's `observed:`; steward/scan_plan.h, kObservedColumnFields), or -1.
  // A document can never state it itself.
  int observed_field = -1;
  // The lists of approvals that review records stand for when a decision takes its approvals
  // from the archive (the manifest's `approvals:`), each a path of field indexes from the
  // root; every list holds records with `body`, `decision` (an enum with `approved` and
  // `denied`) and `date` (steward/archive.h, load_document's `approvals`).
  std::vector<std::vector<int>> approval_lists;
  // How the pack's published tables are written and protected (the manifest's `tables:`).
  TablePlan tables;
  // Whether `read` tokens see archived agreement text (the manifest's `archive_text: readers`);
  // otherwise only reviewers and admins do, and readers get reasons and metadata.
  bool archive_text_to_readers = false;
  // The patterns of `matches`, RE2 syntax (linear-time matching), each checked when compiled.
  std::vector<std::string> patterns;

  std::vector<GraphVertex> graph_vertices;
  std::vector<std::pair<uint32_t, uint32_t>> graph_edges;  // dependency -> dependent

  // Types are stable in memory (deque) because nodes and fields point at them.
  std::deque<Type> types;
};

}  // namespace steward
