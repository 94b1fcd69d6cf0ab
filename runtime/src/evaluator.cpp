// The evaluator: runs the flat plan over a document and assembles the decision.
#include "steward/evaluator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>

#include "steward/date.h"
#include "steward/source.h"

namespace steward {
namespace {

// A runtime value. `node` is the document position it came from (kNoIndex for constants and
// computed values), which evidence and messages use.
struct Value {
  TypeKind kind = TypeKind::kNull;  // kNull: missing
  uint32_t node = kNoIndex;
  uint32_t count = 0;  // lists: items; strings: bytes
  union {
    bool b;
    int64_t i;
    double d;
    int32_t date;
    uint32_t member;
    const char* str;
    const uint32_t* items;  // lists: document node ids
  };
  const Type* type = nullptr;

  Value() : i(0) {}
  std::string_view sv() const { return {str, count}; }
};
static_assert(sizeof(Value) <= 32, "Value is copied on every step of evaluation: keep it small");

// Where a fired reason sorts: strongest outcome first, then clause, rule and evidence
// position, then firing order (so the sort needs no stability and no buffer).
struct FiredKey {
  size_t rank;
  const std::string* clause;
  size_t rule;
  uint32_t line, column;
  uint32_t index;  // into Frame::fired
  bool operator<(const FiredKey& o) const {
    if (rank != o.rank) return rank < o.rank;
    if (int c = clause->compare(*o.clause)) return c < 0;
    return std::tie(rule, line, column, index) < std::tie(o.rule, o.line, o.column, o.index);
  }
};

// Scratch state, one per thread, reused across decisions: evaluation allocates only its output.
struct Frame {
  std::vector<Value> locals;
  std::vector<Value> defs;
  std::vector<std::vector<uint32_t>> filters;
  std::vector<Reason> fired;
  std::vector<FiredKey> keys;
};

class Run {
 public:
  Run(const CompiledPack& pack, const Document& doc, const std::vector<uint32_t>& filter_slot,
      const detail::FlatPath* paths, const uint32_t* path_steps, Frame& frame, uint64_t max_steps,
      int32_t as_of)
      : as_of_(as_of),
        pack_(pack),
        doc_(doc),
        filter_slot_(filter_slot),
        paths_(paths),
        path_steps_(path_steps),
        f_(frame),
        steps_left_(max_steps) {}

  // One step of a loop over a list (quantifiers, membership, a rule's elements): the only
  // work that grows faster than the document. Past the budget the evaluation ends in an
  // error, never in a decision.
  void tick() {
    if (steps_left_-- == 0) throw EvaluationBudgetExceeded();
  }

  Value from_node(uint32_t id) const {
    const DocNode& n = doc_.node(id);
    Value v;
    v.kind = n.kind;
    v.node = id;
    v.type = n.type;
    switch (n.kind) {
      case TypeKind::kBool:
        v.b = n.b;
        break;
      case TypeKind::kInt:
        v.i = n.i;
        break;
      case TypeKind::kNumber:
        v.d = n.d;
        break;
      case TypeKind::kDate:
        v.date = n.date;
        break;
      case TypeKind::kEnum:
        v.member = n.member;
        break;
      case TypeKind::kString:
        v.str = doc_.string(n).data();
        v.count = n.size;
        break;
      case TypeKind::kList: {
        auto c = doc_.children(n);
        v.items = c.data();
        v.count = static_cast<uint32_t>(c.size());
        break;
      }
      default:
        break;
    }
    return v;
  }

  static Value boolean(bool b) {
    Value v;
    v.kind = TypeKind::kBool;
    v.b = b;
    return v;
  }

  Value constant(const Constant& c) const {
    Value v;
    v.kind = c.kind;
    switch (c.kind) {
      case TypeKind::kBool:
        v.b = c.b;
        break;
      case TypeKind::kInt:
        v.i = c.i;
        break;
      case TypeKind::kNumber:
        v.d = c.d;
        break;
      case TypeKind::kDate:
        v.date = c.date;
        break;
      case TypeKind::kEnum:
        v.member = c.member;
        break;
      case TypeKind::kString:
        v.str = c.s.data();
        v.count = static_cast<uint32_t>(c.s.size());
        break;
      default:
        break;
    }
    return v;
  }

