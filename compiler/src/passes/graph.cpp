// Pass `graph`: the rule graph (Boost.Graph): definitions and rules are vertices, their
// dependencies edges; a cycle is an error that prints it; the topological order is the
// order definitions are checked and evaluated in.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "passes/context.h"

namespace steward::detail {

namespace {

// The definitions an expression names, less the variables bound around it.
void collect_deps(const CompileContext& cx, const ast::Expr& e, std::vector<std::string>& bound,
                  std::set<std::string>& out) {
  if (e.kind == ast::ExprKind::kName) {
    if (std::find(bound.begin(), bound.end(), e.name) == bound.end() && cx.defs.count(e.name))
      out.insert(e.name);
    return;
  }
  if (e.kind == ast::ExprKind::kQuantifier) {
    if (!e.args.empty() && e.args[0]) collect_deps(cx, *e.args[0], bound, out);
    bound.push_back(e.var);
    if (e.args.size() > 1 && e.args[1]) collect_deps(cx, *e.args[1], bound, out);
    bound.pop_back();
    return;
  }
  for (const auto& a : e.args)
    if (a) collect_deps(cx, *a, bound, out);
  for (const auto& p : e.parts)
    if (p.expr) collect_deps(cx, *p.expr, bound, out);
}

}  // namespace

void pass_graph(CompileContext& cx) {
  for (const auto& name : cx.def_order) {
    DefState& d = cx.defs[name];
    d.vertex = cx.graph.add_vertex();
    cx.vertices.push_back({GraphVertex::Kind::kDefinition, name});
  }
  for (const auto& name : cx.def_order) {
    DefState& d = cx.defs[name];
    std::vector<std::string> bound;
    std::set<std::string> deps;
    if (d.decl->value) collect_deps(cx, *d.decl->value, bound, deps);
    for (const auto& dep : deps) cx.graph.add_edge(cx.defs[dep].vertex, d.vertex);
  }
  for (const auto* r : cx.rules) {
    auto v = cx.graph.add_vertex();
    cx.vertices.push_back({GraphVertex::Kind::kRule, r->name});
    std::vector<std::string> bound;
    std::set<std::string> deps;
    if (r->range) collect_deps(cx, *r->range, bound, deps);
    if (!r->var.empty()) bound.push_back(r->var);
    for (const auto& p : r->props)
      for (const auto& x : p.values)
        if (x) collect_deps(cx, *x, bound, deps);
    for (const auto& dep : deps) cx.graph.add_edge(cx.defs[dep].vertex, v);
  }
  const auto cycles = cx.graph.cycles();
  cx.has_cycles = !cycles.empty();
  for (const auto& cycle : cycles) {
    std::vector<std::string> names;
    for (auto v : cycle) names.push_back(cx.vertices[v].name);
    names.push_back(names.front());
    const DefState& first = cx.defs[cx.vertices[cycle.front()].name];
    Diagnostic d{
        Severity::kError,
        "check.cycle",
        fmt::format("definitions depend on each other in a cycle: {}", fmt::join(names, " -> ")),
        first.decl->span,
        "the language is total: a definition cannot use itself, directly or through others",
        {}};
    for (size_t i = 1; i < cycle.size(); ++i) {
      d.notes.push_back(
          {cx.defs[cx.vertices[cycle[i]].name].decl->span,
           fmt::format("{} is part of the cycle", quote(cx.vertices[cycle[i]].name))});
    }
    cx.diags.add(std::move(d));
    for (auto v : cycle)
      cx.defs[cx.vertices[v].name].done = true;  // never check these: no order exists
  }
}

}  // namespace steward::detail
