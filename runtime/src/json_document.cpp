// The JSON fast path: a valid JSON agreement straight from simdjson's walk to the typed
// Document, with no untyped tree between them (issue 21). It reads only what it can take
// whole; at the first thing that would be an input error, or that it does not read (an escape,
// a key the schema does not know, a value of the wrong kind), it gives up and the general path
// (json_reader.cpp or yaml_reader.cpp, then document_builder.cpp) reads the text again and
// reports it. So it needs no error messages, and what it returns must equal what the general
// path builds: tests and the agreement fuzzer compare the two (document_difference).
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "approvals.h"
#include "document_builder.h"
#include "fast_document.h"
#include "kept_buffer.h"
#include "raw_tree.h"

namespace steward {

using namespace simdjson;

// kCounted false: the text is too short to pass the key and value limits (charge_text).
template <bool kCounted>
class JsonDocumentBuilder {
 public:
  JsonDocumentBuilder(const CompiledPack& pack, const LoadLimits& limits, padded_string_view buf,
                      bool ascii)
      : out_(pack, limits, buf.size()), base_(buf.data()), max_depth_(limits.max_depth) {
    // In ASCII text nodes hold their byte offsets, and a position is looked up in the line
    // index when a reason or a caller asks (finding every node's line and column as it was
    // read was a tenth of loading). Other text counts code points for its columns: as it is
    // read, once (counted when asked, a line of many values was read again for each).
    const std::string_view text(buf.data(), buf.size());
    if constexpr (!kCounted) out_.charge_text(text.size());
    if (ascii)
      out_.keep_newlines(text);
    else
      lines_.emplace(text, false);
  }

  // Reads the root; false to hand the text to the general path.
  bool build(ondemand::value root) {
    const char* at = nullptr;
    if (root.current_location().get(at)) return false;
    ondemand::object obj;
    if (root.get_object().get(obj)) return false;
    const auto [line, column] = where(at);
    const uint32_t r = out_.new_node(out_.pack().root, kNoIndex, 0, line, column);
    // The root is a value of depth 1 (json_reader.cpp counts the same way); the general path
    // counts no value for it.
    return 1 <= out_.limits().max_depth && record(obj, r, out_.pack().root, 1);
  }

  // The approval lists rewritten from review records (FastDocument::apply_approvals).
  bool apply_approvals(detail::RecordLookup& records, ApprovalSource* source) {
    return out_.apply_approvals(records, source);
  }

  // The document read; `file` is taken.
  std::shared_ptr<Document> finish(std::string& file) { return out_.finish(file); }

 private:
  bool record(ondemand::object obj, uint32_t r, const Type* type, size_t depth) {
    FastDocument::Record rec = out_.open_record(r, type);
    for (auto item : obj) {
      ondemand::field field;
      if (std::move(item).get(field)) return false;
      // The key as it stands in the text: with no backslash in it (the caller's check) the
      // text is the key, so simdjson need not unescape a copy of it (parse_string for every key
      // was about 40 instructions each of a 2 KB load).
      const char* key = reinterpret_cast<const char*>(field.key().raw());
      const std::string_view name = plain_string(key);
      const auto [line, column] = where(key - 1);  // the opening quote
      const int f = out_.template take_key<kCounted>(rec, name, line, column);
      if (f < 0) return false;
      const uint32_t n = rec.first_slot + static_cast<uint32_t>(f);
      const FieldType& ft = type->fields[f];
      // A text field's value is read here, not through a call to value() (its entry and exit
      // were about 500 instructions of a 2 KB load). A string opens no collection, so the depth
      // limit, which counts them (the general readers' rule), does not apply to it.
      const TypeKind kind = ft.type->kind;
      const bool read = takes_text(ft)              ? text_value(field.value(), n, ft)
                        : kind == TypeKind::kRecord ? inner_record(field.value(), n, ft, depth + 1)
                        : kind == TypeKind::kList   ? inner_list(field.value(), n, ft, depth + 1)
                                                    : value(field.value(), n, ft, depth + 1);
      if (!read || !out_.after_value(rec, f)) return false;
    }
    return out_.close_record(rec);
  }

