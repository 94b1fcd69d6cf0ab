// Pass `digest`: the pack's metadata (parameters, the exported graph with clauses as
// sinks) and, last, the digests of its text and of exactly what is evaluated.
#include <map>

#include "passes/context.h"

namespace steward::detail {

void pass_digest(CompileContext& cx) {
  cx.pack->source_digest = pack_digest(cx.src);
  for (const auto& [name, ps] : cx.params) cx.pack->params.push_back(ps.info);
  cx.pack->graph_vertices = cx.vertices;
  // Clauses join the exported graph as sinks of their rules.
  std::map<std::string, uint32_t> clause_vertex;
  for (const auto& c : cx.pack->clauses) {
    clause_vertex[c.id] = static_cast<uint32_t>(cx.pack->graph_vertices.size());
    cx.pack->graph_vertices.push_back({GraphVertex::Kind::kClause, c.id});
  }
  for (auto [a, b] : cx.graph.edges())
    cx.pack->graph_edges.emplace_back(static_cast<uint32_t>(a), static_cast<uint32_t>(b));
  std::map<std::string, const RulePlan*> rule_by_id;
  for (const auto& r : cx.pack->rules) rule_by_id[r.id] = &r;
  for (size_t v = 0; v < cx.vertices.size(); ++v) {
    if (cx.vertices[v].kind != GraphVertex::Kind::kRule) continue;
    auto r = rule_by_id.find(cx.vertices[v].name);
    if (r != rule_by_id.end() && clause_vertex.count(r->second->clause)) {
      cx.pack->graph_edges.emplace_back(static_cast<uint32_t>(v), clause_vertex[r->second->clause]);
    }
  }
  // Last: the digest of exactly what will be evaluated, parameter values included.
  cx.pack->digest = plan_digest(*cx.pack);
}

}  // namespace steward::detail
