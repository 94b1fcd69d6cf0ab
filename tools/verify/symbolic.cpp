// The plan's operations as formulas, each with the evaluator's semantics (plan_run.cpp): a
// missing operand makes `==` and every order false and `!=` true, `and`/`or` short-circuit (so an
// error in their right operand counts only where it is evaluated), a missing list is empty.
// Past 600 lines on purpose: one encoder, each operation written beside the others so that
// its reading can be checked against plan_run.cpp in one place.
#include "symbolic.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>

#include "steward/date.h"
#include "steward/source.h"

namespace steward::verify::detail {

void StringTable::add(const std::string& s) {
  if (variables_ > 0 || index_.count(s)) return;
  index_.emplace(s, static_cast<int>(values_.size()));
  values_.push_back(s);
}

void StringTable::seal() { variables_ = static_cast<int>(values_.size()); }

int StringTable::index(const std::string& s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  index_.emplace(s, static_cast<int>(values_.size()));
  values_.push_back(s);
  return static_cast<int>(values_.size()) - 1;
}

namespace {

std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

int64_t code_points(const std::string& s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

std::string number_text(double d) {
  // Exact for every double the loader produces from decimal text.
  std::string s = fmt::format("{:.17g}", d);
  if (s.find_first_of("eE") != std::string::npos) s = fmt::format("{:f}", d);
  return s;
}

}  // namespace

void collect_strings(const CompiledPack& pack, StringTable& t) {
  // Blank and non-blank values no pack names, so that every test of blankness and of equality
  // with a constant can come out either way.
  for (const char* s :
       {"", " ", "\t", "\xC2\xA0", "\xE2\x80\x8B", "steward-verify-a", "steward-verify-b"})
    t.add(s);
  auto spellings = [&](const std::string& s) {
    t.add(s);
    t.add(ascii_upper(s));  // lower() and folded sets can map it back
    t.add(s + "x");         // starts_with, and a value near but not equal to it
    t.add("x" + s);         // ends_with
  };
  for (const auto& c : pack.constants)
    if (c.kind == TypeKind::kString) spellings(c.s);
  for (const auto& set : pack.sets)
    for (const auto& m : set.members) {
      spellings(m);
      if (set.fold) t.add(fmt::format(" {} ", ascii_upper(m)));  // folds to the member
    }
  for (const auto& type : pack.types)
    for (const auto& m : type.members) t.add(m);
  for (const auto& [name, message] : pack.retired_formats) t.add(name);
  // What the pack can tell apart beyond equality. `length(s)` compared with a number: strings of
  // that length and one either side (up to the loader's 1 MiB a value), so that no comparison
  // of a length is decided by the table's short strings alone.
  bool length = false;
  for (const auto& n : pack.nodes) length = length || n.op == Op::kLength;
  if (length) {
    for (const auto& c : pack.constants) {
      if (c.kind != TypeKind::kInt) continue;
      for (int64_t k : {c.i - 1, c.i, c.i + 1})
        if (k >= 0 && k < (int64_t{1} << 20)) t.add(std::string(static_cast<size_t>(k), 'a'));
    }
  }
  // `matches`: a string each pattern matches (the ends of its possible match range, when one
  // of them matches), so that a rule on a pattern is never reported dead for want of one.
  for (const auto& pattern : pack.patterns) {
    re2::RE2::Options o;
    o.set_log_errors(false);
    re2::RE2 re(pattern, o);
    re2::RE2 anchored("^(?:" + pattern + ")$", o);
    bool found = false;
    for (int i = 0; i < t.size() && !found; ++i) found = re2::RE2::FullMatch(t.at(i), re);
    std::string lo, hi;
    if (!found && anchored.ok() && anchored.PossibleMatchRange(&lo, &hi, 256)) {
      for (const std::string& s : {lo, hi}) {
        if (!found && re2::RE2::FullMatch(s, re) && !find_control(s, "\t\n").found() &&
            find_invalid_utf8(s) == std::string::npos) {
          t.add(s);
          found = true;
        }
      }
    }
    if (!found)
      throw Unsupported(fmt::format(
          "pattern `{}`: no string it matches could be built, so rules on it cannot be verified",
          escape_for_display(pattern)));
  }
}

SymDoc::SymDoc(z3::context& ctx, StringTable& strings, const CompiledPack& pack, uint32_t bound,
               bool with_observed)
    : ctx_(ctx), strings_(strings), pack_(pack), bound_(bound), domain_(ctx) {
  build(pack.root, "", false, false);
  // The agreement states its own format: one the pack has retired is an input error.
  if (pack.format_field >= 0) {
    const auto& f = nodes_[0].fields[static_cast<size_t>(pack.format_field)];
    const SymNode& n = nodes_[static_cast<size_t>(f.second)];
    for (const auto& [name, message] : pack.retired_formats)
      domain_.push_back(*n.value != ctx_.int_val(strings_.index(name)));
  }
  // Observed data comes from the files sent with an agreement, never from its text.
  if (pack.observed_field >= 0 && !with_observed) {
    const auto& f = nodes_[0].fields[static_cast<size_t>(pack.observed_field)];
    const SymNode& n = nodes_[static_cast<size_t>(f.second)];
    if (n.present) domain_.push_back(!*n.present);
  }
}

int SymDoc::build(const Type* type, const std::string& path, bool optional, bool nonempty) {
  const int index = static_cast<int>(nodes_.size());
  nodes_.push_back(SymNode{type, path, {}, {}, {}, {}});
  auto name = [&](const char* suffix) { return path + suffix; };
  if (optional) nodes_.back().present = ctx_.bool_const(name("?").c_str());
  switch (type->kind) {
    case TypeKind::kBool:
      nodes_.back().value = ctx_.bool_const(path.c_str());
      break;
    case TypeKind::kInt:
      nodes_.back().value = ctx_.int_const(path.c_str());
      break;
    case TypeKind::kNumber:
      nodes_.back().value = ctx_.real_const(path.c_str());
      break;
    case TypeKind::kDate: {
      z3::expr v = ctx_.int_const(path.c_str());
      domain_.push_back(v >= first_iso_day() && v <= last_iso_day());
      nodes_.back().value = v;
      break;
    }
    case TypeKind::kString: {
      z3::expr v = ctx_.int_const(path.c_str());
      domain_.push_back(v >= 0 && v < strings_.variable_count());
      // A `string+` field refuses blank text (the loader's input.empty).
      if (nonempty)
        for (int i = 0; i < strings_.variable_count(); ++i)
          if (is_blank(strings_.at(i))) domain_.push_back(v != i);
      nodes_.back().value = v;
      break;
    }
    case TypeKind::kEnum: {
      z3::expr v = ctx_.int_const(path.c_str());
      z3::expr_vector any(ctx_);
      for (const auto& m : type->members) any.push_back(v == strings_.index(m));
      domain_.push_back(z3::mk_or(any));
      nodes_.back().value = v;
      break;
    }
    case TypeKind::kList: {
      z3::expr len = ctx_.int_const(name("#").c_str());
      domain_.push_back(len >= (nonempty ? 1 : 0) && len <= static_cast<int>(bound_));
      nodes_.back().value = len;
      for (uint32_t i = 0; i < bound_; ++i) {
        int e = build(type->element, fmt::format("{}[{}]", path, i), false, false);
        nodes_[static_cast<size_t>(index)].elements.push_back(e);
      }
      break;
    }
    case TypeKind::kRecord:
      for (const auto& f : type->fields) {
        int child =
            build(f.type, path.empty() ? f.name : path + "." + f.name, f.optional, f.nonempty);
        nodes_[static_cast<size_t>(index)].fields.emplace_back(f.name, child);
      }
      break;
    case TypeKind::kNull:
      break;
  }
  return index;
}

Encoder::Encoder(z3::context& ctx, StringTable& strings, const SymDoc& doc, z3::expr as_of)
    : ctx_(ctx),
      strings_(strings),
      doc_(doc),
      pack_(doc.pack()),
      as_of_(as_of),
      errors_(ctx.bool_val(false)) {}

void Encoder::unsupported(uint32_t id, const std::string& what) {
  throw Unsupported(fmt::format("{}: `{}` ({}) is not translated for the solver yet", where_,
                                op_name(pack_.nodes[id].op), what));
}

z3::expr Encoder::guarded(const z3::expr& e) {
  z3::expr_vector all(ctx_);
  for (const auto& p : path_) all.push_back(p);
  all.push_back(e);
  return z3::mk_and(all);
}

SymVal Encoder::boolean(z3::expr b) {
  SymVal v(ctx_);
  v.kind = TypeKind::kBool;
  v.def = ctx_.bool_val(true);
  v.v = b;
  return v;
}

SymVal Encoder::missing(TypeKind k) {
  SymVal v(ctx_);
  v.kind = k;
  return v;
}

SymVal Encoder::from_node(int index, z3::expr def) {
  const SymNode& n = doc_.node(index);
  SymVal v(ctx_);
  v.kind = n.type->kind;
  v.type = n.type;
  v.def = n.present ? (def && *n.present) : def;
  v.def = v.def.simplify();
  if (n.type->kind == TypeKind::kRecord) {
    v.node = index;
  } else if (n.type->kind == TypeKind::kList) {
    for (size_t i = 0; i < n.elements.size(); ++i) {
      v.guards.push_back(v.def && *n.value > static_cast<int>(i));
      v.elems.push_back(from_node(n.elements[i], ctx_.bool_val(true)));
    }
  } else {
    v.v = *n.value;
  }
  return v;
}

SymVal Encoder::field(const SymVal& rec, const std::string& name, uint32_t id) {
  if (rec.node < 0) unsupported(id, "a field of a computed record");
  for (const auto& [fname, child] : doc_.node(rec.node).fields)
    if (fname == name) return from_node(child, rec.def);
  unsupported(id, "a field the schema does not have");
}

SymVal Encoder::constant(uint32_t id) {
  const PlanNode& n = pack_.nodes[id];
  const Constant& c = pack_.constants[n.a];
  SymVal v(ctx_);
  v.kind = c.kind;
  v.type = n.static_type;
  v.def = ctx_.bool_val(c.kind != TypeKind::kNull);
  switch (c.kind) {
    case TypeKind::kBool:
      v.v = ctx_.bool_val(c.b);
      break;
    case TypeKind::kInt:
      v.v = ctx_.int_val(static_cast<int64_t>(c.i));
      break;
    case TypeKind::kNumber:
      v.v = ctx_.real_val(number_text(c.d).c_str());
      break;
    case TypeKind::kDate:
      v.v = ctx_.int_val(c.date);
      break;
    case TypeKind::kString:
      v.v = ctx_.int_val(strings_.index(c.s));
      break;
    case TypeKind::kEnum:
      if (!n.static_type || c.member >= n.static_type->members.size())
        unsupported(id, "an enum constant without its type");
      v.v = ctx_.int_val(strings_.index(n.static_type->members[c.member]));
      break;
    default:
      break;
  }
  return v;
}

template <class F>
z3::expr Encoder::string_bool(const z3::expr& s, F f) {
  z3::expr_vector any(ctx_);
  for (int i = 0; i < strings_.size(); ++i)
    if (f(strings_.at(i))) any.push_back(s == i);
  return z3::mk_or(any);
}

z3::expr Encoder::equal(const SymVal& a, const SymVal& b, TypeKind k, uint32_t id) {
  if (!a.v || !b.v) return ctx_.bool_val(false);
  z3::expr x = *a.v, y = *b.v;
  if (k == TypeKind::kNumber) {
    if (x.is_int()) x = z3::to_real(x);
    if (y.is_int()) y = z3::to_real(y);
  }
  if (x.get_sort().sort_kind() != y.get_sort().sort_kind())
    unsupported(id, "a comparison of values of different kinds");
  return a.def && b.def && x == y;
}

z3::expr Encoder::order(const SymVal& a, const SymVal& b, TypeKind k, Op op, uint32_t id) {
  if (!a.v || !b.v) return ctx_.bool_val(false);
  z3::expr x = *a.v, y = *b.v;
  switch (k) {
    case TypeKind::kNumber:
      if (x.is_int()) x = z3::to_real(x);
      if (y.is_int()) y = z3::to_real(y);
      break;
    case TypeKind::kInt:
    case TypeKind::kDate:
      break;
    case TypeKind::kEnum: {
      // Members compare in declaration order: their table indices are mapped to positions.
      const Type* t = a.type ? a.type : b.type;
      if (!t) unsupported(id, "an order of enum values without their type");
      auto position = [&](const z3::expr& e) {
        z3::expr out = ctx_.int_val(-1);
        for (size_t i = 0; i < t->members.size(); ++i)
          out = z3::ite(e == strings_.index(t->members[i]), ctx_.int_val(static_cast<int>(i)), out);
        return out;
      };
      x = position(x);
      y = position(y);
      break;
    }
    case TypeKind::kString: {
      // Strings order by their bytes (as the evaluator's std::string_view::compare): each
      // operand's table index is mapped to its rank among every value the table holds now,
      // which includes every value either operand can take.
      std::vector<int> order(static_cast<size_t>(strings_.size()));
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
      std::sort(order.begin(), order.end(),
                [&](int p, int q) { return strings_.at(p) < strings_.at(q); });
      std::vector<int> rank(order.size());
      for (size_t r = 0; r < order.size(); ++r)
        rank[static_cast<size_t>(order[r])] = static_cast<int>(r);
      auto ranked = [&](const z3::expr& e) {
        z3::expr out = ctx_.int_val(-1);
        for (size_t i = 0; i < rank.size(); ++i)
          out = z3::ite(e == static_cast<int>(i), ctx_.int_val(rank[i]), out);
        return out;
      };
      x = ranked(x);
      y = ranked(y);
      break;
    }
    default:
      unsupported(id, "an order of booleans");
  }
  z3::expr r = op == Op::kLt ? x < y : op == Op::kLe ? x <= y : op == Op::kGt ? x > y : x >= y;
  return a.def && b.def && r;
}

SymVal Encoder::arith(uint32_t id) {
  const PlanNode& n = pack_.nodes[id];
  SymVal a = eval(n.a), b = eval(n.b);
  SymVal out(ctx_);
  out.kind = n.type;
  out.def = a.def && b.def;
  if (!a.v || !b.v) {
    out.def = ctx_.bool_val(false);
    return out;
  }
  z3::expr x = *a.v, y = *b.v;
  if (n.type == TypeKind::kNumber) {
    if (x.is_int()) x = z3::to_real(x);
    if (y.is_int()) y = z3::to_real(y);
  }
  // Dividing by zero ends the evaluation in an error, where the division is evaluated.
  if (n.op == Op::kDiv || n.op == Op::kMod)
    errors_ = errors_ || guarded(out.def && (y.is_int() ? y == 0 : y == ctx_.real_val(0)));
  switch (n.op) {
    case Op::kAdd:
      out.v = x + y;
      break;
    case Op::kSub:
      out.v = x - y;
      break;
    case Op::kMul:
      out.v = x * y;
      break;
    case Op::kDiv:
      out.v = x / y;
      break;
    case Op::kMod: {
      // C++'s `%`: the sign of the dividend; Z3's mod is never negative.
      z3::expr m = z3::ite(y >= 0, y, -y);
      out.v = z3::ite(x >= 0, z3::mod(x, m), -z3::mod(-x, m));
      break;
    }
    default:
      unsupported(id, "arithmetic");
  }
  if (n.type == TypeKind::kDate)
    errors_ = errors_ || guarded(out.def && (*out.v < first_iso_day() || *out.v > last_iso_day()));
  return out;
}

SymVal Encoder::loop(uint32_t id) {
  const PlanNode& n = pack_.nodes[id];
  SymVal list = eval(n.a);
  z3::expr_vector any(ctx_), all(ctx_);
  std::vector<z3::expr> hits;
  SymVal filtered(ctx_);
  filtered.kind = TypeKind::kList;
  filtered.def = list.def;
  filtered.type = n.static_type;
  for (size_t i = 0; i < list.elems.size(); ++i) {
    locals_.at(n.c) = list.elems[i];
    path_.push_back(list.guards[i]);
    z3::expr c = cond(n.b);
    path_.pop_back();
    any.push_back(list.guards[i] && c);
    all.push_back(z3::implies(list.guards[i], c));
    hits.push_back(list.guards[i] && c);
    filtered.guards.push_back(list.guards[i] && c);
    filtered.elems.push_back(list.elems[i]);
  }
  switch (n.op) {
    case Op::kAny:
      return boolean(z3::mk_or(any));
    case Op::kAll:
      return boolean(z3::mk_and(all));
    case Op::kNone:
      return boolean(!z3::mk_or(any));
    case Op::kCountWhere: {
      SymVal v(ctx_);
      v.kind = TypeKind::kInt;
      v.def = ctx_.bool_val(true);
      z3::expr sum = ctx_.int_val(0);
      for (const auto& h : hits) sum = sum + z3::ite(h, ctx_.int_val(1), ctx_.int_val(0));
      v.v = sum;
      return v;
    }
    default:
      return filtered;
  }
}

z3::expr Encoder::cond(uint32_t id) {
  SymVal v = eval(id);
  if (!v.v) return ctx_.bool_val(false);
  if (!v.v->is_bool()) unsupported(id, "a condition that is not a boolean");
  return v.def && *v.v;
}

SymVal Encoder::eval(uint32_t id) {
  const PlanNode& n = pack_.nodes[id];
  switch (n.op) {
    case Op::kConst:
      return constant(id);
    case Op::kRoot:
      return from_node(doc_.root(), ctx_.bool_val(true));
    case Op::kLocal:
      if (n.a >= locals_.size() || !locals_[n.a]) unsupported(id, "a local outside its loop");
      return *locals_[n.a];
    case Op::kDef: {
      auto it = defs_.find(n.a);
      if (it != defs_.end()) return it->second;
      for (const auto& d : pack_.defs) {
        if (d.slot != n.a) continue;
        // A definition is evaluated once, wherever it is first used: its own errors count
        // whenever it is used at all.
        const std::string where = where_;
        std::vector<z3::expr> path;
        path.swap(path_);
        where_ = fmt::format("definition `{}`", d.name);
        SymVal v = eval(d.node);
        path.swap(path_);
        where_ = where;
        return defs_.emplace(n.a, v).first->second;
      }
      unsupported(id, "a definition the pack does not have");
    }
    case Op::kField: {
      SymVal rec = eval(n.a);
      if (rec.kind != TypeKind::kRecord || !rec.type || n.b >= rec.type->fields.size())
        unsupported(id, "a field of something that is not a record");
      return field(rec, rec.type->fields[n.b].name, id);
    }
    case Op::kNot:
      return boolean(!cond(n.a));
    case Op::kAnd:
    case Op::kOr: {
      z3::expr a = cond(n.a);
      path_.push_back(n.op == Op::kAnd ? a : !a);
      z3::expr b = cond(n.b);
      path_.pop_back();
      return boolean(n.op == Op::kAnd ? (a && b) : (a || b));
    }
    case Op::kNeg: {
      SymVal v = eval(n.a);
      if (v.v) v.v = -*v.v;
      return v;
    }
    case Op::kEq:
    case Op::kNe: {
      z3::expr eq = equal(eval(n.a), eval(n.b), static_cast<TypeKind>(n.c), id);
      return boolean(n.op == Op::kEq ? eq : !eq);
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return boolean(order(eval(n.a), eval(n.b), static_cast<TypeKind>(n.c), n.op, id));
    case Op::kInSet: {
      SymVal a = eval(n.a);
      if (!a.v) return boolean(ctx_.bool_val(false));
      const SetPlan& set = pack_.sets[n.b];
      z3::expr in(ctx_);
      if (a.kind == TypeKind::kEnum) {
        if (!a.type || n.c == kNoIndex) unsupported(id, "an enum set without its members");
        const auto& bits = pack_.enum_bitsets[n.c];
        z3::expr_vector any(ctx_);
        for (size_t i = 0; i < bits.size() && i < a.type->members.size(); ++i)
          if (bits[i]) any.push_back(*a.v == strings_.index(a.type->members[i]));
        in = z3::mk_or(any);
      } else {
        in = string_bool(*a.v, [&](const std::string& s) {
          const std::string key = set.fold ? fold_text(s, set.ignore) : s;
          return std::binary_search(set.members.begin(), set.members.end(), key);
        });
      }
      return boolean(a.def && in);
    }
    case Op::kInList: {
      SymVal a = eval(n.a);
      SymVal list = eval(n.b);
      z3::expr_vector any(ctx_);
      for (size_t i = 0; i < list.elems.size(); ++i)
        any.push_back(list.guards[i] && equal(a, list.elems[i], a.kind, id));
      return boolean(a.def && z3::mk_or(any));
    }
    case Op::kPresent:
      return boolean(eval(n.a).def);
    case Op::kEmpty: {
      SymVal v = eval(n.a);
      z3::expr empty = ctx_.bool_val(false);
      if (v.kind == TypeKind::kString && v.v) {
        empty = string_bool(*v.v, [](const std::string& s) { return is_blank(s); });
      } else if (v.kind == TypeKind::kList) {
        z3::expr_vector any(ctx_);
        for (const auto& g : v.guards) any.push_back(g);
        empty = !z3::mk_or(any);
      }
      return boolean(!v.def || empty);
    }
    case Op::kCoalesce: {
      SymVal a = eval(n.a);
      path_.push_back(!a.def);
      SymVal b = eval(n.b);
      path_.pop_back();
      if (!a.v || !b.v) unsupported(id, "`??` of records or lists");
      SymVal out = a;
      out.def = a.def || b.def;
      out.v = z3::ite(a.def, *a.v, *b.v);
      return out;
    }
    case Op::kCount: {
      SymVal list = eval(n.a);
      SymVal v(ctx_);
      v.kind = TypeKind::kInt;
      v.def = ctx_.bool_val(true);
      z3::expr sum = ctx_.int_val(0);
      for (const auto& g : list.guards) sum = sum + z3::ite(g, ctx_.int_val(1), ctx_.int_val(0));
      v.v = sum;
      return v;
    }
    case Op::kAny:
    case Op::kAll:
    case Op::kNone:
    case Op::kCountWhere:
    case Op::kFilter:
      return loop(id);
    case Op::kAsOf: {
      SymVal v(ctx_);
      v.kind = TypeKind::kDate;
      v.def = ctx_.bool_val(true);
      v.v = as_of_;
      return v;
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod:
      return arith(id);
    case Op::kLower:
    case Op::kLength: {
      SymVal a = eval(n.a);
      if (!a.v) return a;
      // Every table value is mapped once; lower() interns its results as new values.
      const int count = strings_.size();
      SymVal out = a;
      out.kind = n.op == Op::kLower ? TypeKind::kString : TypeKind::kInt;
      out.type = nullptr;
      z3::expr e = n.op == Op::kLower ? *a.v : ctx_.int_val(0);
      for (int i = 0; i < count; ++i) {
        const std::string s = strings_.at(i);
        z3::expr r = n.op == Op::kLower ? ctx_.int_val(strings_.index(ascii_lower(s)))
                                        : ctx_.int_val(static_cast<int64_t>(code_points(s)));
        e = z3::ite(*a.v == i, r, e);
      }
      out.v = e;
      return out;
    }
    case Op::kStartsWith:
    case Op::kEndsWith: {
      SymVal a = eval(n.a), b = eval(n.b);
      if (!a.v || !b.v) return boolean(ctx_.bool_val(false));
      auto test = [&](const std::string& x, const std::string& y) {
        return n.op == Op::kStartsWith ? std::string_view(x).starts_with(y)
                                       : std::string_view(x).ends_with(y);
      };
      z3::expr_vector any(ctx_);
      const int count = strings_.size();
      for (int i = 0; i < count; ++i)
        for (int j = 0; j < count; ++j)
          if (test(strings_.at(i), strings_.at(j))) any.push_back(*a.v == i && *b.v == j);
      return boolean(a.def && b.def && z3::mk_or(any));
    }
    case Op::kMatches: {
      SymVal a = eval(n.a);
      if (!a.v) return boolean(ctx_.bool_val(false));
      re2::RE2::Options o;
      o.set_log_errors(false);
      re2::RE2 re(pack_.patterns.at(n.b), o);
      if (!re.ok()) unsupported(id, "a pattern RE2 refuses");
      z3::expr in =
          string_bool(*a.v, [&](const std::string& s) { return re2::RE2::FullMatch(s, re); });
      return boolean(a.def && in);
    }
  }
  unsupported(id, "an operation");
}

z3::expr Encoder::condition(uint32_t node, const std::string& where) {
  where_ = where;
  if (locals_.size() < pack_.local_slots) locals_.resize(pack_.local_slots);
  path_.clear();
  return cond(node);
}

SymDecision Encoder::decide() {
  SymDecision out;
  locals_.assign(pack_.local_slots, std::nullopt);
  const z3::expr zero = ctx_.bool_val(false);
  std::map<Outcome, z3::expr_vector> by_outcome;
  for (const RulePlan& r : pack_.rules) {
    where_ = fmt::format("rule `{}` ({}:{})", r.id, r.file, r.position.line);
    z3::expr fired = zero;
    if (r.range == kNoIndex) {
      fired = cond(r.condition);
    } else {
      SymVal list = eval(r.range);
      z3::expr_vector any(ctx_);
      for (size_t i = 0; i < list.elems.size(); ++i) {
        locals_.at(r.local) = list.elems[i];
        path_.push_back(list.guards[i]);
        any.push_back(list.guards[i] && cond(r.condition));
        path_.pop_back();
      }
      fired = z3::mk_or(any);
    }
    out.fired.push_back(fired);
    by_outcome.try_emplace(r.outcome, ctx_).first->second.push_back(fired);
  }
  z3::expr outcome = ctx_.int_val(static_cast<int>(pack_.default_outcome));
  for (auto it = pack_.precedence.rbegin(); it != pack_.precedence.rend(); ++it) {
    auto found = by_outcome.find(*it);
    if (found == by_outcome.end()) continue;
    outcome = z3::ite(z3::mk_or(found->second), ctx_.int_val(static_cast<int>(*it)), outcome);
  }
  out.outcome = outcome;
  out.error = errors_;
  return out;
}

}  // namespace steward::verify::detail
