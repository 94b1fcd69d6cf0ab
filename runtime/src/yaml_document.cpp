// The YAML fast path: a plain YAML agreement straight from libyaml's events to the typed
// Document, with no untyped tree between them (issue 21), as json_document.cpp does for JSON.
// It reads only what it can take whole; at anything that would be an input error, or that it
// does not read (an anchor, an alias, a tag, a second document, a key the schema does not know,
// a value of the wrong kind), it gives up and the general path (yaml_reader.cpp, then
// document_builder.cpp) reads the text again and reports it. The events are the general path's
// own, so every position is too; what it returns must equal the general path's document: tests
// and the agreement fuzzer compare the two (document_difference).
#include <memory>

#include "approvals.h"
#include "document_builder.h"
#include "fast_document.h"
#include "yaml_events.h"

namespace steward {

class YamlDocumentBuilder {
 public:
  YamlDocumentBuilder(const CompiledPack& pack, const LoadLimits& limits, std::string_view text)
      : out_(pack, limits, text.size()), events_(text) {}

  // Reads the stream; false to hand the text to the general path.
  bool build() {
    if (!next() || ev().type != YAML_STREAM_START_EVENT) return false;
    if (!next() || ev().type != YAML_DOCUMENT_START_EVENT) return false;
    // The root: a mapping (anything else is an error the general path explains).
    if (!next() || ev().type != YAML_MAPPING_START_EVENT || !plain_collection()) return false;
    const uint32_t r = out_.new_node(out_.pack().root, kNoIndex, 0, line(), column());
    // yaml_reader.cpp refuses a collection opened with max_depth collections already open.
    if (!open() || !record(r, out_.pack().root)) return false;
    // One document, and nothing after it but the end of the stream.
    return next() && ev().type == YAML_DOCUMENT_END_EVENT && next() &&
           ev().type == YAML_STREAM_END_EVENT;
  }

  // The approval lists rewritten from review records (FastDocument::apply_approvals).
  bool apply_approvals(detail::RecordLookup& records, ApprovalSource* source) {
    return out_.apply_approvals(records, source);
  }

  // The document read; `file` is taken.
  std::shared_ptr<Document> finish(std::string& file) { return out_.finish(file); }

 private:
  bool next() { return events_.next(); }
  const yaml_event_t& ev() const { return events_.event(); }

  uint32_t line() const { return static_cast<uint32_t>(ev().start_mark.line + 1); }
  uint32_t column() const { return static_cast<uint32_t>(ev().start_mark.column + 1); }

  // No anchor and no tag: the general path resolves the one and refuses the other.
  bool plain_collection() const {
    if (ev().type == YAML_MAPPING_START_EVENT)
      return ev().data.mapping_start.anchor == nullptr && ev().data.mapping_start.tag == nullptr;
    return ev().data.sequence_start.anchor == nullptr && ev().data.sequence_start.tag == nullptr;
  }
  bool plain_scalar_event() const {
    return ev().type == YAML_SCALAR_EVENT && ev().data.scalar.anchor == nullptr &&
           ev().data.scalar.tag == nullptr;
  }
  std::string_view scalar() const {
    return {reinterpret_cast<const char*>(ev().data.scalar.value), ev().data.scalar.length};
  }
  // Written in quotes or as a block (`|`, `>`): always a string (raw_tree.h's `quoted`).
  bool quoted() const {
    return ev().data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
           ev().data.scalar.style != YAML_ANY_SCALAR_STYLE;
  }
  // The current event's scalar as the general path resolves it, resolved once for both the null
  // test and the value: kNull for a plain null (`~`, `null`, nothing), a missing value; kString
  // when quoted and for any event but a plain scalar, which value() refuses for a scalar field.
  ScalarKind scalar_kind() const {
    if (!plain_scalar_event() || quoted()) return ScalarKind::kString;
    return resolve_core_scalar(scalar());
  }

  // A collection opens one level deeper; yaml_reader.cpp refuses it at max_depth open ones.
  bool open() { return open_++ < out_.limits().max_depth; }

  // Fills record node `r` from the mapping whose start is the current event, through its end.
  bool record(uint32_t r, const Type* type) {
    FastDocument::Record rec = out_.open_record(r, type);
    for (;;) {
      if (!next()) return false;
      if (ev().type == YAML_MAPPING_END_EVENT) break;
      // A key is a plain string: not a collection, an alias, an anchored or tagged scalar.
      if (!plain_scalar_event()) return false;
      const int f = out_.take_key(rec, scalar(), line(), column());
      if (f < 0 || !next()) return false;
      const uint32_t n = rec.first_slot + static_cast<uint32_t>(f);
      const ScalarKind kind = scalar_kind();
      if ((kind != ScalarKind::kNull && !value(n, type->fields[f], kind)) ||
          !out_.after_value(rec, f))
        return false;
      if (kind == ScalarKind::kNull && type->fields[f].type->kind == TypeKind::kList)
        out_.stated_null_list(n);
    }
    --open_;
    return out_.close_record(rec);
  }

  // Fills node `n` from the value whose (first) event is the current one, not a null; `kind` is
  // scalar_kind() of that event.
  bool value(uint32_t n, const FieldType& ft, ScalarKind kind) {
    if (!out_.budget()) return false;
    switch (ft.type->kind) {
      case TypeKind::kRecord:
        return ev().type == YAML_MAPPING_START_EVENT && plain_collection() && open() &&
               record(n, ft.type);
      case TypeKind::kList:
        return ev().type == YAML_SEQUENCE_START_EVENT && plain_collection() && open() &&
               list(n, ft);
      default:
        if (!plain_scalar_event()) return false;
        return out_.scalar(n, ft, kind, scalar());
    }
  }

  // Fills list node `n` from the sequence whose start is the current event, through its end.
  bool list(uint32_t n, const FieldType& ft) {
    FieldType elem;
    elem.type = ft.type->element;
    const size_t mark = out_.open_list();
    uint32_t index = 0;
    for (;;) {
      if (!next()) return false;
      if (ev().type == YAML_SEQUENCE_END_EVENT) break;
      const uint32_t c = out_.list_item(n, index++, line(), column());
      // A null item is an error, and so is an item left missing (an empty optional date).
      const ScalarKind kind = scalar_kind();
      if (kind == ScalarKind::kNull || !value(c, elem, kind) ||
          out_.node(c).kind == TypeKind::kNull)
        return false;
    }
    --open_;
    return out_.close_list(n, ft, mark);
  }

  FastDocument out_;
  detail::YamlEvents events_;
  size_t open_ = 0;  // collections open
};

std::shared_ptr<Document> detail::build_yaml_document(const CompiledPack& pack,
                                                      const LoadLimits& limits,
                                                      std::string_view text, std::string& file,
                                                      RecordLookup* records,
                                                      ApprovalSource* source) {
  YamlDocumentBuilder builder(pack, limits, text);
  if (!builder.build()) return nullptr;
  if (records != nullptr && !builder.apply_approvals(*records, source)) return nullptr;
  return builder.finish(file);  // only now: the general path needs the file name otherwise
}

}  // namespace steward
