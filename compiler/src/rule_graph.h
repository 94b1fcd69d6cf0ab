// The rule graph: definitions and rules as vertices, dependencies as edges (Boost.Graph).
// Internal to the compiler; tools see the plain GraphVertex/edge lists of CompiledPack.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <optional>
#include <string>
#include <vector>

namespace steward::detail {

class RuleGraph {
 public:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
  using Vertex = Graph::vertex_descriptor;

  Vertex add_vertex() { return boost::add_vertex(graph_); }
  // `from` must be evaluated before `to`.
  void add_edge(Vertex from, Vertex to);
  size_t size() const { return boost::num_vertices(graph_); }
  bool has_dependents(Vertex v) const { return boost::out_degree(v, graph_) > 0; }

  // Every dependency cycle, each as the list of its vertices in order (first repeated last is
  // implied). Empty when the graph is acyclic.
  std::vector<std::vector<Vertex>> cycles() const;
  // A topological order (dependencies first). Only valid when cycles() is empty.
  std::vector<Vertex> topological_order() const;
  std::vector<std::pair<Vertex, Vertex>> edges() const;

 private:
  Graph graph_;
};

}  // namespace steward::detail
