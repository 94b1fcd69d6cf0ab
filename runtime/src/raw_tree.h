// The untyped tree a text parser produces before validation (internal to the runtime).
// Parsers (libyaml for YAML and JSON) fill it; document.cpp validates it against the schema,
// so the parser can change without touching validation or the evaluator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace steward::detail {

struct RawNode {
  enum class Kind : uint8_t { kScalar, kMap, kSeq };
  Kind kind = Kind::kScalar;
  bool quoted = false;  // a scalar written in quotes or as a block (`|`, `>`): always a string
  bool tagged = false;  // an explicit YAML tag such as `!!str`
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based
  uint32_t begin = 0;   // scalar: offset of its text in RawTree::text; map/seq: first child
  uint32_t size = 0;    // scalar: length; map: number of key/value pairs; seq: number of items
  std::string tag;      // when tagged
};

// A parsed document: nodes, and for maps (key, value) pairs and for sequences items, stored
// contiguously per collection in `children` (a map's pairs take two slots each). Aliases point
// at the node of their anchor, so the tree is a DAG and expansion is bounded by the validator.
struct RawTree {
  std::vector<RawNode> nodes;
  std::vector<uint32_t> children;
  std::string text;  // scalar texts
  uint32_t root = 0;
  size_t documents = 0;
  // The first parse error, if any.
  bool failed = false;
  std::string error_code;
  std::string error;
  uint32_t error_line = 0, error_column = 0;

  std::string_view scalar(const RawNode& n) const { return {text.data() + n.begin, n.size}; }
};

struct ParseLimits {
  size_t max_depth = 64;  // nesting of collections
};

// Parses YAML (and so JSON) text into a RawTree with libyaml's event parser.
void parse_yaml(std::string_view input, const ParseLimits& limits, RawTree* out);

// Parses JSON text (an object or array) with simdjson. Returns false, with `out` in an
// unspecified state, for anything it does not accept: the caller then uses parse_yaml, which
// accepts all JSON and reports errors with their location.
bool parse_json(std::string_view input, const ParseLimits& limits, RawTree* out);

// For text that must be JSON and that parse_json refused: fills out's error (code, message,
// line, column) and returns true when the text is not JSON or nests too deep; false when it
// is JSON after all (e.g. a scalar), which the YAML path then describes.
bool json_error(std::string_view input, const ParseLimits& limits, RawTree* out);

}  // namespace steward::detail
