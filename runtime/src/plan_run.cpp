// Interpreting the flat plan as Values (eval), for what the compiled tests (plan_tests.cpp) do
// not cover, and definitions; loops over lists tick the evaluation budget.
#include "plan_run.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>

#include "steward/date.h"
#include "steward/source.h"

namespace steward::detail {

Run::Run(const CompiledPack& pack, const Prepared& prep, const CompiledTests& tests,
         const Document& doc, Frame& frame, uint64_t max_steps, int32_t as_of)
    : as_of_(as_of),
      pack_(pack),
      prep_(prep),
      ct_(tests),
      doc_(doc),
      f_(frame),
      steps_left_(max_steps),
      nodes_(doc.nodes_.data()),
      kids_(doc.children_.data()),
      tests_(tests.tests.data()) {
  // A frame only grows, so one per thread serves every pack it meets.
  if (f_.locals.size() < pack.local_slots) f_.locals.resize(pack.local_slots, kNoIndex);
  if (f_.defs.size() < pack.def_slots) {
    f_.defs.resize(pack.def_slots);
    f_.def_stamp.resize(pack.def_slots, f_.stamp);
  }
  if (f_.filters.size() < prep.filter_count) f_.filters.resize(prep.filter_count);
  locals_ = f_.locals.data();
  defs_ = f_.defs.data();
  def_stamp_ = f_.def_stamp.data();
  // check_document let through only a document whose root is a record of the pack's root type.
  root_kids_ = kids(node(doc_.root())).data();
  // A decision that made many or long strings does not leave them held by the thread.
  constexpr size_t kKeptScratch = 64 * 1024, kKeptStrings = 64;
  if (f_.scratch_bytes > kKeptScratch || f_.scratch.size() > kKeptStrings) f_.scratch.clear();
  for (std::string* buffer : {&f_.fold, &f_.text}) {
    if (buffer->capacity() > kKeptScratch) std::string().swap(*buffer);
  }
  f_.scratch_used = 0;
  f_.scratch_bytes = 0;
  // A new stamp forgets every definition value of the frame's previous decision; when the
  // counter wraps, the stamps are cleared so that no value from 2^32 decisions ago reads as
  // current.
  if (++f_.stamp == 0) {
    std::fill(f_.def_stamp.begin(), f_.def_stamp.end(), 0);
    f_.stamp = 1;
  }
  stamp_ = f_.stamp;
}

// Definitions do not see rule elements (they are declared at the top level), so a value
// computed inside a rule's loop holds for the whole decision.
[[gnu::noinline]] void Run::compute_def(uint32_t slot) {
  uint32_t node = prep_.def_node[slot];
  Value& v = defs_[slot];
  if (ct_.def_bool[slot]) {
    // In place, as in set_node: the bool is read back one byte at a time.
    bool b = eval_bool(node);
    v.kind = TypeKind::kBool;
    v.node = kNoIndex;
    v.type = nullptr;
    v.count = 0;
    v.i = 0;
    v.b = b;
  } else {
    v = eval(node);
  }
  def_stamp_[slot] = stamp_;
}

double Run::as_number(const Value& v) {
  return v.kind == TypeKind::kInt ? static_cast<double>(v.i) : v.d;
}

// -1, 0, 1; both sides present and of comparable kinds (checked at compile time).
int Run::compare(const Value& a, const Value& b, TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
      return a.b == b.b ? 0 : (a.b ? 1 : -1);
    case TypeKind::kInt:
      return a.i == b.i ? 0 : (a.i < b.i ? -1 : 1);
    case TypeKind::kNumber: {
      double x = as_number(a), y = as_number(b);
      return x == y ? 0 : (x < y ? -1 : 1);
    }
    case TypeKind::kDate:
      return a.date == b.date ? 0 : (a.date < b.date ? -1 : 1);
    case TypeKind::kEnum:
      return a.member == b.member ? 0 : (a.member < b.member ? -1 : 1);
    case TypeKind::kString: {
      int c = a.sv().compare(b.sv());
      return c == 0 ? 0 : (c < 0 ? -1 : 1);
    }
    default:
      return 0;
  }
}

// `+` and `-` (the checker admits numbers, date and days, date and date). A result outside
// its type's range (an int past 64 bits, a number past the finite doubles, a date outside the
// years 1-9999) ends the evaluation in an error: wrapping around could turn a deadline long
// past into one far ahead.
namespace {

const char* arith_symbol(Op op) {
  return op == Op::kAdd   ? "+"
         : op == Op::kSub ? "-"
         : op == Op::kMul ? "*"
         : op == Op::kDiv ? "/"
                          : "%";
}

EvaluationError out_of_range(const PlanNode& n) {
  return EvaluationError("eval.range",
                         fmt::format("`{}` in the policy leaves the range of a {} for this "
                                     "document",
                                     arith_symbol(n.op),
                                     n.type == TypeKind::kInt      ? "whole number"
                                     : n.type == TypeKind::kNumber ? "number"
                                                                   : "date (years 1-9999)"));
}

}  // namespace

