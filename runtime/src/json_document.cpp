// The JSON fast path: a valid JSON agreement straight from simdjson's walk to the typed
// Document, with no untyped tree between them (issue 21). It reads only what it can take
// whole; at the first thing that would be an input error, or that it does not read (an escape,
// a key the schema does not know, a value of the wrong kind), it gives up and the general path
// (json_reader.cpp or yaml_reader.cpp, then document_builder.cpp) reads the text again and
// reports it. So it needs no error messages, and what it returns must equal what the general
// path builds: tests and the agreement fuzzer compare the two (document_difference).
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <vector>

#include "document_builder.h"
#include "raw_tree.h"
#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/source.h"

namespace steward {

using namespace simdjson;

class JsonDocumentBuilder {
 public:
  JsonDocumentBuilder(const CompiledPack& pack, const LoadLimits& limits, const padded_string& buf)
      : pack_(pack), limits_(limits), base_(buf.data()), size_(buf.size()), lines_(buf) {
    doc_ = std::make_shared<Document>();
    doc_->nodes_.reserve(size_ / 16 + 64);
    doc_->children_.reserve(size_ / 16 + 64);
    // Strings are unescaped text of disjoint stretches of the input: the input's size holds
    // them. (Not the document's own string: resizing that would first fill it with zeros.)
    strings_.reset(new char[size_ ? size_ : 1]);
    items_.reserve(64);
  }

  // Names the document's file, taking `file`.
  static void name(Document& doc, std::string& file) { doc.file_ = std::move(file); }

