// Pass `asserts`: checks each invariant's properties (`when`, `expect`, `message`) into checked
// asserts. `when` is a condition over the agreement, as a rule's is; `expect` lists the
// outcomes a decision may have wherever it holds.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "checker.h"
#include "passes/context.h"
#include "steward/suggest.h"

namespace steward::detail {

void pass_asserts(CompileContext& cx) {
  static const std::vector<std::string> kProps = {"when", "expect", "message"};
  if (cx.pack->root == nullptr) return;
  Checker checker(cx);
  for (const auto* a : cx.asserts) {
    CheckedAssert ca;
    ca.name = a->name;
    ca.span = a->span;
    const SourceFile& file = cx.sources->file(a->span.file);
    ca.file = file.name();
    ca.position = file.position(a->begin);
    const auto props =
        block_props(cx, a->props, kProps, "asserts", "an assert has when, expect and message");
    bool good = true;
    for (const char* req : {"when", "expect", "message"}) {
      if (!props.count(req)) {
        cx.diags.error("check.missing-property", a->span,
                       fmt::format("assert {} has no `{}`", quote(a->name), req));
        good = false;
      }
    }
    if (auto it = props.find("when"); it != props.end()) {
      if (it->second->values.size() != 1) {
        cx.diags.error("check.property", it->second->key_span, "`when` takes one value");
        good = false;
      } else {
        Checked c = checker.check_bool(*it->second->values[0], "`when`");
        if (c.ok())
          ca.condition = std::move(c.expr);
        else
          good = false;
      }
    }
    if (auto it = props.find("expect"); it != props.end()) {
      for (const auto& v : it->second->values) {
        Outcome o;
        const std::string name = v->kind == ast::ExprKind::kName ? v->name : "";
        // `review` stands for needs_review here: an assert speaks of outcomes, not reviewers.
        if (name == "review" ? (o = Outcome::kNeedsReview, true) : parse_outcome(name, &o)) {
          ca.expect |= static_cast<uint8_t>(1u << static_cast<unsigned>(o));
        } else {
          cx.diags.error("check.outcome", v->span,
                         fmt::format("unknown outcome {}", quote(cx.source_of(*v))),
                         "an assert expects `deny`, `review` or `allow`, separated by commas");
          good = false;
        }
      }
    }
    if (auto it = props.find("message"); it != props.end()) {
      if (it->second->values.size() != 1 || it->second->values[0]->kind != ast::ExprKind::kString) {
        cx.diags.error("check.property", it->second->key_span, "`message` must be one string");
        good = false;
      } else {
        ca.message = it->second->values[0]->text;
      }
    }
    if (good) cx.checked->asserts.push_back(std::move(ca));
  }
}

}  // namespace steward::detail
