// Reading a pack's YAML data files with located errors.
#include "passes/yaml_file.h"

#include <fmt/format.h>

#include <algorithm>

#include "steward/suggest.h"

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

void YamlChecker::error(const std::string& code, const YAML::Node& n, std::string message) {
  // Codes may come whole (`scan.type`) from older callers, or as the part after the prefix.
  const std::string full = code.rfind(prefix_ + ".", 0) == 0 ? code : prefix_ + "." + code;
  diags_.error(full, at(n), std::move(message));
}

YAML::Node YamlChecker::need(const YAML::Node& parent, const char* key, const std::string& what) {
  YAML::Node n = parent[key];
  if (!n) error("missing", parent, fmt::format("{} has no `{}`", what, key));
  return n;
}

bool YamlChecker::map(const YAML::Node& n, const std::string& what,
                      const std::vector<std::string>& keys) {
  if (!n.IsMap()) {
    error("type", n, fmt::format("{} must be a mapping", what));
    return false;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      error("unknown-key", it->first,
            fmt::format("unknown key {} in {}{}", quote(k), what, did_you_mean(k, keys)));
  }
  return true;
}

bool YamlChecker::text(const YAML::Node& n, const std::string& what, std::string* out) {
  if (!n.IsScalar() || n.Scalar().empty()) {
    error("type", n, fmt::format("{} must be a non-empty string", what));
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool YamlChecker::strings(const YAML::Node& n, const std::string& what,
                          std::vector<std::string>* out) {
  if (!n.IsSequence()) {
    error("type", n, fmt::format("{} must be a list of strings", what));
    return false;
  }
  for (const auto& e : n) {
    std::string s;
    if (text(e, fmt::format("each entry of {}", what), &s)) out->push_back(s);
  }
  return true;
}

}  // namespace steward::detail
