// The YAML fast path: a plain YAML agreement straight from libyaml's events to the typed
// Document, with no untyped tree between them (issue 21), as json_document.cpp does for JSON.
// It reads only what it can take whole; at anything that would be an input error, or that it
// does not read (an anchor, an alias, a tag, a second document, a key the schema does not know,
// a value of the wrong kind), it gives up and the general path (yaml_reader.cpp, then
// document_builder.cpp) reads the text again and reports it. The events are the general path's
// own, so every position is too; what it returns must equal the general path's document: tests
// and the agreement fuzzer compare the two (document_difference).
#include <yaml.h>

#include <cstring>
#include <memory>
#include <vector>

#include "document_builder.h"
#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/source.h"

namespace steward {

class YamlDocumentBuilder {
 public:
  YamlDocumentBuilder(const CompiledPack& pack, const LoadLimits& limits, std::string_view text)
      : pack_(pack), limits_(limits), capacity_(text.size() + 16) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    doc_ = std::make_shared<Document>();
    doc_->nodes_.reserve(text.size() / 16 + 64);
    doc_->children_.reserve(text.size() / 16 + 64);
    strings_.reset(new char[capacity_]);
    items_.reserve(64);
  }
  ~YamlDocumentBuilder() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  YamlDocumentBuilder(const YamlDocumentBuilder&) = delete;
  YamlDocumentBuilder& operator=(const YamlDocumentBuilder&) = delete;

  // Names the document's file, taking `file`.
  static void name(Document& doc, std::string& file) { doc.file_ = std::move(file); }

  // The document, or null to hand the text to the general path.
  std::shared_ptr<Document> build() {
    if (!next() || event_.type != YAML_STREAM_START_EVENT) return nullptr;
    if (!next() || event_.type != YAML_DOCUMENT_START_EVENT) return nullptr;
    // The root: a mapping (anything else is an error the general path explains).
    if (!next() || event_.type != YAML_MAPPING_START_EVENT || !plain_collection()) return nullptr;
    const uint32_t r = new_node(pack_.root, kNoIndex, 0, mark());
    // yaml_reader.cpp refuses a collection opened with max_depth collections already open.
    if (limits_.max_depth == 0) return nullptr;
    open_ = 1;
    if (!record(r, pack_.root)) return nullptr;
    // One document, and nothing after it but the end of the stream.
    if (!next() || event_.type != YAML_DOCUMENT_END_EVENT) return nullptr;
    if (!next() || event_.type != YAML_STREAM_END_EVENT) return nullptr;
    doc_->strings_.assign(strings_.get(), used_);
    if (pack_.id_field >= 0) {
      const DocNode& idn = doc_->nodes_[doc_->children_[doc_->nodes_[r].begin + pack_.id_field]];
      if (idn.kind == TypeKind::kString) doc_->id_ = std::string(doc_->string(idn));
    }
    return doc_;
  }

 private:
  struct Pos {
    uint32_t line = 0, column = 0;
  };

