// The pack's approval lists rewritten from review records: a stated `approved` entry gives way
// to what the records say; stated denials and pending entries stay, since they only hold a
// decision back. Twice, side by side: in the parsed tree before validation (the general path)
// and in the typed document (the JSON and YAML fast paths), which must agree to the byte.
#include "approvals.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "fast_document.h"
#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/source.h"

namespace steward::detail {

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

namespace {

using Kind = RawNode::Kind;

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

namespace steward {

// The fast paths' side of apply_approval_records: the same rewrite on the typed document, node
// by node as Rewriter works on the tree. The general path validates after rewriting, so the
// records' entries, and only the entries that stay, must come out as it would build them: each
// new node at its parent's position, as a node RawWriter made (line 0) is; the values counted
// against the budget as it counts them (the dropped entries, read already, are counted too:
// more, never fewer); a list that must not be empty and ends up so gives up.
bool FastDocument::apply_approvals(detail::RecordLookup& lookup, ApprovalSource* source) {
  if (pack_.approval_lists.empty() || pack_.id_field < 0) return false;
  const DocNode& id = id_node();
  if (id.kind != TypeKind::kString) return false;
  const std::vector<ApprovalEvidence>& records =
      lookup.for_id(std::string_view(strings_ + id.begin, id.size));
  source->from_records = true;
  for (const std::vector<int>& fields : pack_.approval_lists) {
    uint32_t parent = 0;  // the root
    std::string path;
    for (size_t j = 0; j + 1 < fields.size() && doc_->nodes_[parent].kind == TypeKind::kRecord;
         ++j) {
      const DocNode& p = doc_->nodes_[parent];
      path += (path.empty() ? "" : ".") + p.type->fields[fields[j]].name;
      parent = doc_->children_[p.begin + static_cast<uint32_t>(fields[j])];
    }
    // A list whose parent is absent (or null) is left as it is.
    if (doc_->nodes_[parent].kind != TypeKind::kRecord) continue;
    if (!rewrite_approval_list(parent, fields.back(), std::move(path), records, source))
      return false;
  }
  return true;
}

bool FastDocument::rewrite_approval_list(uint32_t parent, int field, std::string path,
                                         const std::vector<ApprovalEvidence>& records,
                                         ApprovalSource* source) {
  const FieldType& ft = doc_->nodes_[parent].type->fields[static_cast<size_t>(field)];
  const uint32_t list = doc_->children_[doc_->nodes_[parent].begin + static_cast<uint32_t>(field)];
  path += (path.empty() ? "" : ".") + ft.name;
  const Type* element = ft.type->element;
  if (ft.type->kind != TypeKind::kList || element == nullptr || element->kind != TypeKind::kRecord)
    return false;
  const int body = element->find_field("body"), decision = element->find_field("decision");
  if (body < 0 || decision < 0) return false;
  const DocNode stated = doc_->nodes_[list];
  if (stated.kind == TypeKind::kNull) {
    const bool null =
        std::find(stated_nulls_.begin(), stated_nulls_.end(), list) != stated_nulls_.end();
    if (!null && records.empty()) return true;  // absent, and nothing to add
    // The list the general path validates: its value, and for an absent list its key too.
    if (!budget() || (!null && !budget())) return false;
  } else if (stated.kind != TypeKind::kList) {
    return false;
  }
  std::vector<uint32_t> items;
  for (uint32_t i = 0; stated.kind == TypeKind::kList && i < stated.size; ++i) {
    const uint32_t item = doc_->children_[stated.begin + i];
    if (doc_->nodes_[item].kind != TypeKind::kRecord) return false;
    const DocNode& it = doc_->nodes_[item];
    std::string_view said;
    if (!text_of(doc_->children_[it.begin + static_cast<uint32_t>(decision)], &said) ||
        said != "approved") {
      items.push_back(item);  // a denial or a pending entry
      continue;
    }
    std::string_view by;
    if (!text_of(doc_->children_[it.begin + static_cast<uint32_t>(body)], &by)) return false;
    const bool backed = std::any_of(records.begin(), records.end(), [&](const ApprovalEvidence& e) {
      return e.approved && e.body == by;
    });
    if (!backed) {
      const Position at = doc_->position(item);
      source->unbacked.push_back(
          {fmt::format("{}[{}]", path, i), detail::shown(by), at.line, at.column});
    }
  }
  for (const ApprovalEvidence& e : records) {
    if (!budget()) return false;  // the entry
    const uint32_t c =
        new_node(element, list, 0, doc_->nodes_[list].at_line, doc_->nodes_[list].at_column);
    Record rec = open_record(c, element);
    const std::string date = format_iso_date(e.date);
    const std::pair<std::string_view, std::string_view> values[] = {
        {"body", e.body}, {"decision", e.approved ? "approved" : "denied"}, {"date", date}};
    for (const auto& [key, value] : values) {
      const int f = take_key(rec, key, doc_->nodes_[c].at_line, doc_->nodes_[c].at_column);
      // The date is written plain, as YAML reads unquoted text; the others quoted.
      const ScalarKind kind = key == "date" ? resolve_core_scalar(value) : ScalarKind::kString;
      if (f < 0 || !budget() || kind == ScalarKind::kNull ||
          !scalar(rec.first_slot + static_cast<uint32_t>(f),
                  element->fields[static_cast<size_t>(f)], kind, value))
        return false;
    }
    if (!close_record(rec)) return false;
    items.push_back(c);
    if (std::find(source->records.begin(), source->records.end(), e.record) ==
        source->records.end())
      source->records.push_back(e.record);
  }
  if (ft.nonempty && items.empty()) return false;
  std::vector<uint32_t>& children = doc_->children_;
  DocNode& out = doc_->nodes_[list];
  out.kind = TypeKind::kList;
  out.begin = static_cast<uint32_t>(children.size());
  out.size = static_cast<uint32_t>(items.size());
  for (uint32_t i = 0; i < items.size(); ++i) {
    doc_->nodes_[items[i]].index = i;
    children.push_back(items[i]);
  }
  return true;
}

}  // namespace steward