int32_t Run::shift_date(int32_t date, int64_t days, const PlanNode& n) {
  const int32_t kFirst = first_iso_day(), kLast = last_iso_day();
  // Days beyond the calendar's span cannot land inside it: no overflow below.
  if (days < kFirst - kLast || days > kLast - kFirst) throw out_of_range(n);
  const int64_t d = static_cast<int64_t>(date) + (n.op == Op::kAdd ? days : -days);
  if (d < kFirst || d > kLast) throw out_of_range(n);
  return static_cast<int32_t>(d);
}

Value Run::arith(const PlanNode& n) {
  Value a = eval(n.a), b = eval(n.b);
  if (a.kind == TypeKind::kNull || b.kind == TypeKind::kNull) return Value{};
  const bool add = n.op == Op::kAdd;
  Value v;
  v.kind = n.type;
  // Dividing by zero has no value: an error for this document, never a decision.
  if ((n.op == Op::kDiv || n.op == Op::kMod) &&
      (b.kind == TypeKind::kInt ? b.i == 0 : b.kind == TypeKind::kNumber && b.d == 0))
    throw EvaluationError("eval.range", fmt::format("`{}` in the policy divides by zero for "
                                                    "this document",
                                                    arith_symbol(n.op)));
  switch (n.type) {
    case TypeKind::kInt:
      if (a.kind == TypeKind::kDate) {
        v.i = static_cast<int64_t>(a.date) - b.date;
      } else if (n.op == Op::kMul) {
        if (__builtin_mul_overflow(a.i, b.i, &v.i)) throw out_of_range(n);
      } else if (n.op == Op::kMod) {
        v.i = b.i == -1 ? 0 : a.i % b.i;  // INT64_MIN % -1 overflows in C++
      } else if (add ? __builtin_add_overflow(a.i, b.i, &v.i)
                     : __builtin_sub_overflow(a.i, b.i, &v.i)) {
        throw out_of_range(n);
      }
      return v;
    case TypeKind::kNumber: {
      double x = as_number(a), y = as_number(b);
      v.d = n.op == Op::kMul ? x * y : n.op == Op::kDiv ? x / y : add ? x + y : x - y;
      if (!std::isfinite(v.d)) throw out_of_range(n);
      return v;
    }
    case TypeKind::kDate:
      v.date = shift_date(a.date, b.i, n);
      return v;
    default:
      return Value{};
  }
}

bool Run::in_set(const Value& v, const PlanNode& n) const {
  if (v.kind == TypeKind::kNull) return false;
  if (v.kind == TypeKind::kEnum) return pack_.enum_bitsets[n.c][v.member];
  const SetPlan& set = pack_.sets[n.b];
  if (set.fold) {
    fold_text_into(v.sv(), set.ignore, &f_.fold);
    return prep_.sets[n.b].contains(f_.fold);
  }
  return prep_.sets[n.b].contains(v.sv());
}

// The document node a path expression (root, element, field of a path) denotes, or kNoIndex
// when a step is missing; walking node indices avoids building a Value per step.
uint32_t Run::node_of(uint32_t id) {
  if (prep_.paths[id].begin == kNoIndex) [[unlikely]]
    return node_of_computed(id);
  return path_node(id);
}

// node_of for what is not a flat path: a field of a computed record, a definition.
[[gnu::noinline]] uint32_t Run::node_of_computed(uint32_t id) {
  const PlanNode& n = pack_.nodes[id];
  if (n.op == Op::kField) {
    uint32_t r = node_of(n.a);
    if (r == kNoIndex) return kNoIndex;
    const DocNode& rec = node(r);
    if (rec.kind != TypeKind::kRecord) return kNoIndex;
    return kids(rec)[n.b];
  }
  Value v = eval(id);
  return v.kind == TypeKind::kNull ? kNoIndex : v.node;
}

