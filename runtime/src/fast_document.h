// What the JSON and YAML fast paths share (internal to the runtime): a Document built node by
// node from a parser's walk (json_document.cpp) or events (yaml_document.cpp), in the general
// path's layout and by its rules, by a reader that gives up at the first thing it does not
// read whole. Every check returns false for "give up"; none reports anything.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kept_tables.h"
#include "raw_tree.h"
#include "steward/date.h"
#include "steward/document.h"
#include "steward/program.h"
#include "steward/scalar.h"
#include "steward/source.h"

namespace steward {

namespace detail {
class RecordLookup;
}

class FastDocument {
 public:
  FastDocument(const CompiledPack& pack, const LoadLimits& limits, size_t text_size)
      : pack_(pack), limits_(limits), scratch_(take_scratch()), items_(scratch_->items) {
    doc_ = std::make_shared<Document>();
    // The last destroyed document's tables, when this thread keeps them (kept_tables.h).
    detail::DocumentTables tables;
    detail::take_tables(tables);
    doc_->nodes_ = std::move(tables.nodes);
    doc_->children_ = std::move(tables.children);
    doc_->strings_ = std::move(tables.strings);
    doc_->newlines_ = std::move(tables.newlines);
    doc_->nodes_.reserve(text_size / 16 + 64);
    doc_->children_.reserve(text_size / 16 + 64);
    // Strings are disjoint stretches of the text (unescaped): its size nearly always holds
    // them. (Not the document's own string: resizing that would first fill it with zeros.)
    std::string& strings = scratch_->strings;
    if (strings.size() < text_size + 16) strings.resize(std::max(text_size + 16, size_t{4096}));
    strings_ = strings.data();
    capacity_ = strings.size();
    items_.clear();
  }
  FastDocument(const FastDocument&) = delete;
  FastDocument& operator=(const FastDocument&) = delete;

  const CompiledPack& pack() const { return pack_; }
  const LoadLimits& limits() const { return limits_; }
  DocNode& node(uint32_t n) { return doc_->nodes_[n]; }

  // A node at `line` and `column`, or at line 0 and a byte offset (keep_newlines).
  uint32_t new_node(const Type* type, uint32_t parent, uint32_t index, uint32_t line,
                    uint32_t column) {
    DocNode n;
    n.type = type;
    n.parent = parent;
    n.index = index;
    n.at_line = line;
    n.at_column = column;
    doc_->nodes_.push_back(n);
    return static_cast<uint32_t>(doc_->nodes_.size() - 1);
  }

  // The general path counts a value for every key and every value it reads, and stops past
  // the budget; so does a fast path (it then gives up, and the general path reports the limit).
  bool budget() { return ++values_ <= limits_.max_values; }
  // Where a reader has shown that its text cannot hold more keys or values than the limits
  // allow (a JSON text of no more bytes than either limit: every key and value starts at a
  // byte of its own), it skips counting them (kCounted false: 730-830 instructions of a 2 KB
  // load) and charges the text's size instead, so that approvals from review records, counted
  // on top, can only make it give up sooner than the general path.
  void charge_text(size_t bytes) { values_ = bytes; }
  template <bool kCounted>
  bool count_value() {
    if constexpr (kCounted) return budget();
    return true;
  }

  // A record being read: its field slots, made at its position (a field no key names keeps
  // it, as the general path gives it), and which of them a key has named.
  struct Record {
    uint32_t node;
    const Type* type;
    uint32_t first_slot;
    // Which fields a key has named: a bit each, or for a record of more than 64 fields flags
    // in seen_ from offset `seen` (flags for every record, with the root's fields tested on
    // every key below, were 600-1,000 instructions of a 2 KB JSON load). `wide` could be
    // told from `seen` (a sentinel offset), but that cost 140 instructions a load, measured.
    bool wide = false;
    uint64_t named = 0;
    size_t seen = 0;
    // The root's fields a key may not simply fill (the engine's observations; a format field
    // that may state a retired format), -1 elsewhere: one compare a key instead of three.
    int observed = -1;
    int format = -1;
    uint32_t keys = 0;        // counted by take_key<true> only: a short text cannot pass a limit
    uint32_t next_field = 0;  // keys usually come in the schema's order
  };
  Record open_record(uint32_t r, const Type* type) {
    const uint32_t nf = static_cast<uint32_t>(type->fields.size());
    std::vector<uint32_t>& children = doc_->children_;
    const uint32_t first_slot = static_cast<uint32_t>(doc_->nodes_.size());
    {
      DocNode& n = doc_->nodes_[r];
      n.kind = TypeKind::kRecord;
      n.begin = static_cast<uint32_t>(children.size());
      n.size = nf;
    }
    // Every slot is the record's position and parent with its field's type and index: one
    // node made here and copied, with those two changed, for each.
    DocNode slot;
    slot.parent = r;
    slot.at_line = doc_->nodes_[r].at_line;
    slot.at_column = doc_->nodes_[r].at_column;
    const FieldType* field = type->fields.data();
    for (uint32_t f = 0; f < nf; ++f) {
      children.push_back(first_slot + f);
      slot.type = field[f].type;
      slot.index = f;
      doc_->nodes_.push_back(slot);
    }
    Record rec{r, type, first_slot};
    if (nf > 64) {
      rec.wide = true;
      rec.seen = seen_.size();
      seen_.resize(rec.seen + nf, 0);
    }
    if (r == 0) {
      rec.observed = pack_.observed_field;
      if (!pack_.retired_formats.empty()) rec.format = pack_.format_field;
    }
    return rec;
  }

