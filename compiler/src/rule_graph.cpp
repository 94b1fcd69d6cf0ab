// Cycle detection and ordering of the rule graph.
#include "rule_graph.h"

#include <algorithm>
#include <boost/graph/strong_components.hpp>
#include <functional>
#include <map>
#include <queue>

namespace steward::detail {

void RuleGraph::add_edge(Vertex from, Vertex to) {
  if (!boost::edge(from, to, graph_).second) boost::add_edge(from, to, graph_);
}

std::vector<std::vector<RuleGraph::Vertex>> RuleGraph::cycles() const {
  std::vector<int> component(boost::num_vertices(graph_));
  int n = boost::strong_components(graph_, component.data());
  std::vector<std::vector<Vertex>> members(n);
  for (Vertex v = 0; v < component.size(); ++v) members[component[v]].push_back(v);
  std::vector<std::vector<Vertex>> out;
  for (auto& m : members) {
    bool self_loop = m.size() == 1 && boost::edge(m[0], m[0], graph_).second;
    if (m.size() < 2 && !self_loop) continue;
    // Walk the component from its smallest vertex, always taking the smallest successor
    // inside the component that is not yet on the path, to print one concrete cycle.
    std::sort(m.begin(), m.end());
    std::vector<Vertex> path{m[0]};
    std::vector<bool> on_path(boost::num_vertices(graph_), false);
    on_path[m[0]] = true;
    int c = component[m[0]];
    while (true) {
      Vertex cur = path.back();
      std::optional<Vertex> next;
      bool closes = false;
      for (auto [e, end] = boost::out_edges(cur, graph_); e != end; ++e) {
        Vertex t = boost::target(*e, graph_);
        if (component[t] != c) continue;
        if (t == m[0]) closes = true;
        if (!on_path[t] && (!next || t < *next)) next = t;
      }
      if (closes || !next) break;
      on_path[*next] = true;
      path.push_back(*next);
    }
    out.push_back(std::move(path));
  }
  return out;
}

std::vector<RuleGraph::Vertex> RuleGraph::topological_order() const {
  // Kahn's algorithm, always taking the ready vertex declared first, so the plan (and what
  // `explain` prints) follows the declaration order wherever dependencies allow.
  const size_t n = boost::num_vertices(graph_);
  std::vector<size_t> indegree(n, 0);
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) ++indegree[boost::target(*e, graph_)];
  std::priority_queue<Vertex, std::vector<Vertex>, std::greater<>> ready;
  for (Vertex v = 0; v < n; ++v)
    if (indegree[v] == 0) ready.push(v);
  std::vector<Vertex> order;
  while (!ready.empty()) {
    Vertex v = ready.top();
    ready.pop();
    order.push_back(v);
    for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e) {
      Vertex t = boost::target(*e, graph_);
      if (--indegree[t] == 0) ready.push(t);
    }
  }
  return order;
}

std::vector<std::pair<RuleGraph::Vertex, RuleGraph::Vertex>> RuleGraph::edges() const {
  std::vector<std::pair<Vertex, Vertex>> out;
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    out.emplace_back(boost::source(*e, graph_), boost::target(*e, graph_));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace steward::detail
