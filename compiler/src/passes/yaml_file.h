// Reading a pack's YAML data files (pass `data`, pass `scan`): into the source map for located
// diagnostics, checked for UTF-8, parsed with yaml-cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "passes/context.h"

namespace steward::detail {

// The data file the manifest lists as `listed`, or null after reporting `<prefix>.file` at
// `span` (the manifest entry): unreadable, outside the pack, or not gathered.
const PackSources::DataFile* find_data_file(CompileContext& cx, const std::string& listed,
                                            SourceSpan span, const std::string& prefix,
                                            const std::string& what);

// Adds `file` to the source map (its id in `*id`) and parses it. Invalid UTF-8 and YAML are
// reported as `<prefix>.utf8` and `<prefix>.syntax` at their place, naming the file `what`
// ("data file", "scan file"); then it returns false.
bool load_yaml_file(CompileContext& cx, const PackSources::DataFile& file,
                    const std::string& prefix, const std::string& what, SourceId* id,
                    YAML::Node* out);

// The span of a node of a file loaded by load_yaml_file: its scalar text, or its first byte.
SourceSpan yaml_span(SourceId file, const YAML::Node& n);

// Checks the shape of a loaded YAML file, each problem an error `<prefix>.<kind>` at its node:
// `type` (a mapping, a string or a list where another thing is), `missing`, `unknown-key`.
class YamlChecker {
 public:
  YamlChecker(CompileContext& cx, SourceId file, std::string prefix)
      : diags_(cx.diags), file_(file), prefix_(std::move(prefix)) {}

  SourceSpan at(const YAML::Node& n) const { return yaml_span(file_, n); }
  // `code` is the part after the prefix: error("type", ...) reports `<prefix>.type`.
  void error(const std::string& code, const YAML::Node& n, std::string message);
  // parent[key], or an undefined node with the error at `parent` when it is missing.
  YAML::Node need(const YAML::Node& parent, const char* key, const std::string& what);
  // Checks that `n` is a mapping with only `keys`.
  bool map(const YAML::Node& n, const std::string& what, const std::vector<std::string>& keys);
  // A non-empty string.
  bool text(const YAML::Node& n, const std::string& what, std::string* out);
  // A list of non-empty strings.
  bool strings(const YAML::Node& n, const std::string& what, std::vector<std::string>* out);

 private:
  Diagnostics& diags_;
  SourceId file_;
  std::string prefix_;
};

}  // namespace steward::detail
