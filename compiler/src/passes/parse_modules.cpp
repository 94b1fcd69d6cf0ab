// Pass `parse`: each module through the ANTLR parser into the AST; modules the pack lists
// but could not be read are reported at their line in the manifest.
#include <fmt/format.h>

#include "passes/context.h"
#include "steward/parser.h"

namespace steward::detail {

void pass_parse(CompileContext& cx) {
  for (const auto& [name, why] : cx.src.unread) {
    auto it = cx.module_spans.find(name);
    cx.diags.error("pack.module",
                   it != cx.module_spans.end() ? it->second : SourceSpan{cx.manifest_file, 0, 0},
                   fmt::format("cannot read the policy module {}: {}", quote(name), why));
  }
  if (cx.src.modules.empty() && cx.src.unread.empty()) {
    cx.diags.error("pack.no-modules", {cx.manifest_file, 0, 0}, "the pack has no policy modules",
                   "add a `.policy` file next to the manifest");
  }
  for (const auto& m : cx.src.modules) {
    SourceId id = cx.sources->add(m.name, m.text);
    cx.modules.push_back(parse_module(*cx.sources, id, cx.diags));
  }
}

}  // namespace steward::detail