  static double as_number(const Value& v) {
    return v.kind == TypeKind::kInt ? static_cast<double>(v.i) : v.d;
  }

  // -1, 0, 1; both sides present and of comparable kinds (checked at compile time).
  static int compare(const Value& a, const Value& b, TypeKind k) {
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

  static bool blank(std::string_view s) { return is_blank(s); }

  // `+` and `-` (the checker admits numbers, date and days, date and date). A result outside
  // its type's range (an int past 64 bits, a number past the finite doubles, a date outside the
  // years 1-9999) ends the evaluation in an error: wrapping around could turn a deadline long
  // past into one far ahead.
  Value arith(const PlanNode& n) {
    Value a = eval(n.a), b = eval(n.b);
    if (a.kind == TypeKind::kNull || b.kind == TypeKind::kNull) return Value{};
    const bool add = n.op == Op::kAdd;
    Value v;
    v.kind = n.type;
    auto out_of_range = [&] {
      return EvaluationError("eval.range",
                             fmt::format("`{}` in the policy leaves the range of a {} for this "
                                         "document",
                                         add ? "+" : "-",
                                         n.type == TypeKind::kInt      ? "whole number"
                                         : n.type == TypeKind::kNumber ? "number"
                                                                       : "date (years 1-9999)"));
    };
    switch (n.type) {
      case TypeKind::kInt:
        if (a.kind == TypeKind::kDate) {
          v.i = static_cast<int64_t>(a.date) - b.date;
        } else if (add ? __builtin_add_overflow(a.i, b.i, &v.i)
                       : __builtin_sub_overflow(a.i, b.i, &v.i)) {
          throw out_of_range();
        }
        return v;
      case TypeKind::kNumber: {
        double x = as_number(a), y = as_number(b);
        v.d = add ? x + y : x - y;
        if (!std::isfinite(v.d)) throw out_of_range();
        return v;
      }
      case TypeKind::kDate: {
        static const int32_t kFirst = first_day(), kLast = last_day();
        // Days beyond the calendar's span cannot land inside it: no overflow below.
        if (b.i < kFirst - kLast || b.i > kLast - kFirst) throw out_of_range();
        int64_t d = static_cast<int64_t>(a.date) + (add ? b.i : -b.i);
        if (d < kFirst || d > kLast) throw out_of_range();
        v.date = static_cast<int32_t>(d);
        return v;
      }
      default:
        return Value{};
    }
  }

  static int32_t first_day() {
    int32_t d = 0;
    parse_iso_date("0001-01-01", &d);
    return d;
  }
  static int32_t last_day() {
    int32_t d = 0;
    parse_iso_date("9999-12-31", &d);
    return d;
  }

  bool in_set(const Value& v, const PlanNode& n) const {
    if (v.kind == TypeKind::kNull) return false;
    if (v.kind == TypeKind::kEnum) return pack_.enum_bitsets[n.c][v.member];
    const auto& m = pack_.sets[n.b].members;
    return std::binary_search(m.begin(), m.end(), v.sv(), [](const auto& x, const auto& y) {
      return std::string_view(x) < std::string_view(y);
    });
  }

  // The document node a path expression (root, element, field of a path) denotes, or kNoIndex
  // when a step is missing; walking node indices avoids building a Value per step.
  uint32_t node_of(uint32_t id) {
    const detail::FlatPath& p = paths_[id];
    if (p.begin == kNoIndex) [[unlikely]]
      return node_of_computed(id);
    uint32_t cur = p.base == kNoIndex ? doc_.root() : f_.locals[p.base].node;
    const uint32_t* step = path_steps_ + p.begin;
    for (const uint32_t* end = step + p.length; step != end; ++step) {
      if (cur == kNoIndex) return kNoIndex;
      const DocNode& rec = doc_.node(cur);
      if (rec.kind != TypeKind::kRecord) return kNoIndex;
      cur = doc_.children(rec)[*step];
    }
    return cur;
  }

  // node_of for what is not a flat path: a field of a computed record, a definition.
  [[gnu::noinline]] uint32_t node_of_computed(uint32_t id) {
    const PlanNode& n = pack_.nodes[id];
    if (n.op == Op::kField) {
      uint32_t r = node_of(n.a);
      if (r == kNoIndex) return kNoIndex;
      const DocNode& rec = doc_.node(r);
      if (rec.kind != TypeKind::kRecord) return kNoIndex;
      return doc_.children(rec)[n.b];
    }
    Value v = eval(id);
    return v.kind == TypeKind::kNull ? kNoIndex : v.node;
  }

  // A node whose value is a document position node_of finds without evaluating anything.
  bool is_path(uint32_t id) const { return paths_[id].begin != kNoIndex; }

  // Conditions are most of the plan: evaluate them to a bool without building Values.
  bool eval_bool(uint32_t id) {
    const PlanNode& n = pack_.nodes[id];
    switch (n.op) {
      case Op::kNot:
        return !eval_bool(n.a);
      case Op::kAnd:
        return eval_bool(n.a) && eval_bool(n.b);
      case Op::kOr:
        return eval_bool(n.a) || eval_bool(n.b);
      case Op::kDef:
        return f_.defs[n.a].b;
      case Op::kPresent:
        if (is_path(n.a)) {
          uint32_t d = node_of(n.a);
          return d != kNoIndex && doc_.node(d).kind != TypeKind::kNull;
        }
        return eval(id).b;
      case Op::kEq:
      case Op::kNe: {
        // The common case: a path compared with an enum constant.
        const PlanNode& b = pack_.nodes[n.b];
        if (is_path(n.a) && b.op == Op::kConst) {
          const Constant& c = pack_.constants[b.a];
          if (c.kind == TypeKind::kEnum || c.kind == TypeKind::kBool) {
            uint32_t d = node_of(n.a);
            bool eq = false;
            if (d != kNoIndex) {
              const DocNode& dn = doc_.node(d);
              eq = dn.kind == c.kind &&
                   (c.kind == TypeKind::kEnum ? dn.member == c.member : dn.b == c.b);
            }
            return n.op == Op::kEq ? eq : !eq;
          }
        }
        return eval(id).b;
      }
      case Op::kEmpty:
        if (is_path(n.a)) {
          uint32_t d = node_of(n.a);
          if (d == kNoIndex) return true;
          const DocNode& dn = doc_.node(d);
          switch (dn.kind) {
            case TypeKind::kNull:
              return true;
            case TypeKind::kString:
              return blank(doc_.string(dn));
            case TypeKind::kList:
              return doc_.children(dn).empty();
            default:
              return false;
          }
        }
        return eval(id).b;
      case Op::kAny:
      case Op::kAll:
      case Op::kNone: {
        // Quantifiers are conditions: loop here rather than through a Value.
        const uint32_t* items = nullptr;
        uint32_t count = 0;
        if (is_path(n.a)) {
          uint32_t d = node_of(n.a);
          if (d != kNoIndex && doc_.node(d).kind == TypeKind::kList) {
            auto c = doc_.children(doc_.node(d));
            items = c.data();
            count = static_cast<uint32_t>(c.size());
          }
        } else {
          Value l = eval(n.a);
          items = l.items;
          count = l.count;
        }
        for (uint32_t i = 0; i < count; ++i) {
          tick();
          f_.locals[n.c] = from_node(items[i]);
          bool c = eval_bool(n.b);
          if (n.op == Op::kAny && c) return true;
          if (n.op == Op::kAll && !c) return false;
          if (n.op == Op::kNone && c) return false;
        }
        return n.op != Op::kAny;
      }
      case Op::kInSet:
        if (is_path(n.a)) {
          uint32_t d = node_of(n.a);
          if (d == kNoIndex) return false;
          const DocNode& dn = doc_.node(d);
          if (dn.kind == TypeKind::kEnum) return pack_.enum_bitsets[n.c][dn.member];
        }
        return eval(id).b;
      default:
        return eval(id).b;
    }
  }

  Value eval(uint32_t id) {
    const PlanNode& n = pack_.nodes[id];
    switch (n.op) {
      case Op::kConst:
        return constant(pack_.constants[n.a]);
      case Op::kAdd:
      case Op::kSub:
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
      case Op::kLocal:
        return f_.locals[n.a];
      case Op::kDef:
        return f_.defs[n.a];
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
        if (v.kind == TypeKind::kString) return boolean(blank(v.sv()));
        if (v.kind == TypeKind::kList) return boolean(v.count == 0);
        return boolean(false);
      }
      case Op::kCoalesce: {
        Value v = eval(n.a);
        return v.kind != TypeKind::kNull ? v : eval(n.b);
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
          out = &f_.filters[filter_slot_[id]];
          out->clear();
        }
        for (uint32_t i = 0; i < l.count; ++i) {
          tick();
          f_.locals[n.c] = from_node(l.items[i]);
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

  std::string text(const Value& v) {
    std::string out;
    append_text(out, v);
    return out;
  }

  // Appends a value as messages show it; in place, since messages are built on every reason.
  void append_text(std::string& out, const Value& v) {
    switch (v.kind) {
      case TypeKind::kNull:
        out += "(missing)";
        return;
      case TypeKind::kBool:
        out += v.b ? "true" : "false";
        return;
      case TypeKind::kInt: {
        fmt::format_int digits(v.i);
        out.append(digits.data(), digits.size());
        return;
      }
      case TypeKind::kNumber:
        fmt::format_to(std::back_inserter(out), "{}", v.d);
        return;
      case TypeKind::kDate:
        out += format_iso_date(v.date);
        return;
      case TypeKind::kString:
        out += v.sv();
        return;
      case TypeKind::kEnum: {
        const Type* t = v.type;
        if (!t && v.node != kNoIndex) t = doc_.node(v.node).type;
        if (t && v.member < t->members.size())
          out += t->members[v.member];
        else
          fmt::format_to(std::back_inserter(out), "#{}", v.member);
        return;
      }
      case TypeKind::kList:
        for (uint32_t i = 0; i < v.count; ++i) {
          if (i) out += ", ";
          append_text(out, from_node(v.items[i]));
        }
        return;
      default:
        out += "(record)";
        return;
    }
  }

  std::string message(const RulePlan& r) {
    std::string out;
    out.reserve(128);
    for (const auto& p : r.message) {
      if (p.node == kNoIndex) {
        out += p.text;
      } else {
        Value v = eval(p.node);
        if (v.kind == TypeKind::kEnum && !v.type) v.type = pack_.nodes[p.node].static_type;
        append_text(out, v);
      }
    }
    return out;
  }

  // A value as explain shows it: strings quoted, lists bracketed.
  std::string show(const Value& v) {
    if (v.kind == TypeKind::kString) return fmt::format("\"{}\"", v.sv());
    if (v.kind == TypeKind::kList) return fmt::format("[{}]", text(v));
    return text(v);
  }

  std::string show_node(uint32_t node) {
    Value v = eval(node);
    if (v.kind == TypeKind::kEnum && !v.type) v.type = pack_.nodes[node].static_type;
    return show(v);
  }

  // The maximal operands of and/or below `node`, in source order.
  void parts(uint32_t node, std::vector<uint32_t>& out) const {
    const PlanNode& n = pack_.nodes[node];
    if (n.op == Op::kAnd || n.op == Op::kOr) {
      parts(n.a, out);
      parts(n.b, out);
    } else {
      out.push_back(node);
    }
  }

  Evidence evidence(const EvidencePlan& e) {
    uint32_t cur = e.from_local ? f_.locals[e.local].node : doc_.root();
    if (cur == kNoIndex) cur = doc_.root();
    for (uint32_t field : e.fields) {
      const DocNode& n = doc_.node(cur);
      if (n.kind != TypeKind::kRecord) break;
      uint32_t next = doc_.children(n)[field];
      if (doc_.node(next).kind == TypeKind::kNull) break;  // point at the nearest key that exists
      cur = next;
    }
    const DocNode& n = doc_.node(cur);
    return {doc_.path(cur), n.line, n.column};
  }

 private:
  const int32_t as_of_;
  const CompiledPack& pack_;
  const Document& doc_;
  const std::vector<uint32_t>& filter_slot_;
  const detail::FlatPath* paths_;
  const uint32_t* path_steps_;
  Frame& f_;
  uint64_t steps_left_;
};

// Operators whose result is never missing.
bool always_bool(Op op) {
  switch (op) {
    case Op::kNot:
    case Op::kAnd:
    case Op::kOr:
    case Op::kEq:
    case Op::kNe:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
    case Op::kInSet:
    case Op::kInList:
    case Op::kPresent:
    case Op::kEmpty:
    case Op::kAny:
    case Op::kAll:
    case Op::kNone:
      return true;
    default:
      return false;
  }
}

}  // namespace

Evaluator::Evaluator(std::shared_ptr<const CompiledPack> pack, uint64_t max_steps)
    : pack_(std::move(pack)), max_steps_(max_steps) {
  const auto& nodes = pack_->nodes;
  filter_slot_.assign(nodes.size(), kNoIndex);
  paths_.assign(nodes.size(), detail::FlatPath{});
  std::vector<uint32_t> steps;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].op == Op::kFilter) filter_slot_[i] = filter_count_++;
    Op op = nodes[i].op;
    if (op != Op::kField && op != Op::kRoot && op != Op::kLocal) continue;
    steps.clear();
    uint32_t cur = static_cast<uint32_t>(i);
    while (nodes[cur].op == Op::kField) {
      steps.push_back(nodes[cur].b);
      cur = nodes[cur].a;
    }
    if (nodes[cur].op != Op::kRoot && nodes[cur].op != Op::kLocal) continue;
    detail::FlatPath& p = paths_[i];
    p.base = nodes[cur].op == Op::kRoot ? kNoIndex : nodes[cur].a;
    p.begin = static_cast<uint32_t>(path_steps_.size());
    p.length = static_cast<uint32_t>(steps.size());
    path_steps_.insert(path_steps_.end(), steps.rbegin(), steps.rend());
  }
}

Trace Evaluator::explain(const Document& doc, const SourceMap& sources,
                         const EvaluationContext& context) const {
  const CompiledPack& pack = *pack_;
  Trace trace;
  trace.decision = evaluate(doc, context);
  Frame frame;
  frame.locals.resize(pack.local_slots);
  frame.defs.resize(pack.def_slots);
  frame.filters.resize(filter_count_);
  Run run(pack, doc, filter_slot_, paths_.data(), path_steps_.data(), frame, max_steps_,
          context.as_of);
  for (const auto& d : pack.defs) {
    frame.defs[d.slot] = run.eval(d.node);
    trace.definitions.push_back(
        {d.name, sources.text_of(pack.nodes[d.node].span), run.show_node(d.node)});
  }
  for (const auto& r : pack.rules) {
    auto record = [&](std::string element) {
      TraceRule tr;
      tr.id = r.id;
      tr.clause = r.clause;
      tr.outcome = r.outcome;
      tr.element = std::move(element);
      tr.condition = sources.text_of(pack.nodes[r.condition].span);
      tr.fired = run.eval(r.condition).b;
      std::vector<uint32_t> leaves;
      run.parts(r.condition, leaves);
      for (uint32_t leaf : leaves) {
        tr.parts.push_back({sources.text_of(pack.nodes[leaf].span), run.show_node(leaf)});
      }
      if (tr.fired) tr.message = run.message(r);
      trace.rules.push_back(std::move(tr));
    };
    if (r.range == kNoIndex) {
      record("");
      continue;
    }
    Value list = run.eval(r.range);
    if (list.count == 0) {
      TraceRule tr;
      tr.id = r.id;
      tr.clause = r.clause;
      tr.outcome = r.outcome;
      tr.condition =
          fmt::format("(no elements in `{}`)", sources.text_of(pack.nodes[r.range].span));
      trace.rules.push_back(std::move(tr));
    }
    for (uint32_t i = 0; i < list.count; ++i) {
      frame.locals[r.local] = run.from_node(list.items[i]);
      record(doc.path(list.items[i]));
    }
  }
  return trace;
}

Decision Evaluator::evaluate(const Document& doc, const EvaluationContext& context) const {
  const CompiledPack& pack = *pack_;
  // One scratch frame per thread, reused across decisions (and across packs: it only grows),
  // so evaluation allocates nothing but the decision it returns.
  thread_local Frame frame;
  if (frame.locals.size() < pack.local_slots) frame.locals.resize(pack.local_slots);
  if (frame.defs.size() < pack.def_slots) frame.defs.resize(pack.def_slots);
  if (frame.filters.size() < filter_count_) frame.filters.resize(filter_count_);
  Run run(pack, doc, filter_slot_, paths_.data(), path_steps_.data(), frame, max_steps_,
          context.as_of);
  for (const auto& d : pack.defs) {
    // Most definitions are conditions: the bool path avoids building Values. Only operators
    // that always yield a bool qualify; a bool-typed path may be missing, which is not false.
    frame.defs[d.slot] =
        always_bool(pack.nodes[d.node].op) ? Run::boolean(run.eval_bool(d.node)) : run.eval(d.node);
  }

  Decision out;
  out.agreement = doc.id();
  out.file = doc.file();
  out.policy = {pack.name, pack.version, pack.digest};
  out.as_of = context.as_of;
  frame.fired.clear();
  frame.keys.clear();
  auto rank = [&](Outcome o) {
    auto it = std::find(pack.precedence.begin(), pack.precedence.end(), o);
    return static_cast<size_t>(it - pack.precedence.begin());
  };
  for (size_t ri = 0; ri < pack.rules.size(); ++ri) {
    const RulePlan& r = pack.rules[ri];
    auto fire = [&] {
      Reason& reason = frame.fired.emplace_back();
      reason.outcome = r.outcome;
      reason.clause = r.clause;
      reason.rule = r.id;
      reason.citation = r.citation;
      reason.reviewers = r.reviewers;
      reason.message = run.message(r);
      reason.evidence.reserve(r.evidence.size());
      for (const auto& e : r.evidence) reason.evidence.push_back(run.evidence(e));
      reason.policy_file = r.file;
      reason.policy_position = r.position;
      uint32_t line = reason.evidence.empty() ? 0 : reason.evidence[0].line;
      uint32_t column = reason.evidence.empty() ? 0 : reason.evidence[0].column;
      frame.keys.push_back({rank(r.outcome), &r.clause, ri, line, column,
                            static_cast<uint32_t>(frame.fired.size() - 1)});
    };
    if (r.range == kNoIndex) {
      if (run.eval_bool(r.condition)) fire();
      continue;
    }
    Value list = run.eval(r.range);
    for (uint32_t i = 0; i < list.count; ++i) {
      run.tick();
      frame.locals[r.local] = run.from_node(list.items[i]);
      if (run.eval_bool(r.condition)) fire();
    }
  }
  // Stable bytes: the order of FiredKey, and one reason per rule, message and position.
  std::sort(frame.keys.begin(), frame.keys.end());
  out.reasons.reserve(frame.keys.size());
  const FiredKey* prev = nullptr;
  for (const FiredKey& k : frame.keys) {
    Reason& reason = frame.fired[k.index];
    if (prev && prev->rule == k.rule && prev->line == k.line && prev->column == k.column &&
        out.reasons.back().message == reason.message)
      continue;
    out.reasons.push_back(std::move(reason));
    prev = &k;
  }
  out.outcome = pack.default_outcome;
  for (Outcome o : pack.precedence) {
    if (std::any_of(out.reasons.begin(), out.reasons.end(),
                    [&](const Reason& r) { return r.outcome == o; })) {
      out.outcome = o;
      break;
    }
  }
  for (const auto& r : out.reasons)
    out.reviewers.insert(out.reviewers.end(), r.reviewers.begin(), r.reviewers.end());
  std::sort(out.reviewers.begin(), out.reviewers.end());
  out.reviewers.erase(std::unique(out.reviewers.begin(), out.reviewers.end()), out.reviewers.end());
  return out;
}

}  // namespace steward