Value Run::eval(uint32_t id) {
  const PlanNode& n = pack_.nodes[id];
  switch (n.op) {
    case Op::kConst:
      return constant(pack_.constants[n.a]);
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod:
      return arith(n);
    case Op::kAsOf: {
      Value v;
      v.kind = TypeKind::kDate;
      v.date = as_of_;
      return v;
    }
    case Op::kRoot: {
      Value v;
      v.kind = TypeKind::kRecord;
      v.node = doc_.root();
      return v;
    }
    case Op::kLocal: {
      const uint32_t d = locals_[n.a];
      return d == kNoIndex ? Value() : from_node(d);
    }
    case Op::kDef:
      return def(n.a);
    case Op::kField: {
      uint32_t d = node_of(id);
      return d == kNoIndex ? Value() : from_node(d);
    }
    case Op::kNot:
      return boolean(!eval(n.a).b);
    case Op::kAnd:
      return boolean(eval(n.a).b && eval(n.b).b);
    case Op::kOr:
      return boolean(eval(n.a).b || eval(n.b).b);
    case Op::kNeg: {
      Value v = eval(n.a);
      if (v.kind == TypeKind::kInt)
        v.i = -v.i;
      else
        v.d = -v.d;
      v.node = kNoIndex;
      return v;
    }
    case Op::kEq:
    case Op::kNe: {
      Value a = eval(n.a), b = eval(n.b);
      bool eq = a.kind != TypeKind::kNull && b.kind != TypeKind::kNull &&
                compare(a, b, static_cast<TypeKind>(n.c)) == 0;
      return boolean(n.op == Op::kEq ? eq : !eq);
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      Value a = eval(n.a), b = eval(n.b);
      if (a.kind == TypeKind::kNull || b.kind == TypeKind::kNull) return boolean(false);
      int c = compare(a, b, static_cast<TypeKind>(n.c));
      bool r = n.op == Op::kLt   ? c < 0
               : n.op == Op::kLe ? c <= 0
               : n.op == Op::kGt ? c > 0
                                 : c >= 0;
      return boolean(r);
    }
    case Op::kInSet:
      return boolean(in_set(eval(n.a), n));
    case Op::kInList: {
      Value a = eval(n.a);
      if (a.kind == TypeKind::kNull) return boolean(false);
      Value l = eval(n.b);
      TypeKind k = a.kind;
      for (uint32_t i = 0; i < l.count; ++i) {
        tick();
        Value x = from_node(l.items[i]);
        if (x.kind != TypeKind::kNull && compare(a, x, k) == 0) return boolean(true);
      }
      return boolean(false);
    }
    case Op::kPresent:
      return boolean(eval(n.a).kind != TypeKind::kNull);
    case Op::kEmpty: {
      Value v = eval(n.a);
      if (v.kind == TypeKind::kNull) return boolean(true);
      if (v.kind == TypeKind::kString) return boolean(is_blank(v.sv()));
      if (v.kind == TypeKind::kList) return boolean(v.count == 0);
      return boolean(false);
    }
    case Op::kCoalesce: {
      Value v = eval(n.a);
      return v.kind != TypeKind::kNull ? v : eval(n.b);
    }
    case Op::kLower: {
      Value v = eval(n.a);
      if (v.kind == TypeKind::kNull) return v;
      if (f_.scratch_used == f_.scratch.size()) f_.scratch.emplace_back();
      std::string& s = f_.scratch[f_.scratch_used++];
      s.assign(v.sv());
      f_.scratch_bytes += s.capacity();
      for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      v.str = s.data();
      return v;
    }
    case Op::kLength: {
      Value v = eval(n.a);
      if (v.kind == TypeKind::kNull) return v;
      int64_t points = 0;  // UTF-8 (the loader checked it): every byte but continuation bytes
      for (char c : v.sv()) points += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
      Value out;
      out.kind = TypeKind::kInt;
      out.i = points;
      return out;
    }
    case Op::kStartsWith:
    case Op::kEndsWith: {
      Value a = eval(n.a), b = eval(n.b);
      if (a.kind == TypeKind::kNull || b.kind == TypeKind::kNull) return boolean(false);
      return boolean(n.op == Op::kStartsWith ? a.sv().starts_with(b.sv())
                                             : a.sv().ends_with(b.sv()));
    }
    case Op::kMatches: {
      Value a = eval(n.a);
      if (a.kind == TypeKind::kNull) return boolean(false);
      return boolean(re2::RE2::FullMatch(re2::StringPiece(a.str, a.count), *prep_.patterns[n.b]));
    }
    case Op::kCount: {
      Value l = eval(n.a);
      Value v;
      v.kind = TypeKind::kInt;
      v.i = l.count;
      return v;
    }
    case Op::kAny:
    case Op::kAll:
    case Op::kNone:
    case Op::kCountWhere:
    case Op::kFilter: {
      Value l = eval(n.a);
      int64_t hits = 0;
      std::vector<uint32_t>* out = nullptr;
      if (n.op == Op::kFilter) {
        out = &f_.filters[prep_.filter_slot[id]];
        out->clear();
      }
      for (uint32_t i = 0; i < l.count; ++i) {
        tick();
        locals_[n.c] = l.items[i];
        bool c = eval_bool(n.b);
        if (c) {
          ++hits;
          if (out) out->push_back(l.items[i]);
          if (n.op == Op::kAny) return boolean(true);
          if (n.op == Op::kNone) return boolean(false);
        } else if (n.op == Op::kAll) {
          return boolean(false);
        }
      }
      switch (n.op) {
        case Op::kAny:
          return boolean(false);
        case Op::kAll:
        case Op::kNone:
          return boolean(true);
        case Op::kCountWhere: {
          Value v;
          v.kind = TypeKind::kInt;
          v.i = hits;
          return v;
        }
        default: {
          Value v;
          v.kind = TypeKind::kList;
          v.items = out->data();
          v.count = static_cast<uint32_t>(out->size());
          return v;
        }
      }
    }
  }
  return Value();
}

}  // namespace steward::detail