  bool next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    return has_event_;
  }

  Pos mark() const {
    return {static_cast<uint32_t>(event_.start_mark.line + 1),
            static_cast<uint32_t>(event_.start_mark.column + 1)};
  }

  // No anchor and no tag: the general path resolves the one and refuses the other.
  bool plain_collection() const {
    if (event_.type == YAML_MAPPING_START_EVENT)
      return event_.data.mapping_start.anchor == nullptr &&
             event_.data.mapping_start.tag == nullptr;
    return event_.data.sequence_start.anchor == nullptr &&
           event_.data.sequence_start.tag == nullptr;
  }
  bool plain_scalar_event() const {
    return event_.type == YAML_SCALAR_EVENT && event_.data.scalar.anchor == nullptr &&
           event_.data.scalar.tag == nullptr;
  }
  std::string_view scalar() const {
    return {reinterpret_cast<const char*>(event_.data.scalar.value), event_.data.scalar.length};
  }
  // Written in quotes or as a block (`|`, `>`): always a string (raw_tree.h's `quoted`).
  bool quoted() const {
    return event_.data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
           event_.data.scalar.style != YAML_ANY_SCALAR_STYLE;
  }
  // The current event is a plain null (`~`, `null`, nothing): a missing value.
  bool null_event() const {
    return plain_scalar_event() && !quoted() && resolve_core_scalar(scalar()) == ScalarKind::kNull;
  }

  uint32_t new_node(const Type* type, uint32_t parent, uint32_t index, Pos pos) {
    DocNode n;
    n.type = type;
    n.parent = parent;
    n.index = index;
    n.line = pos.line;
    n.column = pos.column;
    doc_->nodes_.push_back(n);
    return static_cast<uint32_t>(doc_->nodes_.size() - 1);
  }

  // The general path counts a value for every key and every value it reads, and stops past
  // the budget; so does this one (it then gives up, and the general path reports the limit).
  bool budget() { return ++values_ <= limits_.max_values; }

  // A collection opens one level deeper; yaml_reader.cpp refuses it at max_depth open ones.
  bool open() { return open_++ < limits_.max_depth; }

  // Fills record node `r` from the mapping whose start is the current event, through its end.
  bool record(uint32_t r, const Type* type) {
    const uint32_t nf = static_cast<uint32_t>(type->fields.size());
    std::vector<uint32_t>& children = doc_->children_;
    const uint32_t first = static_cast<uint32_t>(children.size());
    const uint32_t first_slot = static_cast<uint32_t>(doc_->nodes_.size());
    {
      DocNode& node = doc_->nodes_[r];
      node.kind = TypeKind::kRecord;
      node.begin = first;
      node.size = nf;
    }
    // A field no key names takes its record's position, as the general path gives it.
    const Pos here{doc_->nodes_[r].line, doc_->nodes_[r].column};
    for (uint32_t f = 0; f < nf; ++f) {
      children.push_back(first_slot + f);
      new_node(type->fields[f].type, r, f, here);
    }
    const size_t seen_base = seen_.size();
    seen_.resize(seen_base + nf, 0);
    struct Release {
      std::vector<uint8_t>& s;
      size_t base;
      ~Release() { s.resize(base); }
    } release{seen_, seen_base};
    size_t keys = 0;
    uint32_t next_field = 0;  // keys usually come in the schema's order
    for (;;) {
      if (!next()) return false;
      if (event_.type == YAML_MAPPING_END_EVENT) break;
      // A key is a plain string: not a collection, an alias, an anchored or tagged scalar.
      if (!plain_scalar_event()) return false;
      if (++keys > limits_.max_keys || !budget()) return false;
      const std::string_view name = scalar();
      const int f = next_field < nf && type->fields[next_field].name == name
                        ? static_cast<int>(next_field)
                        : type->find_field(name);
      if (f < 0 || seen_[seen_base + static_cast<size_t>(f)]) return false;
      seen_[seen_base + static_cast<size_t>(f)] = 1;
      next_field = static_cast<uint32_t>(f) + 1;
      // Only the engine writes observations.
      if (r == 0 && f == pack_.observed_field) return false;
      const uint32_t n = first_slot + static_cast<uint32_t>(f);
      const Pos key = mark();
      doc_->nodes_[n].line = key.line;
      doc_->nodes_[n].column = key.column;
      if (!next()) return false;
      if (!null_event() && !value(n, type->fields[f])) return false;
      if (r == 0 && f == pack_.format_field && retired(doc_->nodes_[n])) return false;
    }
    // The mapping's end: it was open.
    --open_;
    // A required field left missing (absent, null, or an optional-looking empty date).
    for (uint32_t f = 0; f < nf; ++f)
      if (doc_->nodes_[first_slot + f].kind == TypeKind::kNull && !type->fields[f].optional)
        return false;
    return true;
  }

  // Whether the format field may state a retired format (the general path explains it): a
  // string or member of that name, or any value of another kind.
  bool retired(const DocNode& node) const {
    if (pack_.retired_formats.empty()) return false;
    std::string_view s;
    if (node.kind == TypeKind::kString)
      s = std::string_view(strings_.get() + node.begin, node.size);
    else if (node.kind == TypeKind::kEnum)
      s = node.type->members[node.member];
    else
      return true;
    for (const auto& entry : pack_.retired_formats)
      if (s == entry.first) return true;
    return false;
  }

  // Fills node `n` from the value whose (first) event is the current one, not a null.
  bool value(uint32_t n, const FieldType& ft) {
    if (!budget()) return false;
    const Type* type = ft.type;
    if (type->kind == TypeKind::kRecord) {
      if (event_.type != YAML_MAPPING_START_EVENT || !plain_collection() || !open()) return false;
      return record(n, type);
    }
    if (type->kind == TypeKind::kList) {
      if (event_.type != YAML_SEQUENCE_START_EVENT || !plain_collection() || !open()) return false;
      return list(n, ft);
    }
    if (!plain_scalar_event()) return false;
    const std::string_view s = scalar();
    if (s.size() > limits_.max_string_bytes) return false;
    const ScalarKind kind = quoted() ? ScalarKind::kString : resolve_core_scalar(s);
    DocNode& node = doc_->nodes_[n];
    switch (type->kind) {
      case TypeKind::kString:
        if (kind != ScalarKind::kString || (ft.nonempty && is_blank(s))) return false;
        if (s.size() > capacity_ - used_) {
          capacity_ = 2 * capacity_ + s.size();
          std::unique_ptr<char[]> grown(new char[capacity_]);
          std::memcpy(grown.get(), strings_.get(), used_);
          strings_ = std::move(grown);
        }
        if (!s.empty()) std::memcpy(strings_.get() + used_, s.data(), s.size());
        node.kind = TypeKind::kString;
        node.begin = static_cast<uint32_t>(used_);
        node.size = static_cast<uint32_t>(s.size());
        used_ += s.size();
        return true;
      case TypeKind::kBool:
        if (kind != ScalarKind::kBool) return false;
        node.kind = TypeKind::kBool;
        node.b = s[0] == 't' || s[0] == 'T';
        return true;
      case TypeKind::kInt: {
        int64_t x = 0;
        if (kind != ScalarKind::kInt || parse_core_int(s, &x) != NumberStatus::kOk) return false;
        node.kind = TypeKind::kInt;
        node.i = x;
        return true;
      }
      case TypeKind::kNumber: {
        double x = 0;
        if ((kind != ScalarKind::kInt && kind != ScalarKind::kFloat) ||
            parse_core_number(s, &x) != NumberStatus::kOk)
          return false;
        node.kind = TypeKind::kNumber;
        node.d = x;
        return true;
      }
      case TypeKind::kDate: {
        if (kind != ScalarKind::kString) return false;
        if (s.empty() && ft.optional) return true;  // an empty date reads as missing
        int32_t days = 0;
        if (!parse_iso_date(s, &days)) return false;
        node.kind = TypeKind::kDate;
        node.date = days;
        return true;
      }
      case TypeKind::kEnum: {
        const int m = kind == ScalarKind::kString ? type->find_member(s) : -1;
        if (m < 0) return false;
        node.kind = TypeKind::kEnum;
        node.member = static_cast<uint32_t>(m);
        return true;
      }
      default:
        return false;
    }
  }

  // Fills list node `n` from the sequence whose start is the current event, through its end.
  // Its items are nodes made as they are read; their slots, contiguous, follow once the list is
  // done (a stack shared by every level).
  bool list(uint32_t n, const FieldType& ft) {
    const Type* element = ft.type->element;
    FieldType elem;
    elem.type = element;
    const size_t mark_at = items_.size();
    uint32_t index = 0;
    for (;;) {
      if (!next()) return false;
      if (event_.type == YAML_SEQUENCE_END_EVENT) break;
      const uint32_t c = new_node(element, n, index++, mark());
      items_.push_back(c);
      // A null item is an error, and so is an item left missing (an empty optional date).
      if (null_event() || !value(c, elem) || doc_->nodes_[c].kind == TypeKind::kNull) return false;
    }
    --open_;
    if (ft.nonempty && index == 0) return false;
    std::vector<uint32_t>& children = doc_->children_;
    DocNode& node = doc_->nodes_[n];
    node.kind = TypeKind::kList;
    node.begin = static_cast<uint32_t>(children.size());
    node.size = index;
    children.insert(children.end(), items_.begin() + static_cast<ptrdiff_t>(mark_at), items_.end());
    items_.resize(mark_at);
    return true;
  }

  const CompiledPack& pack_;
  const LoadLimits& limits_;
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
  std::shared_ptr<Document> doc_;
  size_t values_ = 0;
  size_t open_ = 0;                  // collections open
  size_t capacity_;                  // of strings_
  std::unique_ptr<char[]> strings_;  // the document's strings until it is built
  size_t used_ = 0;                  // bytes of strings_ in use
  std::vector<uint32_t> items_;
  std::vector<uint8_t> seen_;  // per field of each open record: a key named it
};

std::shared_ptr<Document> detail::build_yaml_document(const CompiledPack& pack,
                                                      const LoadLimits& limits,
                                                      std::string_view text, std::string& file) {
  YamlDocumentBuilder builder(pack, limits, text);
  std::shared_ptr<Document> out = builder.build();
  if (out) YamlDocumentBuilder::name(*out, file);  // only now: the general path needs it otherwise
  return out;
}

}  // namespace steward