  // True for a JSON null, which leaves its field missing; anything else (`nul`, `nullx`, a
  // value of another kind) is false, so the general path reads the text again and reports it.
  static bool is_null(ondemand::value& v) {
    bool null = false;
    return !v.is_null().get(null) && null;
  }

  // String, date and enum fields take only a string: most of an agreement's values.
  static bool takes_text(const FieldType& ft) {
    const TypeKind k = ft.type->kind;
    return k == TypeKind::kString || k == TypeKind::kDate || k == TypeKind::kEnum;
  }
  // Fills node `n` of such a field from `v`. Reading a string straight away skips asking its
  // type; a value that is not a string is left unread by the failed get_string, so it may
  // still be the null that leaves the field missing.
  [[gnu::always_inline]] bool text_value(ondemand::value& v, uint32_t n, const FieldType& ft) {
    ondemand::raw_json_string raw;
    if (!v.get_raw_json_string().get(raw))
      return out_.template count_value<kCounted>() &&
             out_.scalar(n, ft, ScalarKind::kString,
                         plain_string(reinterpret_cast<const char*>(raw.raw())));
    return is_null(v);
  }

  // The string whose opening quote is just before `p`, read where it stands: in a text with no
  // backslash (the caller's check) its first quote closes it, and its bytes are its value
  // (simdjson validated the UTF-8 of the whole text). Reads past the quote in 16-byte steps:
  // simdjson's padding after the text holds them.
  static std::string_view plain_string(const char* p) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    for (size_t i = 0;; i += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, quote))))
        return {p, i + static_cast<size_t>(std::countr_zero(m))};
    }
#else
    size_t i = 0;
    while (p[i] != '"') ++i;
    return {p, i};
#endif
  }

  // A record or list field's value, read as an object or array straight away, without
  // value()'s question of its type (its entry and exit were about 50 instructions a call). A
  // failed get_object or get_array leaves the value unread, so it may still be the null that
  // leaves the field missing, as in value().
  bool inner_record(ondemand::value v, uint32_t n, const FieldType& ft, size_t depth) {
    if (depth > max_depth_) return false;
    ondemand::object obj;
    if (v.get_object().get(obj)) return is_null(v);
    return out_.template count_value<kCounted>() && record(obj, n, ft.type, depth);
  }
  bool inner_list(ondemand::value v, uint32_t n, const FieldType& ft, size_t depth) {
    if (depth > max_depth_) return false;
    ondemand::array arr;
    if (v.get_array().get(arr)) {
      if (!is_null(v)) return false;
      out_.stated_null_list(n);
      return true;
    }
    return out_.template count_value<kCounted>() && list(arr, n, ft, depth);
  }

  // Fills node `n` from `v`; true leaves a JSON null missing. Text fields, records and record
  // items never come here (text_value, inner_record).
  bool value(ondemand::value v, uint32_t n, const FieldType& ft, size_t depth) {
    if (depth > max_depth_) return false;
    switch (ft.type->kind) {
      case TypeKind::kBool: {  // the same for a boolean: get_bool leaves anything else unread
        bool b = false;
        if (!v.get_bool().get(b))
          return out_.template count_value<kCounted>() &&
                 out_.scalar(n, ft, ScalarKind::kBool, b ? std::string_view("true") : "false");
        return is_null(v);
      }
      default:
        break;
    }
    ondemand::json_type t;
    if (v.type().get(t)) return false;
    if (t == ondemand::json_type::null) {
      if (!is_null(v)) return false;
      if (ft.type->kind == TypeKind::kList) out_.stated_null_list(n);
      return true;
    }
    if (!out_.template count_value<kCounted>()) return false;
    if (ft.type->kind == TypeKind::kList) {  // an item of a list of lists
      ondemand::array arr;
      if (t != ondemand::json_type::array || v.get_array().get(arr)) return false;
      return list(arr, n, ft, depth);
    }
    switch (t) {
      case ondemand::json_type::string: {
        std::string_view s;
        return !v.get_string().get(s) && out_.scalar(n, ft, ScalarKind::kString, s);
      }
      case ondemand::json_type::boolean: {
        bool b = false;
        return !v.get_bool().get(b) &&
               out_.scalar(n, ft, ScalarKind::kBool, b ? std::string_view("true") : "false");
      }
      case ondemand::json_type::number: {
        // A number is read from its text by the rules every loader uses (YAML 1.2 core), not
        // by simdjson's own conversion, which accepts what those rules may not.
        ondemand::number checked;
        if (v.get_number().get(checked)) return false;  // well-formed JSON first
        const std::string_view raw = detail::json_scalar_text(v.raw_json_token());
        const ScalarKind kind = resolve_core_scalar(raw);
        return (kind == ScalarKind::kInt || kind == ScalarKind::kFloat) &&
               out_.scalar(n, ft, kind, raw);
      }
      default:
        return false;
    }
  }

  bool list(ondemand::array arr, uint32_t n, const FieldType& ft, size_t depth) {
    FieldType elem;
    elem.type = ft.type->element;
    const size_t mark = out_.open_list();
    const bool text = takes_text(elem);  // items read here, as a record's fields are
    const bool records = elem.type->kind == TypeKind::kRecord;
    uint32_t index = 0;
    for (auto entry : arr) {
      ondemand::value iv;
      if (std::move(entry).get(iv)) return false;
      const char* at = nullptr;
      if (iv.current_location().get(at)) return false;
      const auto [line, column] = where(at);
      const uint32_t c = out_.list_item(n, index++, line, column);
      // A null item is an error, and so is an item left missing (an empty optional date).
      const bool read = text      ? text_value(iv, c, elem)
                        : records ? inner_record(iv, c, elem, depth + 1)
                                  : value(iv, c, elem, depth + 1);
      if (!read || out_.node(c).kind == TypeKind::kNull) return false;
    }
    return out_.close_list(n, ft, mark);
  }

  // Where `at` is, as new_node takes it: line 0 and the byte offset, or line and column.
  std::pair<uint32_t, uint32_t> where(const char* at) {
    const auto offset = static_cast<uint32_t>(at - base_);
    if (!lines_) return {0, offset};
    uint32_t line = 0, column = 0;
    lines_->at(offset, &line, &column);
    return {line, column};
  }

  FastDocument out_;
  const char* base_;
  const size_t max_depth_;  // asked of every value: held here, not behind out_'s limits
  std::optional<detail::LineCursor> lines_;  // non-ASCII text only
};