  // The document, or null to hand the text to the general path.
  std::shared_ptr<Document> build(ondemand::value root) {
    const char* at = nullptr;
    if (root.current_location().get(at)) return nullptr;
    ondemand::object obj;
    if (root.get_object().get(obj)) return nullptr;
    Pos pos;
    lines_.at(static_cast<size_t>(at - base_), &pos.line, &pos.column);
    const uint32_t r = new_node(pack_.root, kNoIndex, 0, pos);
    // The root is a value of depth 1 (json_reader.cpp counts the same way); the general path
    // counts no value for it.
    if (1 > limits_.max_depth || !record(obj, r, pack_.root, 1)) return nullptr;
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

  bool record(ondemand::object obj, uint32_t r, const Type* type, size_t depth) {
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
    for (auto item : obj) {
      ondemand::field field;
      if (std::move(item).get(field)) return false;
      if (++keys > limits_.max_keys || !budget()) return false;
      // The key's position first: unescaping consumes the key (simdjson then assumes it is
      // never read again; reading it after is undefined behaviour, which an optimizer used).
      const char* key_at = field.key().raw() - 1;  // the opening quote
      std::string_view name;
      if (field.unescaped_key().get(name)) return false;
      const int f = next_field < nf && type->fields[next_field].name == name
                        ? static_cast<int>(next_field)
                        : type->find_field(name);
      if (f < 0 || seen_[seen_base + static_cast<size_t>(f)]) return false;
      seen_[seen_base + static_cast<size_t>(f)] = 1;
      next_field = static_cast<uint32_t>(f) + 1;
      // Only the engine writes observations.
      if (r == 0 && f == pack_.observed_field) return false;
      DocNode& slot = doc_->nodes_[first_slot + static_cast<uint32_t>(f)];
      lines_.at(static_cast<size_t>(key_at - base_), &slot.line, &slot.column);
      const uint32_t n = first_slot + static_cast<uint32_t>(f);
      if (!value(field.value(), n, type->fields[f], depth + 1)) return false;
      if (r == 0 && f == pack_.format_field && retired(doc_->nodes_[n])) return false;
    }
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
      s = doc_->string(node);
    else if (node.kind == TypeKind::kEnum)
      s = node.type->members[node.member];
    else
      return true;
    for (const auto& entry : pack_.retired_formats)
      if (s == entry.first) return true;
    return false;
  }

  // Fills node `n` from `v`; true leaves a JSON null missing.
  bool value(ondemand::value v, uint32_t n, const FieldType& ft, size_t depth) {
    if (depth > limits_.max_depth) return false;
    ondemand::json_type t;
    if (v.type().get(t)) return false;
    if (t == ondemand::json_type::null) {
      bool null = false;
      return !v.is_null().get(null) && null;
    }
    if (!budget()) return false;
    const Type* type = ft.type;
    switch (type->kind) {
      case TypeKind::kRecord: {
        ondemand::object obj;
        if (t != ondemand::json_type::object || v.get_object().get(obj)) return false;
        return record(obj, n, type, depth);
      }
      case TypeKind::kList:
        return t == ondemand::json_type::array && list(v, n, ft, depth);
      case TypeKind::kString:
      case TypeKind::kDate:
      case TypeKind::kEnum: {
        std::string_view s;
        if (t != ondemand::json_type::string || v.get_string().get(s)) return false;
        if (s.size() > limits_.max_string_bytes) return false;
        DocNode& node = doc_->nodes_[n];
        if (type->kind == TypeKind::kString) {
          if (ft.nonempty && is_blank(s)) return false;
          if (s.size() > size_ - used_) return false;
          if (!s.empty()) std::memcpy(strings_.get() + used_, s.data(), s.size());
          node.kind = TypeKind::kString;
          node.begin = static_cast<uint32_t>(used_);
          node.size = static_cast<uint32_t>(s.size());
          used_ += s.size();
          return true;
        }
        if (type->kind == TypeKind::kDate) {
          if (s.empty() && ft.optional) return true;  // an empty date reads as missing
          int32_t days = 0;
          if (!parse_iso_date(s, &days)) return false;
          node.kind = TypeKind::kDate;
          node.date = days;
          return true;
        }
        const int m = type->find_member(s);
        if (m < 0) return false;
        node.kind = TypeKind::kEnum;
        node.member = static_cast<uint32_t>(m);
        return true;
      }
      case TypeKind::kBool: {
        bool b = false;
        if (t != ondemand::json_type::boolean || v.get_bool().get(b)) return false;
        if ((b ? 4u : 5u) > limits_.max_string_bytes) return false;  // its text, as for others
        doc_->nodes_[n].kind = TypeKind::kBool;
        doc_->nodes_[n].b = b;
        return true;
      }
      case TypeKind::kInt:
      case TypeKind::kNumber:
        return t == ondemand::json_type::number && number(v, n, type->kind);
      default:
        return false;
    }
  }

  // A number is read from its text by the rules every loader uses (YAML 1.2 core), not by
  // simdjson's own conversion, which accepts what those rules may not.
  bool number(ondemand::value v, uint32_t n, TypeKind kind) {
    ondemand::number checked;
    if (v.get_number().get(checked)) return false;  // well-formed JSON first
    const std::string_view raw = detail::json_scalar_text(v.raw_json_token());
    if (raw.size() > limits_.max_string_bytes) return false;
    const ScalarKind sk = resolve_core_scalar(raw);
    DocNode& node = doc_->nodes_[n];
    if (kind == TypeKind::kInt) {
      int64_t x = 0;
      if (sk != ScalarKind::kInt || parse_core_int(raw, &x) != NumberStatus::kOk) return false;
      node.kind = TypeKind::kInt;
      node.i = x;
      return true;
    }
    double x = 0;
    if ((sk != ScalarKind::kInt && sk != ScalarKind::kFloat) ||
        parse_core_number(raw, &x) != NumberStatus::kOk)
      return false;
    node.kind = TypeKind::kNumber;
    node.d = x;
    return true;
  }

  // A list's items are nodes made as they are read; their slots, contiguous, follow once the
  // list is done (a stack shared by every level, as json_reader.cpp does).
  bool list(ondemand::value v, uint32_t n, const FieldType& ft, size_t depth) {
    ondemand::array arr;
    if (v.get_array().get(arr)) return false;
    const Type* element = ft.type->element;
    FieldType elem;
    elem.type = element;
    const size_t mark = items_.size();
    uint32_t index = 0;
    for (auto entry : arr) {
      ondemand::value iv;
      if (std::move(entry).get(iv)) return false;
      const char* at = nullptr;
      if (iv.current_location().get(at)) return false;
      Pos pos;
      lines_.at(static_cast<size_t>(at - base_), &pos.line, &pos.column);
      const uint32_t c = new_node(element, n, index++, pos);
      items_.push_back(c);
      // A null item is an error, and so is an item left missing (an empty optional date).
      if (!value(iv, c, elem, depth + 1) || doc_->nodes_[c].kind == TypeKind::kNull) return false;
    }
    if (ft.nonempty && index == 0) return false;
    std::vector<uint32_t>& children = doc_->children_;
    DocNode& node = doc_->nodes_[n];
    node.kind = TypeKind::kList;
    node.begin = static_cast<uint32_t>(children.size());
    node.size = index;
    children.insert(children.end(), items_.begin() + static_cast<ptrdiff_t>(mark), items_.end());
    items_.resize(mark);
    return true;
  }

  const CompiledPack& pack_;
  const LoadLimits& limits_;
  const char* base_;
  size_t size_;
  detail::LineCursor lines_;
  std::shared_ptr<Document> doc_;
  size_t values_ = 0;
  std::unique_ptr<char[]> strings_;  // the document's strings until it is built
  size_t used_ = 0;                  // bytes of strings_ in use
  std::vector<uint32_t> items_;
  std::vector<uint8_t> seen_;  // per field of each open record: a key named it
};

std::shared_ptr<Document> detail::build_json_document(const CompiledPack& pack,
                                                      const LoadLimits& limits,
                                                      std::string_view text, std::string& file) {
  thread_local ondemand::parser parser;
  padded_string buf(text);
  ondemand::document doc;
  if (parser.iterate(buf).get(doc)) return nullptr;
  ondemand::value root;
  ondemand::json_type t;
  if (doc.type().get(t) || t != ondemand::json_type::object || doc.get_value().get(root))
    return nullptr;
  JsonDocumentBuilder builder(pack, limits, buf);
  std::shared_ptr<Document> out = builder.build(root);
  const char* rest = nullptr;
  if (!out || !doc.current_location().get(rest)) return nullptr;  // content after the value
  JsonDocumentBuilder::name(*out, file);  // only now: the general path needs it otherwise
  return out;
}

}  // namespace steward
