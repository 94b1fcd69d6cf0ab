// The pack's approval lists rewritten from review records: a stated `approved` entry gives way
// to what the records say; stated denials and pending entries stay, since they only hold a
// decision back.
#include "approvals.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/source.h"

namespace steward::detail {

namespace {

using Kind = RawNode::Kind;

// A stated body as messages show it: unvalidated text, so at most 60 bytes, cut between
// characters, on one line.
std::string shown(std::string_view s) {
  std::string out(s);
  if (out.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && !starts_code_point(out[cut])) --cut;
    out = out.substr(0, cut) + "...";
  }
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

class Rewriter {
 public:
  Rewriter(const std::vector<ApprovalEvidence>& records, RawTree& raw, ApprovalSource& source)
      : records_(records), raw_(raw), w_(raw), source_(source) {}

  // The node that replaces map `node` with the list at `names[depth..]` rewritten; `node`
  // itself when nothing under it changed (the list's parent is absent, or not a map).
  uint32_t map(uint32_t node, const std::vector<std::string>& names, size_t depth,
               std::string path) {
    const RawNode n = raw_.nodes[node];
    if (n.kind != Kind::kMap) return node;
    const std::string& name = names[depth];
    path += (path.empty() ? "" : ".") + name;
    const bool last = depth + 1 == names.size();
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    bool found = false, changed = false;
    for (uint32_t i = 0; i < n.size; ++i) {
      uint32_t k = raw_.children[n.begin + 2 * i], v = raw_.children[n.begin + 2 * i + 1];
      const RawNode& key = raw_.nodes[k];
      if (key.kind == Kind::kScalar && raw_.scalar(key) == name) {
        found = true;
        const uint32_t nv = last ? list(v, path) : map(v, names, depth + 1, path);
        changed |= nv != v;
        v = nv;
      }
      pairs.emplace_back(k, v);
    }
    // The list is absent but its parent is here: the records' approvals make it.
    if (!found && last && !records_.empty()) {
      pairs.emplace_back(w_.string(name), list(kNone, path));
      changed = true;
    }
    if (!changed) return node;
    const uint32_t out = w_.map(pairs);
    raw_.nodes[out].line = n.line;
    raw_.nodes[out].column = n.column;
    return out;
  }

  static constexpr uint32_t kNone = UINT32_MAX;

 private:
  std::string field(uint32_t node, std::string_view name) const {
    return std::string(raw_.scalar_field(node, name));
  }

  // The list `node` (kNone: absent) rewritten: stated entries but the approvals, then the
  // records' verdicts.
  uint32_t list(uint32_t node, const std::string& path) {
    std::vector<uint32_t> items;
    uint32_t line = 0, column = 0;
    if (node != kNone) {
      const RawNode n = raw_.nodes[node];
      line = n.line;
      column = n.column;
      if (n.kind == Kind::kSeq) {
        for (uint32_t i = 0; i < n.size; ++i) {
          const uint32_t item = raw_.children[n.begin + i];
          if (field(item, "decision") != "approved") {
            items.push_back(item);  // a denial, a pending entry, or what validation refuses
            continue;
          }
          const std::string body = field(item, "body");
          const bool backed =
              std::any_of(records_.begin(), records_.end(),
                          [&](const ApprovalEvidence& e) { return e.approved && e.body == body; });
          if (!backed)
            source_.unbacked.push_back({fmt::format("{}[{}]", path, i), shown(body),
                                        raw_.nodes[item].line, raw_.nodes[item].column});
        }
      } else if (n.kind != Kind::kScalar || n.quoted || n.tagged ||
                 resolve_core_scalar(raw_.scalar(n)) != ScalarKind::kNull) {
        return node;  // not a list (nor null): validation says so
      }
      // A null in any spelling (``, `null`, `~`) is read as an empty list: left null, it was
      // read as absent, and the records' verdicts, a denial among them, were dropped.
    }
    for (const ApprovalEvidence& e : records_) {
      items.push_back(
          w_.map({{w_.string("body"), w_.string(e.body)},
                  {w_.string("decision"), w_.string(e.approved ? "approved" : "denied")},
                  {w_.string("date"), w_.plain(format_iso_date(e.date))}}));
      if (std::find(source_.records.begin(), source_.records.end(), e.record) ==
          source_.records.end())
        source_.records.push_back(e.record);
    }
    const uint32_t out = w_.seq(items);
    raw_.nodes[out].line = line;
    raw_.nodes[out].column = column;
    return out;
  }

  const std::vector<ApprovalEvidence>& records_;
  RawTree& raw_;
  RawWriter w_;
  ApprovalSource& source_;
};

}  // namespace

bool apply_approval_records(const CompiledPack& pack, const std::vector<ApprovalEvidence>& records,
                            RawTree* raw, ApprovalSource* source, std::vector<InputError>* errors) {
  if (pack.approval_lists.empty()) {
    errors->push_back({"input.approvals", "", 0, 0,
                       fmt::format("pack `{}` does not say which lists hold approvals (its "
                                   "manifest has no `approvals:`), so they cannot be taken from "
                                   "review records",
                                   pack.name)});
    return false;
  }
  source->from_records = true;
  if (raw->nodes.empty()) return true;
  Rewriter rw(records, *raw, *source);
  for (const std::vector<int>& fields : pack.approval_lists) {
    std::vector<std::string> names;
    const Type* t = pack.root;
    for (int f : fields) {
      names.push_back(t->fields[f].name);
      t = t->fields[f].type;
    }
    raw->root = rw.map(raw->root, names, 0, "");
  }
  return true;
}

}  // namespace steward::detail
