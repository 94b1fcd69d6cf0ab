// Loading agreements: text checks, YAML/JSON parsing (yaml-cpp, behind this file only),
// YAML 1.2 core-schema scalar resolution and strict validation against the pack's schema.
#include "steward/document.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "steward/date.h"
#include "steward/suggest.h"

namespace steward {

std::string Document::path(uint32_t node) const {
  std::vector<uint32_t> chain;
  for (uint32_t n = node; n != kNoIndex && nodes_[n].parent != kNoIndex; n = nodes_[n].parent)
    chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const DocNode& n = nodes_[*it];
    const DocNode& p = nodes_[n.parent];
    if (p.type->kind == TypeKind::kList) {
      out += fmt::format("[{}]", n.index);
    } else {
      if (!out.empty()) out += '.';
      out += p.type->fields[n.index].name;
    }
  }
  return out;
}

std::string render(const InputError& e, std::string_view file) {
  std::string where = e.line ? fmt::format("{}:{}:{}", file, e.line, e.column) : std::string(file);
  std::string at = e.path.empty() ? "" : fmt::format(" (at `{}`)", e.path);
  return fmt::format("{}: error[{}]: {}{}", where, e.code, e.message, at);
}

namespace {

// What a plain (unquoted, untagged) scalar means under the YAML 1.2 core schema.
enum class Scalar { kNull, kBool, kInt, kFloat, kString };

Scalar resolve_plain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Scalar::kNull;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")
    return Scalar::kBool;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i < s.size() &&
      std::all_of(s.begin() + i, s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Scalar::kInt;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) return Scalar::kInt;
  static const std::set<std::string> kSpecial = {".inf",  ".Inf",  ".INF",  "+.inf",
                                                 "+.Inf", "+.INF", "-.inf", "-.Inf",
                                                 "-.INF", ".nan",  ".NaN",  ".NAN"};
  if (kSpecial.count(s)) return Scalar::kFloat;
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t j = i;
  bool digits = false;
  while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
    ++j;
    digits = true;
  }
  if (j < s.size() && s[j] == '.') {
    ++j;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      ++j;
      digits = true;
    }
  }
  if (digits && j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    ++j;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    bool exp = false;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      ++j;
      exp = true;
    }
    if (!exp) return Scalar::kString;
  }
  if (digits && j == s.size()) return Scalar::kFloat;
  return Scalar::kString;
}

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

std::string clip(const std::string& s) {
  std::string out = s.size() > 60 ? s.substr(0, 57) + "..." : s;
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

}  // namespace

// Builds a Document from a yaml-cpp tree, validating as it goes.
class DocumentBuilder {
 public:
  DocumentBuilder(const CompiledPack& pack, const LoadLimits& limits,
                  std::vector<InputError>& errors)
      : pack_(pack), limits_(limits), errors_(errors) {
    doc_ = std::make_shared<Document>();
  }

  std::shared_ptr<Document> build(const YAML::Node& root, std::string file) {
    doc_->file_ = std::move(file);
    uint32_t r = new_node(pack_.root, kNoIndex, 0, root.Mark());
    if (!root.IsMap()) {
      error("input.type", r, root.Mark(),
            fmt::format("an agreement must be a mapping of keys to values, not {}", kind_of(root)));
      return doc_;
    }
    record(r, root, pack_.root);
    if (pack_.id_field >= 0) {
      const DocNode& root_node = doc_->nodes_[r];
      const DocNode& idn = doc_->nodes_[doc_->children_[root_node.begin + pack_.id_field]];
      if (idn.kind == TypeKind::kString) doc_->id_ = std::string(doc_->string(idn));
    }
    return doc_;
  }

 private:
  std::string kind_of(const YAML::Node& n) {
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    if (n.IsNull()) return "null";
    if (n.IsScalar()) {
      if (n.Tag() == "!") return fmt::format("the string `{}`", clip(n.Scalar()));
      Scalar s = resolve_plain(n.Scalar());
      return s == Scalar::kString ? fmt::format("the string `{}`", clip(n.Scalar()))
                                  : fmt::format("{} `{}`", scalar_name(s), clip(n.Scalar()));
    }
    return "an unknown value";
  }