std::shared_ptr<Document> detail::build_json_document(const CompiledPack& pack,
                                                      const LoadLimits& limits,
                                                      std::string_view text, bool ascii,
                                                      std::string& file, RecordLookup* records,
                                                      ApprovalSource* source) {
  thread_local ondemand::parser parser;
  // The text with simdjson's padding after it, in a buffer the thread keeps as the parser keeps
  // its own (a padded_string per document was an allocation and a free on every load), given
  // back after a very large document.
  thread_local std::string padded;
  const KeptBufferUse use(padded);
  const size_t need = text.size() + SIMDJSON_PADDING;
  if (padded.size() < need) padded.resize(std::max(need, size_t{4096}));
  std::memcpy(padded.data(), text.data(), text.size());
  std::memset(padded.data() + text.size(), 0, SIMDJSON_PADDING);
  const padded_string_view buf(padded.data(), text.size(), padded.size());
  ondemand::document doc;
  if (parser.iterate(buf).get(doc)) return nullptr;
  ondemand::value root;
  ondemand::json_type t;
  if (doc.type().get(t) || t != ondemand::json_type::object || doc.get_value().get(root))
    return nullptr;
  auto run = [&](auto&& builder) -> std::shared_ptr<Document> {
    // Gives up too at content after the value.
    const char* rest = nullptr;
    if (!builder.build(root) || !doc.current_location().get(rest)) return nullptr;
    if (records != nullptr && !builder.apply_approvals(*records, source)) return nullptr;
    return builder.finish(file);  // only now: the general path needs the file name otherwise
  };
  if (text.size() <= std::min(limits.max_keys, limits.max_values))
    return run(JsonDocumentBuilder<false>(pack, limits, buf, ascii));
  return run(JsonDocumentBuilder<true>(pack, limits, buf, ascii));
}

}  // namespace steward