  // The slot key `name` fills, at the key's position, or -1 to give up: an unknown or repeated
  // key, too many keys or values, or the observations only the engine writes.
  template <bool kCounted = true>
  int take_key(Record& rec, std::string_view name, uint32_t line, uint32_t column) {
    if constexpr (kCounted)
      if (++rec.keys > limits_.max_keys || !budget()) return -1;
    const std::vector<FieldType>& fields = rec.type->fields;
    const int f = rec.next_field < fields.size() && same_bytes(fields[rec.next_field].name, name)
                      ? static_cast<int>(rec.next_field)
                      : field_after(rec, name);
    if (f < 0 || f == rec.observed) return -1;
    if (!rec.wide) {
      const uint64_t bit = uint64_t{1} << f;
      if (rec.named & bit) return -1;
      rec.named |= bit;
    } else {
      if (seen_[rec.seen + static_cast<size_t>(f)]) return -1;
      seen_[rec.seen + static_cast<size_t>(f)] = 1;
    }
    rec.next_field = static_cast<uint32_t>(f) + 1;
    DocNode& slot = doc_->nodes_[rec.first_slot + static_cast<uint32_t>(f)];
    slot.at_line = line;
    slot.at_column = column;
    return f;
  }

  // The field `name` names when it is not the one after the last: one of the next few (an
  // optional field left out), else found by hash (about 90 instructions a key).
  [[gnu::noinline]] static int field_after(const Record& rec, std::string_view name) {
    const std::vector<FieldType>& fields = rec.type->fields;
    const size_t end = std::min<size_t>(fields.size(), rec.next_field + 4);
    for (size_t j = rec.next_field + 1; j < end; ++j)
      if (same_bytes(fields[j].name, name)) return static_cast<int>(j);
    return rec.type->find_field(name);
  }

  // After a value for field `f`: false when it is the root's format field and may state a
  // retired format (a string or member of that name, or a value of another kind).
  bool after_value(const Record& rec, int f) const {
    if (f != rec.format) return true;
    std::string_view s;
    if (!text_of(rec.first_slot + static_cast<uint32_t>(f), &s)) return false;
    for (const auto& entry : pack_.retired_formats)
      if (s == entry.first) return false;
    return true;
  }

  // At the record's end: false when a required field is left missing (absent, null, or an
  // optional-looking empty date).
  bool close_record(const Record& rec) {
    const uint32_t nf = static_cast<uint32_t>(rec.type->fields.size());
    if (rec.wide) seen_.resize(rec.seen);
    if (rec.type->required_for_ == nf) {
      // Only the required fields (a slot no key named is null, and so is an explicit null).
      for (uint64_t m = rec.type->required_bits_; m != 0; m &= m - 1)
        if (doc_->nodes_[rec.first_slot + static_cast<uint32_t>(std::countr_zero(m))].kind ==
            TypeKind::kNull)
          return false;
      return true;
    }
    for (uint32_t f = 0; f < nf; ++f)
      if (doc_->nodes_[rec.first_slot + f].kind == TypeKind::kNull && !rec.type->fields[f].optional)
        return false;
    return true;
  }

