// The validator: walks a parser's untyped tree against the pack's schema into a flat
// Document, resolving YAML 1.2 core-schema scalars and reporting every located input error.
#include "document_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include "steward/date.h"
#include "steward/scalar.h"
#include "steward/source.h"
#include "steward/suggest.h"

namespace steward {

namespace {

using Scalar = ScalarKind;

Scalar resolve_plain(std::string_view s) { return resolve_core_scalar(s); }

const char* scalar_name(Scalar s) {
  switch (s) {
    case Scalar::kNull:
      return "null";
    case Scalar::kBool:
      return "a bool";
    case Scalar::kInt:
      return "an integer";
    case Scalar::kFloat:
      return "a number";
    case Scalar::kString:
      return "a string";
  }
  return "a value";
}

std::string clip(std::string_view s) {
  std::string out = s.size() > 60 ? std::string(s.substr(0, 57)) + "..." : std::string(s);
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

}  // namespace

// Builds a Document from a parser's RawTree, validating it against the schema as it goes.
class DocumentBuilder {
 public:
  DocumentBuilder(const CompiledPack& pack, const LoadLimits& limits, detail::RawTree& raw,
                  std::vector<InputError>& errors)
      : pack_(pack), limits_(limits), raw_(raw), errors_(errors) {
    doc_ = std::make_shared<Document>();
  }

  std::shared_ptr<Document> build(std::string file) {
    doc_->file_ = std::move(file);
    doc_->nodes_.reserve(raw_.nodes.size() + 64);
    doc_->children_.reserve(raw_.nodes.size() + 64);
    const RawNode& root = raw_.nodes[raw_.root];
    uint32_t r = new_node(pack_.root, kNoIndex, 0, at(root));
    if (root.kind != RawNode::Kind::kMap) {
      error("input.type", r, at(root),
            fmt::format("an agreement must be a mapping of keys to values, not {}", kind_of(root)));
      return doc_;
    }
    record(r, raw_.root, pack_.root);
    // String values point into the parser's text, which the document now owns: no second copy.
    doc_->strings_ = std::move(raw_.text);
    // An incomplete document (a breached limit stops validation early) has no id to read.
    if (pack_.id_field >= 0 && errors_.empty()) {
      const DocNode& root_node = doc_->nodes_[r];
      const DocNode& idn = doc_->nodes_[doc_->children_[root_node.begin + pack_.id_field]];
      if (idn.kind == TypeKind::kString) doc_->id_ = std::string(doc_->string(idn));
    }
    return doc_;
  }

 private:
  using RawNode = detail::RawNode;
  struct Pos {
    uint32_t line = 0, column = 0;  // 0: none
  };
  static Pos at(const RawNode& n) { return {n.line, n.column}; }

  bool is_null(const RawNode& n) const {
    return n.kind == RawNode::Kind::kScalar && !n.quoted && !n.tagged &&
           resolve_plain(raw_.scalar(n)) == Scalar::kNull;
  }

  std::string kind_of(const RawNode& n) const {
    if (n.kind == RawNode::Kind::kMap) return "a mapping";
    if (n.kind == RawNode::Kind::kSeq) return "a list";
    std::string text(raw_.scalar(n));
    if (n.quoted) return fmt::format("the string `{}`", clip(text));
    Scalar s = resolve_plain(text);
    if (s == Scalar::kNull) return "null";
    return s == Scalar::kString ? fmt::format("the string `{}`", clip(text))
                                : fmt::format("{} `{}`", scalar_name(s), clip(text));
  }

  uint32_t new_node(const Type* type, uint32_t parent, uint32_t index, Pos pos) {
    DocNode n;
    n.type = type;
    n.parent = parent;
    n.index = index;
    if (pos.line) {
      n.at_line = pos.line;
      n.at_column = pos.column;
    } else if (parent != kNoIndex) {
      n.at_line = doc_->nodes_[parent].at_line;
      n.at_column = doc_->nodes_[parent].at_column;
    } else {
      n.at_line = n.at_column = 1;
    }
    doc_->nodes_.push_back(n);
    return static_cast<uint32_t>(doc_->nodes_.size() - 1);
  }

