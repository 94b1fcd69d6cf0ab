// Reading a pack's YAML data files with located errors.
#include "passes/yaml_file.h"

#include <fmt/format.h>

#include <algorithm>

namespace steward::detail {

const PackSources::DataFile* find_data_file(CompileContext& cx, const std::string& listed,
                                            SourceSpan span, const std::string& prefix,
                                            const std::string& what) {
  for (const auto& d : cx.src.data) {
    if (d.listed != listed) continue;
    if (!d.error.empty()) {
      cx.diags.error(prefix + ".file", span,
                     fmt::format("cannot read the {} {}: {}", what, quote(listed), d.error));
      return nullptr;
    }
    return &d;
  }
  cx.diags.error(prefix + ".file", span,
                 fmt::format("the {} {} is not in the pack", what, quote(listed)));
  return nullptr;
}

bool load_yaml_file(CompileContext& cx, const PackSources::DataFile& file,
                    const std::string& prefix, const std::string& what, SourceId* id,
                    YAML::Node* out) {
  *id = cx.sources->add(file.name, file.text);
  if (size_t bad = find_invalid_utf8(file.text); bad != std::string::npos) {
    cx.diags.error(prefix + ".utf8",
                   {*id, static_cast<uint32_t>(bad), static_cast<uint32_t>(bad) + 1},
                   fmt::format("the {} is not valid UTF-8", what));
    return false;
  }
  try {
    *out = YAML::Load(file.text);
  } catch (const YAML::Exception& e) {
    SourceSpan at{*id, 0, 0};
    if (!e.mark.is_null() && e.mark.pos >= 0)
      at = {*id, static_cast<uint32_t>(e.mark.pos), static_cast<uint32_t>(e.mark.pos) + 1};
    cx.diags.error(prefix + ".syntax", at,
                   fmt::format("the {} is not valid YAML: {}", what, e.msg));
    return false;
  }
  return true;
}

SourceSpan yaml_span(SourceId file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null() || m.pos < 0) return {file, 0, 0};
  uint32_t len = n.IsScalar() ? static_cast<uint32_t>(std::max<size_t>(n.Scalar().size(), 1)) : 1;
  return {file, static_cast<uint32_t>(m.pos), static_cast<uint32_t>(m.pos) + len};
}

}  // namespace steward::detail
