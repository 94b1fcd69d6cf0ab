// What a firing rule says: its message with the values written in, where its evidence points
// in the agreement, and values as explain shows them.
#include <fmt/format.h>

#include "plan_run.h"
#include "steward/date.h"

namespace steward::detail {

std::string Run::text(const Value& v) {
  std::string out;
  append_text(out, v);
  return out;
}

// Appends a value as messages show it; in place, since messages are built on every reason.
void Run::append_text(std::string& out, const Value& v) {
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

std::string Run::message(const RulePlan& r) {
  // Written in the frame's buffer and copied once at its size: a string of its own grew by
  // reallocation, an allocation and a copy more per reason.
  std::string& out = f_.text;
  out.clear();
  for (const auto& p : r.message) {
    if (p.node == kNoIndex) {
      out += p.text;
    } else {
      Value v = eval(p.node);
      if (v.kind == TypeKind::kEnum && !v.type) v.type = pack_.nodes[p.node].static_type;
      append_text(out, v);
    }
  }
  return std::string(out);
}

// A value as explain shows it: strings quoted, lists bracketed.
std::string Run::show(const Value& v) {
  if (v.kind == TypeKind::kString) return fmt::format("\"{}\"", v.sv());
  if (v.kind == TypeKind::kList) return fmt::format("[{}]", text(v));
  return text(v);
}

std::string Run::show_node(uint32_t node) {
  Value v = eval(node);
  if (v.kind == TypeKind::kEnum && !v.type) v.type = pack_.nodes[node].static_type;
  return show(v);
}

// The maximal operands of and/or below `node`, in source order.
void Run::parts(uint32_t node, std::vector<uint32_t>& out) const {
  const PlanNode& n = pack_.nodes[node];
  if (n.op == Op::kAnd || n.op == Op::kOr) {
    parts(n.a, out);
    parts(n.b, out);
  } else {
    out.push_back(node);
  }
}

Evidence Run::evidence(const EvidencePlan& e) {
  uint32_t cur = e.from_local ? f_.locals[e.local] : doc_.root();
  if (cur == kNoIndex) cur = doc_.root();
  for (uint32_t field : e.fields) {
    const DocNode& n = doc_.node(cur);
    if (n.kind != TypeKind::kRecord) break;
    uint32_t next = doc_.children(n)[field];
    if (doc_.node(next).kind == TypeKind::kNull) break;  // point at the nearest key that exists
    cur = next;
  }
  const Position at = doc_.position(cur);
  return {doc_.path(cur), at.line, at.column};
}

}  // namespace steward::detail