  // Appends `n` unset child slots; returns the first. (resize() with a value is a call into
  // the library's general insert for every record, which costs more than the slots.)
  uint32_t add_children(uint32_t n) {
    std::vector<uint32_t>& c = doc_->children_;
    const uint32_t first = static_cast<uint32_t>(c.size());
    if (c.capacity() - c.size() < n) c.reserve(std::max<size_t>(2 * c.capacity(), c.size() + n));
    for (uint32_t i = 0; i < n; ++i) c.push_back(kNoIndex);
    return first;
  }

  void error(const char* code, uint32_t node, Pos pos, std::string message,
             std::string_view child_key = {}) {
    if (errors_.size() >= limits_.max_errors) return;
    // Past the value budget the document is incomplete: only the limit itself is reported.
    if (over_budget_ && std::string_view(code) != "input.limit") return;
    InputError e;
    e.code = code;
    e.path = doc_->path(node);
    if (!child_key.empty()) e.path += (e.path.empty() ? "" : ".") + std::string(child_key);
    e.line = pos.line ? pos.line : doc_->nodes_[node].at_line;
    e.column = pos.line ? pos.column : doc_->nodes_[node].at_column;
    e.message = std::move(message);
    errors_.push_back(std::move(e));
  }

  bool budget(uint32_t node, Pos pos) {
    if (++values_ <= limits_.max_values) return true;
    if (!over_budget_) {
      over_budget_ = true;
      error("input.limit", node, pos,
            fmt::format("the document holds more than {} values once YAML aliases are expanded",
                        limits_.max_values));
    }
    return false;
  }

  // Fills record node `r` from the mapping `map_id`. Per-field state lives on `scratch_` (a
  // stack shared by nested records) so loading allocates little beyond the document itself.
  void record(uint32_t r, uint32_t map_id, const Type* type) {
    const RawNode& map = raw_.nodes[map_id];
    const uint32_t nf = static_cast<uint32_t>(type->fields.size());
    const size_t base = scratch_.size();  // per field: value id, key line, key column
    scratch_.resize(base + 3 * nf, 0);
    for (uint32_t f = 0; f < nf; ++f) scratch_[base + 3 * f] = kNoIndex;
    struct Release {
      std::vector<uint32_t>& s;
      size_t base;
      ~Release() { s.resize(base); }
    } release{scratch_, base};
    if (map.size > limits_.max_keys) {
      error("input.limit", r, at(map),
            fmt::format("a mapping holds {} keys; the limit is {}", map.size, limits_.max_keys));
      return;
    }
    // A known key is a duplicate when its field is already filled; unknown keys (an error
    // anyway) go into a set, so that loading stays linear however many there are.
    std::optional<std::unordered_set<std::string_view>> unknown_keys;  // at the first one
    uint32_t next_field = 0;  // keys usually come in the schema's order: try that one first
    for (uint32_t k = 0; k < map.size; ++k) {
      const RawNode& key = raw_.nodes[raw_.children[map.begin + 2 * k]];
      uint32_t value = raw_.children[map.begin + 2 * k + 1];
      if (!budget(r, at(key))) return;
      if (key.kind != RawNode::Kind::kScalar || key.tagged) {
        error("input.key", r, at(key), "a key must be a plain string");
        continue;
      }
      std::string_view name = raw_.scalar(key);
      int f = next_field < nf && type->fields[next_field].name == name
                  ? static_cast<int>(next_field)
                  : type->find_field(name);
      const bool duplicate =
          f >= 0 ? scratch_[base + 3 * f] != kNoIndex
                 : !(unknown_keys ? *unknown_keys : unknown_keys.emplace()).insert(name).second;
      if (duplicate) {
        error("input.duplicate-key", r, at(key),
              fmt::format("key `{}` appears twice in this mapping; each key may be given once",
                          clip(std::string(name))),
              clip(std::string(name)));
        continue;
      }
      if (f >= 0) next_field = static_cast<uint32_t>(f) + 1;
      if (f < 0) {
        std::string shown = clip(std::string(name));
        if (name == "<<") {
          error("input.merge-key", r, at(key),
                "YAML merge keys (`<<`) are not supported; write the keys out", shown);
        } else {
          std::vector<std::string> names;
          for (const auto& ft : type->fields) names.push_back(ft.name);
          error("input.unknown-key", r, at(key),
                fmt::format("unknown key `{}`{}", shown, did_you_mean(std::string(name), names)),
                shown);
        }
        continue;
      }
      scratch_[base + 3 * f] = value;
      scratch_[base + 3 * f + 1] = key.line;
      scratch_[base + 3 * f + 2] = key.column;
    }
    // Children are contiguous: allocate them first, then fill each.
    const uint32_t first = add_children(nf);
    doc_->nodes_[r].kind = TypeKind::kRecord;
    doc_->nodes_[r].begin = first;
    doc_->nodes_[r].size = nf;
    const uint32_t first_slot = static_cast<uint32_t>(doc_->nodes_.size());
    for (uint32_t f = 0; f < nf; ++f) {
      Pos pos{scratch_[base + 3 * f + 1], scratch_[base + 3 * f + 2]};
      doc_->children_[first + f] = new_node(type->fields[f].type, r, f, pos);
    }
    for (uint32_t f = 0; f < nf; ++f) {
      const FieldType& ft = type->fields[f];
      const uint32_t slot = first_slot + f;
      const uint32_t value_id = scratch_[base + 3 * f];
      const bool seen = value_id != kNoIndex;
      const Pos pos{scratch_[base + 3 * f + 1], scratch_[base + 3 * f + 2]};
      bool missing = !seen || is_null(raw_.nodes[value_id]);
      if (!missing) value(slot, value_id, ft);
      if (doc_->nodes_[slot].kind == TypeKind::kNull && !ft.optional && !has_error_at(slot)) {
        if (seen) {
          error("input.missing-key", slot, pos, fmt::format("required key `{}` is null", ft.name));
        } else {
          error("input.missing-key", r, at(map), fmt::format("missing required key `{}`", ft.name),
                ft.name);
        }
      }
    }
  }

