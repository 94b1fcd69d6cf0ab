// Reading a pack's YAML data files (pass `data`, pass `scan`): into the source map for located
// diagnostics, checked for UTF-8, parsed with yaml-cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

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

}  // namespace steward::detail