  uint32_t new_node(const Type* type, uint32_t parent, uint32_t index, const YAML::Mark& mark) {
    DocNode n;
    n.type = type;
    n.parent = parent;
    n.index = index;
    if (!mark.is_null()) {
      n.line = static_cast<uint32_t>(mark.line + 1);
      n.column = static_cast<uint32_t>(mark.column + 1);
    } else if (parent != kNoIndex) {
      n.line = doc_->nodes_[parent].line;
      n.column = doc_->nodes_[parent].column;
    } else {
      n.line = n.column = 1;
    }
    doc_->nodes_.push_back(n);
    return static_cast<uint32_t>(doc_->nodes_.size() - 1);
  }

  void error(const char* code, uint32_t node, const YAML::Mark& mark, std::string message,
             std::string_view child_key = {}) {
    if (errors_.size() >= limits_.max_errors) return;
    // Past the value budget the document is incomplete: only the limit itself is reported.
    if (over_budget_ && std::string_view(code) != "input.limit") return;
    InputError e;
    e.code = code;
    e.path = doc_->path(node);
    if (!child_key.empty()) e.path += (e.path.empty() ? "" : ".") + std::string(child_key);
    if (!mark.is_null()) {
      e.line = static_cast<uint32_t>(mark.line + 1);
      e.column = static_cast<uint32_t>(mark.column + 1);
    } else {
      e.line = doc_->nodes_[node].line;
      e.column = doc_->nodes_[node].column;
    }
    e.message = std::move(message);
    errors_.push_back(std::move(e));
  }

  bool budget(uint32_t node, const YAML::Mark& mark) {
    if (++values_ <= limits_.max_values) return true;
    if (!over_budget_) {
      over_budget_ = true;
      error("input.limit", node, mark,
            fmt::format("the document holds more than {} values once YAML aliases are expanded",
                        limits_.max_values));
    }
    return false;
  }

