// YAML and JSON text to a RawTree, with libyaml's event parser (about ten times faster than
// building a yaml-cpp tree). Anchors are resolved here; everything else is left to validation.
#include <fmt/format.h>

#include <cstring>
#include <map>
#include <memory>

#include "raw_tree.h"
#include "yaml_events.h"

namespace steward::detail {
namespace {

// A collection being read: its items are `pending` from `first` on (one vector for every open
// collection, not one each: a vector per collection cost an allocation and its regrowths).
struct Open {
  uint32_t node;
  uint32_t first;
  std::string anchor;  // registered when the collection ends, so it cannot contain itself
};

}  // namespace

void parse_yaml(std::string_view input, const ParseLimits& limits, RawTree* out) {
  YamlEvents p(input);
  std::vector<Open> stack;
  std::vector<uint32_t> pending;
  std::map<std::string, uint32_t> anchors;
  // Sized from the text once (a node takes at least a few bytes of it), so the tree does not
  // regrow as it is read; scalar texts are no longer than the text they come from.
  out->nodes.reserve(input.size() / 8 + 16);
  out->children.reserve(input.size() / 8 + 16);
  // Scalar texts go into a buffer the size of the text, grown only when escapes lengthen one
  // (`\\L` is three bytes): std::string::append per scalar was a call each, and resizing the
  // string instead would first fill it with zeros.
  size_t capacity = input.size() + 16, used = 0;
  std::unique_ptr<char[]> text(new char[capacity]);
  stack.reserve(16);
  pending.reserve(64);
  auto fail = [&](std::string code, std::string message, const yaml_mark_t& mark) {
    if (out->failed) return;
    out->failed = true;
    out->error_code = std::move(code);
    out->error = std::move(message);
    out->error_line = static_cast<uint32_t>(mark.line + 1);
    out->error_column = static_cast<uint32_t>(mark.column + 1);
  };
  auto add = [&](uint32_t node) {
    if (!stack.empty()) {
      pending.push_back(node);
    } else {
      out->root = node;
    }
  };
  auto new_node = [&](RawNode::Kind kind, const yaml_mark_t& mark, const unsigned char* tag,
                      const unsigned char* anchor) {
    RawNode n;
    n.kind = kind;
    n.line = static_cast<uint32_t>(mark.line + 1);
    n.column = static_cast<uint32_t>(mark.column + 1);
    out->nodes.push_back(n);
    uint32_t id = static_cast<uint32_t>(out->nodes.size() - 1);
    if (tag != nullptr) {
      out->nodes.back().tagged = true;
      out->tags.emplace_back(id, reinterpret_cast<const char*>(tag));
    }
    if (anchor != nullptr) anchors[reinterpret_cast<const char*>(anchor)] = id;
    return id;
  };
  while (!out->failed) {
    if (!p.next()) {
      const yaml_parser_t& ps = p.parser();
      std::string what = ps.problem ? ps.problem : "unknown problem";
      if (ps.context) what = fmt::format("{} {}", ps.context, what);
      fail("input.syntax", fmt::format("the document is not valid YAML or JSON: {}", what),
           ps.problem_mark);
      break;
    }
    const yaml_event_t& e = p.event();
    switch (e.type) {
      case YAML_STREAM_END_EVENT:
        out->text.assign(text.get(), used);
        return;
      case YAML_DOCUMENT_START_EVENT:
        if (++out->documents > 1) {
          fail("input.multiple-documents",
               "the file holds more than one YAML document; an agreement is exactly one",
               e.start_mark);
        }
        break;
      case YAML_SCALAR_EVENT: {
        uint32_t id =
            new_node(RawNode::Kind::kScalar, e.start_mark, e.data.scalar.tag, e.data.scalar.anchor);
        RawNode& n = out->nodes[id];
        n.quoted = e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
                   e.data.scalar.style != YAML_ANY_SCALAR_STYLE;
        const size_t length = e.data.scalar.length;
        if (length > capacity - used) {
          capacity = 2 * capacity + length;
          std::unique_ptr<char[]> grown(new char[capacity]);
          std::memcpy(grown.get(), text.get(), used);
          text = std::move(grown);
        }
        if (length != 0) std::memcpy(text.get() + used, e.data.scalar.value, length);
        n.begin = static_cast<uint32_t>(used);
        n.size = static_cast<uint32_t>(length);
        used += length;
        add(id);
        break;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(reinterpret_cast<const char*>(e.data.alias.anchor));
        if (it == anchors.end()) {
          fail("input.syntax",
               fmt::format("the alias `*{}` names no anchor",
                           reinterpret_cast<const char*>(e.data.alias.anchor)),
               e.start_mark);
          break;
        }
        add(it->second);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        bool map = e.type == YAML_MAPPING_START_EVENT;
        if (stack.size() >= limits.max_depth) {
          fail("input.limit",
               fmt::format("the document nests deeper than {} levels", limits.max_depth),
               e.start_mark);
          break;
        }
        const unsigned char* anchor =
            map ? e.data.mapping_start.anchor : e.data.sequence_start.anchor;
        uint32_t id =
            map ? new_node(RawNode::Kind::kMap, e.start_mark, e.data.mapping_start.tag, nullptr)
                : new_node(RawNode::Kind::kSeq, e.start_mark, e.data.sequence_start.tag, nullptr);
        stack.push_back({id, static_cast<uint32_t>(pending.size()),
                         anchor ? reinterpret_cast<const char*>(anchor) : ""});
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Open open = std::move(stack.back());
        stack.pop_back();
        RawNode& n = out->nodes[open.node];
        const size_t items = pending.size() - open.first;
        n.begin = static_cast<uint32_t>(out->children.size());
        n.size = static_cast<uint32_t>(n.kind == RawNode::Kind::kMap ? items / 2 : items);
        out->children.insert(out->children.end(), pending.begin() + open.first, pending.end());
        pending.resize(open.first);
        if (!open.anchor.empty()) anchors[open.anchor] = open.node;
        add(open.node);
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace steward::detail