  bool has_error_at(uint32_t node) {
    if (errors_.empty()) return false;
    std::string p = doc_->path(node);
    return std::any_of(errors_.begin(), errors_.end(),
                       [&](const InputError& e) { return e.path == p; });
  }

  static std::string expected(const Type* t) {
    switch (t->kind) {
      case TypeKind::kString:
        return "a string";
      case TypeKind::kBool:
        return "true or false";
      case TypeKind::kInt:
        return "an integer";
      case TypeKind::kNumber:
        return "a number";
      case TypeKind::kDate:
        return "a date (YYYY-MM-DD)";
      case TypeKind::kEnum:
        return fmt::format("one of: {}", fmt::join(t->members, ", "));
      case TypeKind::kList:
        return "a list";
      case TypeKind::kRecord:
        return "a mapping";
      default:
        return "a value";
    }
  }

  // Fills node `n` from the raw value `vid` of declared field type `ft` (or a list element).
  void value(uint32_t n, uint32_t vid, const FieldType& ft) {
    const RawNode& v = raw_.nodes[vid];
    const Type* t = ft.type;
    if (!budget(n, at(v))) return;
    if (v.tagged) {
      error("input.tag", n, at(v),
            fmt::format("YAML tags such as `{}` are not supported", clip(raw_.tag(vid))));
      return;
    }
    switch (t->kind) {
      case TypeKind::kRecord:
        if (v.kind != RawNode::Kind::kMap) {
          error("input.type", n, at(v), fmt::format("expected a mapping, got {}", kind_of(v)));
          return;
        }
        record(n, vid, t);
        return;
      case TypeKind::kList: {
        if (v.kind != RawNode::Kind::kSeq) {
          error("input.type", n, at(v), fmt::format("expected a list, got {}", kind_of(v)));
          return;
        }
        const uint32_t first = add_children(v.size);
        doc_->nodes_[n].kind = TypeKind::kList;
        doc_->nodes_[n].begin = first;
        doc_->nodes_[n].size = v.size;
        FieldType elem;
        elem.type = t->element;
        for (uint32_t i = 0; i < v.size; ++i) {
          if (over_budget_) return;
          uint32_t item_id = raw_.children[v.begin + i];
          const RawNode& item = raw_.nodes[item_id];
          uint32_t c = new_node(t->element, n, i, at(item));
          doc_->children_[first + i] = c;
          if (is_null(item)) {
            error("input.type", c, at(item),
                  fmt::format("a list item must not be empty or null; expected {}",
                              expected(t->element)));
            continue;
          }
          value(c, item_id, elem);
        }
        if (ft.nonempty && v.size == 0)
          error("input.empty", n, at(v), "the list must not be empty");
        return;
      }
      default:
        break;
    }
    if (v.kind != RawNode::Kind::kScalar) {
      error("input.type", n, at(v), fmt::format("expected {}, got {}", expected(t), kind_of(v)));
      return;
    }
    const std::string_view sv = raw_.scalar(v);
    if (sv.size() > limits_.max_string_bytes) {
      error("input.limit", n, at(v),
            fmt::format("a value is {} bytes long; the limit is {}", sv.size(),
                        limits_.max_string_bytes));
      return;
    }
    const std::string_view s = sv;
    const Scalar kind = v.quoted ? Scalar::kString : resolve_plain(s);
    DocNode& node = doc_->nodes_[n];
    auto type_error = [&] {
      error("input.type", n, at(v), fmt::format("expected {}, got {}", expected(t), kind_of(v)));
    };
    switch (t->kind) {
      case TypeKind::kString:
        if (kind != Scalar::kString) return type_error();
        if (ft.nonempty && is_blank(s)) {
          error("input.empty", n, at(v),
                "the value must not be empty or only white space and invisible characters");
          return;
        }
        node.kind = TypeKind::kString;
        node.begin = v.begin;
        node.size = v.size;
        return;
      case TypeKind::kBool:
        if (kind != Scalar::kBool) return type_error();
        node.kind = TypeKind::kBool;
        node.b = s[0] == 't' || s[0] == 'T';
        return;
      case TypeKind::kInt: {
        if (kind != Scalar::kInt) return type_error();
        int64_t x = 0;
        if (parse_core_int(s, &x) != NumberStatus::kOk) {
          error("input.range", n, at(v), fmt::format("integer `{}` is out of range", clip(s)));
          return;
        }
        node.kind = TypeKind::kInt;
        node.i = x;
        return;
      }
      case TypeKind::kNumber: {
        if (kind != Scalar::kInt && kind != Scalar::kFloat) return type_error();
        double x = 0;
        switch (parse_core_number(s, &x)) {
          case NumberStatus::kOk:
            break;
          case NumberStatus::kNotFinite:
            error("input.range", n, at(v),
                  fmt::format("`{}` is not a finite number; a number must be finite", clip(s)));
            return;
          default:
            error("input.range", n, at(v), fmt::format("number `{}` is out of range", clip(s)));
            return;
        }
        node.kind = TypeKind::kNumber;
        node.d = x;
        return;
      }
      case TypeKind::kDate: {
        if (kind != Scalar::kString) return type_error();
        if (s.empty() && ft.optional) return;  // an empty date reads as missing
        int32_t days = 0;
        if (!parse_iso_date(s, &days)) {
          error("input.date", n, at(v),
                fmt::format("`{}` is not a calendar date; expected YYYY-MM-DD", clip(s)));
          return;
        }
        node.kind = TypeKind::kDate;
        node.date = days;
        return;
      }
      case TypeKind::kEnum: {
        int m = kind == Scalar::kString ? t->find_member(s) : -1;
        if (m < 0) {
          std::string hint = did_you_mean(s, t->members);
          std::string list = t->members.size() <= 12
                                 ? fmt::format("; expected one of: {}", fmt::join(t->members, ", "))
                                 : "";
          error("input.enum", n, at(v),
                fmt::format("unknown {} `{}`{}{}", t->name, clip(s), hint, list));
          return;
        }
        node.kind = TypeKind::kEnum;
        node.member = static_cast<uint32_t>(m);
        return;
      }
      default:
        return type_error();
    }
  }

  const CompiledPack& pack_;
  const LoadLimits& limits_;
  detail::RawTree& raw_;
  std::vector<InputError>& errors_;
  std::shared_ptr<Document> doc_;
  size_t values_ = 0;
  bool over_budget_ = false;
  std::vector<uint32_t> scratch_;
};

std::shared_ptr<Document> detail::build_document(const CompiledPack& pack, const LoadLimits& limits,
                                                 detail::RawTree& raw, std::string file,
                                                 std::vector<InputError>& errors) {
  DocumentBuilder builder(pack, limits, raw, errors);
  return builder.build(std::move(file));
}

}  // namespace steward