  // Fills node `n` of field type `ft` (not a record or list) from a scalar's text and what the
  // parser makes of it (a quoted string is always kString), by the general path's rules.
  bool scalar(uint32_t n, const FieldType& ft, ScalarKind kind, std::string_view s) {
    if (s.size() > limits_.max_string_bytes) return false;
    DocNode& node = doc_->nodes_[n];
    const Type* type = ft.type;
    switch (type->kind) {
      case TypeKind::kString:
        if (kind != ScalarKind::kString || (ft.nonempty && is_blank(s))) return false;
        node.kind = TypeKind::kString;
        node.begin = static_cast<uint32_t>(used_);
        node.size = static_cast<uint32_t>(s.size());
        add_string(s);
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

  // A list's items are nodes made as they are read; their slots, contiguous, follow once the
  // list is done (a stack shared by every level). Returns where the list's items start.
  size_t open_list() const { return items_.size(); }
  // Makes item `index` of list node `n`, at its position.
  uint32_t list_item(uint32_t n, uint32_t index, uint32_t line, uint32_t column) {
    const uint32_t c = new_node(doc_->nodes_[n].type->element, n, index, line, column);
    items_.push_back(c);
    return c;
  }
  // At the list's end: false when it must not be empty and is.
  bool close_list(uint32_t n, const FieldType& ft, size_t mark) {
    const uint32_t count = static_cast<uint32_t>(items_.size() - mark);
    if (ft.nonempty && count == 0) return false;
    std::vector<uint32_t>& children = doc_->children_;
    DocNode& node = doc_->nodes_[n];
    node.kind = TypeKind::kList;
    node.begin = static_cast<uint32_t>(children.size());
    node.size = count;
    // Lists are short (a few items): pushed one by one, where the general insert and resize
    // cost about 90 instructions a list.
    const uint32_t* item = items_.data() + mark;
    for (uint32_t i = 0; i < count; ++i) children.push_back(item[i]);
    items_.erase(items_.begin() + static_cast<ptrdiff_t>(mark), items_.end());
    return true;
  }

  // A list field stated as null: apply_approvals reads it as an empty list, where an absent
  // one stays absent.
  void stated_null_list(uint32_t n) { stated_nulls_.push_back(n); }

  // The pack's approval lists rewritten from the review records for the id the document
  // states, as apply_approval_records rewrites them in the parsed tree (approvals.cpp holds the
  // two side by side), with what was used and what was not counted in `source`. False to give
  // up: an id that is not a string (the general path looks records up by its text, whatever it
  // is), an entry the general path would read otherwise or refuse, a limit, or a pack without
  // approval lists.
  bool apply_approvals(detail::RecordLookup& records, ApprovalSource* source);

  // Positions given as (0, byte offset) are found in the index of `text`'s newlines
  // (detail::newline_index) when asked (Document::position). For ASCII text only: a column
  // counts bytes.
  void keep_newlines(std::string_view text) { detail::newline_index(text, doc_->newlines_); }

  // The document, with its strings and id; `file` is taken.
  std::shared_ptr<Document> finish(std::string& file) {
    doc_->strings_.assign(strings_, used_);
    if (pack_.id_field >= 0) {
      const DocNode& idn = id_node();
      if (idn.kind == TypeKind::kString) doc_->id_ = std::string(doc_->string(idn));
    }
    doc_->file_ = std::move(file);
    return std::move(doc_);
  }

 private:
  // The root's id slot; only for a pack that names an id field (id_field >= 0).
  const DocNode& id_node() const {
    return doc_->nodes_[doc_->children_[doc_->nodes_[0].begin + pack_.id_field]];
  }

  void add_string(std::string_view s) {
    if (s.size() > capacity_ - used_) grow_strings(s.size());
    if (!s.empty()) std::memcpy(strings_ + used_, s.data(), s.size());
    used_ += s.size();
  }

  // Rare (the text's size nearly always holds its strings): out of line, so that scalar()
  // stays small enough to be inlined where a value is read.
  [[gnu::noinline]] void grow_strings(size_t more) {
    scratch_->strings.resize(2 * capacity_ + more);  // keeps the strings so far
    strings_ = scratch_->strings.data();
    capacity_ = scratch_->strings.size();
  }

  // What a load needs only while it runs, kept by the thread from one load to the next (two
  // allocations and frees a load were 590-880 instructions of a 2 KB JSON load under
  // glibc's malloc); a load inside a load (none today) gets its own.
  struct Scratch {
    std::string strings;          // the document's strings until it is built
    std::vector<uint32_t> items;  // list items read, for every open list
    bool busy = false;
  };
  static Scratch* take_scratch();
  static void give_scratch(Scratch* s);
  static thread_local Scratch kept_scratch_;
  struct GiveScratch {  // a member, so the scratch goes back however construction ends
    void operator()(Scratch* s) const { give_scratch(s); }
  };

  bool rewrite_approval_list(uint32_t parent, int field, std::string path,
                             const std::vector<ApprovalEvidence>& records, ApprovalSource* source);
  // The text of a string or enum node; false for any other.
  bool text_of(uint32_t n, std::string_view* out) const {
    const DocNode& node = doc_->nodes_[n];
    if (node.kind == TypeKind::kString)
      *out = std::string_view(strings_ + node.begin, node.size);
    else if (node.kind == TypeKind::kEnum)
      *out = node.type->members[node.member];
    else
      return false;
    return true;
  }

  const CompiledPack& pack_;
  const LoadLimits& limits_;
  std::shared_ptr<Document> doc_;
  size_t values_ = 0;
  std::unique_ptr<Scratch, GiveScratch> scratch_;
  std::vector<uint32_t>& items_;        // scratch_->items
  char* strings_;                       // scratch_->strings' bytes
  size_t capacity_;                     // of strings_
  size_t used_ = 0;                     // bytes of strings_ in use
  std::vector<uint8_t> seen_;           // per field of each open record: a key named it
  std::vector<uint32_t> stated_nulls_;  // list nodes stated as null
};

}  // namespace steward
