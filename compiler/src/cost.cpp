// The worst-case cost of evaluating a compiled pack on one document, from the plan: the
// language is total, so the number of plan steps is a polynomial in the sizes of the lists the
// pack ranges over.
#include "cost.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace steward::detail {
namespace {

// A polynomial over list sizes: monomial (sorted list names) -> coefficient.
using Poly = std::map<std::vector<std::string>, double>;

void add(Poly& a, const Poly& b) {
  for (const auto& [m, c] : b) a[m] += c;
}

Poly times(const std::string& list, const Poly& p) {
  Poly out;
  for (const auto& [m, c] : p) {
    std::vector<std::string> mm = m;
    mm.push_back(list);
    std::sort(mm.begin(), mm.end());
    out[mm] += c;
  }
  return out;
}

Poly constant(double c) { return Poly{{{}, c}}; }

class CostModel {
 public:
  explicit CostModel(const CompiledPack& pack) : pack_(pack) {}

  // Steps to evaluate `id` once, counting each plan node visited as one step.
  Poly cost(uint32_t id) {
    const PlanNode& n = pack_.nodes[id];
    Poly p = constant(1);
    switch (n.op) {
      case Op::kConst:
      case Op::kAsOf:
      case Op::kRoot:
      case Op::kLocal:
      case Op::kDef:
        return p;
      case Op::kField:
      case Op::kNot:
      case Op::kNeg:
      case Op::kPresent:
      case Op::kEmpty:
      case Op::kCount:
      case Op::kInSet:
      case Op::kLower:
      case Op::kLength:
      case Op::kMatches:
        add(p, cost(n.a));
        return p;
      case Op::kStartsWith:
      case Op::kEndsWith:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod:
        add(p, cost(n.a));
        add(p, cost(n.b));
        return p;
      case Op::kInList: {
        add(p, cost(n.a));
        add(p, cost(n.b));
        add(p, times(list_name(n.b), constant(1)));
        return p;
      }
      case Op::kAny:
      case Op::kAll:
      case Op::kNone:
      case Op::kCountWhere:
      case Op::kFilter: {
        std::string list = list_name(n.a);
        local_lists_[n.c] = list;
        add(p, cost(n.a));
        Poly body = cost(n.b);
        add(body, constant(1));
        add(p, times(list, body));
        return p;
      }
      default:  // binary operators
        add(p, cost(n.a));
        add(p, cost(n.b));
        return p;
    }
  }

  // The name of the document list a list-valued node ranges over.
  std::string list_name(uint32_t id) {
    const PlanNode& n = pack_.nodes[id];
    switch (n.op) {
      case Op::kField:
        return path_of_field(n);
      case Op::kDef:
        for (const auto& d : pack_.defs)
          if (d.slot == n.a) return list_name(d.node);
        return "?";
      case Op::kFilter:
      case Op::kCoalesce:
        return list_name(n.a);
      default:
        return "?";
    }
  }

  std::string list_name_of_record(uint32_t id) {
    const PlanNode& n = pack_.nodes[id];
    if (n.op == Op::kLocal) {
      auto it = local_lists_.find(n.a);
      return it == local_lists_.end() ? "?" : it->second + "[]";
    }
    if (n.op == Op::kField) return path_of_field(n);
    return "?";
  }

  // `data.fields`, or `data.fields[].tags` below a list element.
  std::string path_of_field(const PlanNode& n) {
    const PlanNode& base = pack_.nodes[n.a];
    std::string field = base.static_type && n.b < base.static_type->fields.size()
                            ? base.static_type->fields[n.b].name
                            : "?";
    if (base.op == Op::kRoot) return field;
    return list_name_of_record(n.a) + "." + field;
  }

  void note_local(uint32_t slot, std::string list) { local_lists_[slot] = std::move(list); }

 private:
  const CompiledPack& pack_;
  std::map<uint32_t, std::string> local_lists_;
};

}  // namespace

CostBound cost_bound(const CompiledPack& pack, double max_list) {
  CostModel model(pack);
  Poly total = constant(0);
  for (const auto& d : pack.defs) add(total, model.cost(d.node));
  for (const auto& r : pack.rules) {
    std::string list;
    if (r.range != kNoIndex) {
      list = model.list_name(r.range);
      model.note_local(r.local, list);  // before the condition, for lists nested in the element
    }
    Poly per = model.cost(r.condition);
    for (const auto& part : r.message)
      if (part.node != kNoIndex) add(per, model.cost(part.node));
    add(per, constant(static_cast<double>(1 + r.evidence.size())));
    if (r.range == kNoIndex) {
      add(total, per);
    } else {
      add(total, model.cost(r.range));
      add(total, times(list, per));
    }
  }
  CostBound out;
  std::vector<std::string> terms;
  size_t degree = 0;
  for (const auto& [m, c] : total) {
    if (c == 0) continue;
    degree = std::max(degree, m.size());
    std::string term = fmt::format("{}", c);
    for (const auto& v : m) term += fmt::format("·|{}|", v);
    terms.push_back(term);
    double value = c;
    for (size_t i = 0; i < m.size(); ++i) value *= max_list;
    out.at_limit += value;
  }
  // Constant first, then by degree and name: stable text for golden output.
  out.formula = fmt::format("{}", fmt::join(terms, " + "));
  out.degree = degree;
  return out;
}

}  // namespace steward::detail