  // Fills record node `r` from a mapping.
  void record(uint32_t r, const YAML::Node& map, const Type* type) {
    const size_t nf = type->fields.size();
    std::vector<uint32_t> slots(nf, kNoIndex);
    std::vector<YAML::Mark> marks(nf, YAML::Mark::null_mark());
    std::vector<YAML::Node> values(nf);
    std::vector<bool> seen(nf, false);
    std::vector<std::string> names;
    for (const auto& f : type->fields) names.push_back(f.name);
    std::set<std::string> keys;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!budget(r, it->first.Mark())) return;
      const YAML::Node& k = it->first;
      if (!k.IsScalar()) {
        error("input.key", r, k.Mark(), "a key must be a plain string");
        continue;
      }
      const std::string& key = k.Scalar();
      if (!keys.insert(key).second) {
        error("input.duplicate-key", r, k.Mark(),
              fmt::format("key `{}` appears twice in this mapping; each key may be given once",
                          clip(key)),
              clip(key));
        continue;
      }
      int f = type->find_field(key);
      if (f < 0) {
        if (key == "<<") {
          error("input.merge-key", r, k.Mark(),
                "YAML merge keys (`<<`) are not supported; write the keys out", key);
        } else {
          error("input.unknown-key", r, k.Mark(),
                fmt::format("unknown key `{}`{}", clip(key), did_you_mean(key, names)), clip(key));
        }
        continue;
      }
      seen[f] = true;
      marks[f] = k.Mark();
      values[f] = it->second;
    }
    // Children are contiguous: allocate them first, then fill each.
    DocNode& rn = doc_->nodes_[r];
    rn.kind = TypeKind::kRecord;
    uint32_t first = static_cast<uint32_t>(doc_->children_.size());
    doc_->children_.resize(first + nf, kNoIndex);
    doc_->nodes_[r].begin = first;
    doc_->nodes_[r].size = static_cast<uint32_t>(nf);
    for (size_t f = 0; f < nf; ++f) {
      uint32_t c = new_node(type->fields[f].type, r, static_cast<uint32_t>(f), marks[f]);
      doc_->children_[first + f] = c;
      slots[f] = c;
    }
    for (size_t f = 0; f < nf; ++f) {
      const FieldType& ft = type->fields[f];
      bool missing = !seen[f] || !values[f].IsDefined() || values[f].IsNull();
      if (!missing) value(slots[f], values[f], ft);
      if (doc_->nodes_[slots[f]].kind == TypeKind::kNull && !ft.optional &&
          !has_error_at(slots[f])) {
        if (seen[f]) {
          error("input.missing-key", slots[f], marks[f],
                fmt::format("required key `{}` is null", ft.name));
        } else {
          error("input.missing-key", r, map.Mark(),
                fmt::format("missing required key `{}`", ft.name), ft.name);
        }
      }
    }
  }

  bool has_error_at(uint32_t node) {
    std::string p = doc_->path(node);
    return std::any_of(errors_.begin(), errors_.end(),
                       [&](const InputError& e) { return e.path == p; });
  }

  std::string expected(const Type* t) {
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

  // Fills node `n` from a YAML value of declared field type `ft` (or a list element).
  void value(uint32_t n, const YAML::Node& v, const FieldType& ft) {
    const Type* t = ft.type;
    if (!budget(n, v.Mark())) return;
    const std::string& tag = v.Tag();
    if (!tag.empty() && tag != "?" && tag != "!") {
      error("input.tag", n, v.Mark(),
            fmt::format("YAML tags such as `{}` are not supported", clip(tag)));
      return;
    }
    switch (t->kind) {
      case TypeKind::kRecord:
        if (!v.IsMap()) {
          error("input.type", n, v.Mark(), fmt::format("expected a mapping, got {}", kind_of(v)));
          return;
        }
        record(n, v, t);
        return;
      case TypeKind::kList: {
        if (!v.IsSequence()) {
          error("input.type", n, v.Mark(), fmt::format("expected a list, got {}", kind_of(v)));
          return;
        }
        std::vector<YAML::Node> items(v.begin(), v.end());
        uint32_t first = static_cast<uint32_t>(doc_->children_.size());
        doc_->children_.resize(first + items.size(), kNoIndex);
        doc_->nodes_[n].kind = TypeKind::kList;
        doc_->nodes_[n].begin = first;
        doc_->nodes_[n].size = static_cast<uint32_t>(items.size());
        FieldType elem;
        elem.type = t->element;
        for (size_t i = 0; i < items.size(); ++i) {
          if (over_budget_) return;
          uint32_t c = new_node(t->element, n, static_cast<uint32_t>(i), items[i].Mark());
          doc_->children_[first + i] = c;
          if (items[i].IsNull()) {
            error("input.type", c, items[i].Mark(),
                  fmt::format("a list item must not be empty or null; expected {}",
                              expected(t->element)));
            continue;
          }
          value(c, items[i], elem);
        }
        if (ft.nonempty && items.empty())
          error("input.empty", n, v.Mark(), "the list must not be empty");
        return;
      }
      default:
        break;
    }
    if (!v.IsScalar()) {
      error("input.type", n, v.Mark(), fmt::format("expected {}, got {}", expected(t), kind_of(v)));
      return;
    }
    const std::string& s = v.Scalar();
    if (s.size() > limits_.max_string_bytes) {
      error("input.limit", n, v.Mark(),
            fmt::format("a value is {} bytes long; the limit is {}", s.size(),
                        limits_.max_string_bytes));
      return;
    }
    const bool quoted = tag == "!";
    const Scalar kind = quoted ? Scalar::kString : resolve_plain(s);
    DocNode& node = doc_->nodes_[n];
    auto type_error = [&] {
      error("input.type", n, v.Mark(), fmt::format("expected {}, got {}", expected(t), kind_of(v)));
    };
    switch (t->kind) {
      case TypeKind::kString:
        if (kind != Scalar::kString) return type_error();
        if (ft.nonempty && s.find_first_not_of(" \t\r\n") == std::string::npos) {
          error("input.empty", n, v.Mark(), "the value must not be empty");
          return;
        }
        node.kind = TypeKind::kString;
        node.begin = static_cast<uint32_t>(doc_->strings_.size());
        node.size = static_cast<uint32_t>(s.size());
        doc_->strings_ += s;
        return;
      case TypeKind::kBool:
        if (kind != Scalar::kBool) return type_error();
        node.kind = TypeKind::kBool;
        node.b = s[0] == 't' || s[0] == 'T';
        return;
      case TypeKind::kInt: {
        if (kind != Scalar::kInt) return type_error();
        errno = 0;
        char* end = nullptr;
        long long x = std::strtoll(s.c_str(), &end, 0);
        if (errno == ERANGE || *end != '\0') {
          error("input.range", n, v.Mark(), fmt::format("integer `{}` is out of range", clip(s)));
          return;
        }
        node.kind = TypeKind::kInt;
        node.i = x;
        return;
      }
      case TypeKind::kNumber: {
        if (kind != Scalar::kInt && kind != Scalar::kFloat) return type_error();
        errno = 0;
        double x = std::strtod(s.c_str(), nullptr);
        if (errno == ERANGE || !std::isfinite(x)) {
          error("input.range", n, v.Mark(), fmt::format("number `{}` is out of range", clip(s)));
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
          error("input.date", n, v.Mark(),
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
          error("input.enum", n, v.Mark(),
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
  std::vector<InputError>& errors_;
  std::shared_ptr<Document> doc_;
  size_t values_ = 0;
  bool over_budget_ = false;
};

namespace {

Position offset_position(std::string_view text, size_t offset) {
  Position p{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

InputError text_error(const char* code, std::string_view text, size_t offset, std::string message) {
  Position p = offset_position(text, offset);
  return {code, "", p.line, p.column, std::move(message)};
}

// Offset where flow collections (`[`, `{`) nest deeper than `limit`, or npos. Checked before
// parsing so hostile nesting is refused with a location instead of exhausting the parser.
size_t find_deep_nesting(std::string_view text, size_t limit) {
  size_t depth = 0;
  char quote = 0;
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (comment) {
      if (c == '\n') comment = false;
      continue;
    }
    if (quote) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    switch (c) {
      case '"':
      case '\'':
        // A quote starts a string only at the start of a scalar, not inside a word.
        if (i == 0 || std::string_view(" \t\n[{,:-").find(text[i - 1]) != std::string_view::npos)
          quote = c;
        break;
      case '#':
        if (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')
          comment = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

}  // namespace

LoadResult load_document(const CompiledPack& pack, std::string_view text, std::string file,
                         const LoadLimits& limits) {
  LoadResult result;
  auto fail = [&](InputError e) {
    result.errors.push_back(std::move(e));
    return result;
  };
  if (text.size() > limits.max_bytes) {
    return fail({"input.limit", "", 0, 0,
                 fmt::format("the document is {} bytes; the limit is {} bytes", text.size(),
                             limits.max_bytes)});
  }
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
    return fail(text_error("input.utf8", text, bad, "the file is not valid UTF-8"));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return fail(text_error("input.control", text, i,
                             fmt::format("control character U+{:04X} is not allowed", c)));
    }
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail({"input.empty", "", 1, 1, "the document is empty"});
  }
  if (size_t deep = find_deep_nesting(text, limits.max_depth); deep != std::string_view::npos) {
    return fail(
        text_error("input.limit", text, deep,
                   fmt::format("the document nests deeper than {} levels", limits.max_depth)));
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    InputError err{
        "input.limit", "", 0, 0,
        fmt::format("the document nests deeper than the parser allows ({} levels)", e.depth())};
    if (!e.mark.is_null()) {
      err.line = static_cast<uint32_t>(e.mark.line + 1);
      err.column = static_cast<uint32_t>(e.mark.column + 1);
    }
    return fail(std::move(err));
  } catch (const YAML::Exception& e) {
    InputError err{"input.syntax", "", 0, 0,
                   fmt::format("the document is not valid YAML or JSON: {}", e.msg)};
    if (!e.mark.is_null()) {
      err.line = static_cast<uint32_t>(e.mark.line + 1);
      err.column = static_cast<uint32_t>(e.mark.column + 1);
    }
    return fail(std::move(err));
  }
  if (docs.empty() || docs[0].IsNull())
    return fail({"input.empty", "", 1, 1, "the document is empty"});
  if (docs.size() > 1) {
    InputError err{
        "input.multiple-documents", "", 0, 0,
        fmt::format("the file holds {} YAML documents; an agreement is exactly one", docs.size())};
    YAML::Mark m = docs[1].Mark();
    if (!m.is_null()) {
      err.line = static_cast<uint32_t>(m.line + 1);
      err.column = static_cast<uint32_t>(m.column + 1);
    }
    return fail(std::move(err));
  }
  DocumentBuilder builder(pack, limits, result.errors);
  std::shared_ptr<Document> doc = builder.build(docs[0], std::move(file));
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const InputError& a, const InputError& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  if (result.errors.empty()) result.document = std::move(doc);
  return result;
}

LoadResult load_document_file(const CompiledPack& pack, const std::filesystem::path& path,
                              const LoadLimits& limits) {
  LoadResult result;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    result.errors.push_back(
        {"input.read", "", 0, 0, fmt::format("cannot read the file: {}", ec.message())});
    return result;
  }
  if (size > limits.max_bytes) {
    result.errors.push_back(
        {"input.limit", "", 0, 0,
         fmt::format("the file is {} bytes; the limit is {} bytes", size, limits.max_bytes)});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.errors.push_back({"input.read", "", 0, 0, "cannot open the file"});
    return result;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_document(pack, ss.str(), path.string(), limits);
}

}  // namespace steward
