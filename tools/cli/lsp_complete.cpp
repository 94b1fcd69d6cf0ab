// Completion for the language server (see lsp_index.h): what may be written at a cursor in a
// policy module, a pack's manifest or an agreement.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <string_view>

#include "lsp_index.h"

namespace steward::cli {

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The type a dotted path of fields names from `t` (`data.fields`), or null.
const Type* type_at(const Type* t, std::string_view path) {
  while (t && !path.empty()) {
    const size_t dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    if (t->kind != TypeKind::kRecord) return nullptr;
    const int f = t->find_field(part);
    if (f < 0) return nullptr;
    t = t->fields[static_cast<size_t>(f)].type;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return t;
}

// The record a path typed before a dot names: from a document field, or from a variable bound
// by `for x in <path>` or `any(x in <path>: ...)` earlier in the text (its list's element).
const Type* record_before_dot(const CompiledPack& pack, std::string_view text, size_t at,
                              std::string_view path) {
  const size_t dot = path.find('.');
  const std::string head(path.substr(0, dot));
  const std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  const Type* t = nullptr;
  if (pack.root && pack.root->find_field(head) >= 0) {
    t = type_at(pack.root, path);
  } else {
    // The nearest binding of the name before the cursor.
    const std::regex binding("(^|[^A-Za-z0-9_])" + head + "\\s+in\\s+([A-Za-z_][A-Za-z0-9_.]*)");
    const std::string before(text.substr(0, at));
    std::string range;
    for (auto it = std::sregex_iterator(before.begin(), before.end(), binding);
         it != std::sregex_iterator(); ++it)
      range = (*it)[2];
    const Type* list = range.empty() ? nullptr : type_at(pack.root, range);
    if (list && list->kind == TypeKind::kList) {
      t = type_at(list->element, rest);
    } else if (range.empty()) {
      // No variable of that name: a definition that holds a record (`let consent_plan = consent`).
      for (const DefPlan& d : pack.defs) {
        if (d.name != head) continue;
        const PlanNode& n = pack.nodes[d.node];
        if (n.type == TypeKind::kRecord && n.static_type) t = type_at(n.static_type, rest);
      }
    }
  }
  return t && t->kind == TypeKind::kRecord ? t : nullptr;
}

}  // namespace

std::vector<LspCompletion> complete(const PackIndex& index, const CompiledPack* pack,
                                    std::string_view text, uint32_t offset) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  const size_t line_start = [&] {
    const size_t nl = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
    return nl == std::string_view::npos ? size_t{0} : nl + 1;
  }();
  const std::string_view line = text.substr(line_start, offset - line_start);
  size_t w = line.size();
  while (w > 0 && word_char(line[w - 1])) --w;
  const std::string_view word = line.substr(w), before = line.substr(0, w);
  std::vector<LspCompletion> out;
  auto offer = [&](const std::string& label, int kind, const std::string& detail) {
    if (label.rfind(word, 0) == 0) out.push_back({label, kind, detail});
  };
  auto symbols_of = [&](const char* kind, int item_kind) {
    for (const LspSymbol& s : index.symbols())
      if (s.kind == kind) offer(s.name, item_kind, s.detail);
  };
  const size_t first = line.find_first_not_of(" \t");
  const std::string_view trimmed = first == std::string_view::npos ? "" : line.substr(first);
  // A clause id is written with dots and dashes: offer them all, whatever is typed so far.
  if (trimmed.rfind("clause:", 0) == 0) {
    for (const LspSymbol& s : index.symbols())
      if (s.kind == "clause") out.push_back({s.name, 21, s.detail});
    return out;
  }
  if (std::count(before.begin(), before.end(), '"') % 2 == 1) {
    for (const LspSymbol& s : index.symbols())
      if (s.kind == "member") offer(s.name.substr(s.name.find('.') + 1), 20, s.detail);
    return out;
  }
  const size_t open = before.rfind("review(");
  if (open != std::string_view::npos && before.find(')', open) == std::string_view::npos) {
    symbols_of("reviewer", 7);
    return out;
  }
  if (!before.empty() && before.back() == '.') {
    size_t p = before.size() - 1;
    while (p > 0 && (word_char(before[p - 1]) || before[p - 1] == '.')) --p;
    const std::string_view path = before.substr(p, before.size() - 1 - p);
    if (const Type* t = pack ? record_before_dot(*pack, text, offset, path) : nullptr)
      for (const FieldType& f : t->fields)
        offer(f.name, 5, fmt::format("{}{}", f.type ? f.type->name : "?", f.optional ? "?" : ""));
    return out;
  }
  symbols_of("definition", 6);
  symbols_of("set", 21);
  symbols_of("parameter", 21);
  if (pack && pack->root)
    for (const FieldType& f : pack->root->fields)
      offer(
          f.name, 5,
          fmt::format("document field: {}{}", f.type ? f.type->name : "?", f.optional ? "?" : ""));
  for (const char* fn :
       {"any", "all", "none", "count", "filter", "present", "empty", "date", "as_of", "review",
        "lower", "length", "starts_with", "ends_with", "matches"})
    offer(fn, 3, "built-in");
  for (const char* kw :
       {"and", "or", "not", "in", "let", "rule", "for", "clause", "outcome", "when", "message",
        "evidence", "deny", "allow", "true", "false", "assert", "expect"})
    offer(kw, 14, "keyword");
  return out;
}

namespace {

struct YamlLine {
  size_t indent = 0;  // spaces before the content
  bool item = false;  // starts with "- "
  std::string key;    // "key" of "key:" (after the dash), or ""
  bool has_value = false;
};

YamlLine read_line(std::string_view line) {
  YamlLine y;
  while (y.indent < line.size() && line[y.indent] == ' ') ++y.indent;
  std::string_view rest = line.substr(y.indent);
  if (rest.rfind("- ", 0) == 0 || rest == "-") {
    y.item = true;
    rest.remove_prefix(std::min<size_t>(2, rest.size()));
  }
  size_t k = 0;
  while (k < rest.size() && word_char(rest[k])) ++k;
  if (k > 0 && k < rest.size() && rest[k] == ':') {
    y.key = std::string(rest.substr(0, k));
    std::string_view value = rest.substr(k + 1);
    const size_t v = value.find_first_not_of(' ');
    y.has_value = v != std::string_view::npos && value[v] != '#';
  }
  return y;
}

}  // namespace

std::vector<LspCompletion> complete_agreement(const CompiledPack& pack, std::string_view text,
                                              uint32_t offset) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  const size_t line_start = [&] {
    const size_t nl = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
    return nl == std::string_view::npos ? size_t{0} : nl + 1;
  }();
  const std::string_view prefix = text.substr(line_start, offset - line_start);
  const YamlLine here = read_line(prefix);
  // Typing a value after `key:`, or a key.
  const bool value = !here.key.empty();
  size_t w = prefix.size();
  while (w > 0 && word_char(prefix[w - 1])) --w;
  const std::string_view word = prefix.substr(w);
  const size_t key_column = here.indent + (here.item ? 2 : 0);
  // Walk up: each line less indented than the level reached is a parent key or list item.
  std::vector<std::string> path;      // leaf first; reversed below
  std::vector<std::string> siblings;  // keys already given in the cursor's own record
  bool own = !here.item;              // a new list item has no keys yet
  // Keys of the record being looked for are at `level`; a line less indented encloses it. In
  // a list item, the list's key may sit at the dash's own indent (`key:` then `- a: 1`).
  size_t level = here.item ? here.indent + 1 : key_column;
  size_t end = line_start;
  while (end > 0 && !(level == 0 && !own)) {
    const size_t start = [&] {
      const size_t nl = end < 2 ? std::string_view::npos : text.rfind('\n', end - 2);
      return nl == std::string_view::npos ? size_t{0} : nl + 1;
    }();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    end = start;
    const size_t first = line.find_first_not_of(' ');
    if (first == std::string_view::npos || line[first] == '#') continue;
    const YamlLine y = read_line(line);
    const size_t column = y.indent + (y.item ? 2 : 0);
    if (own && column == level && !y.key.empty()) siblings.push_back(y.key);
    if (y.item && y.indent < level) {
      // The dash of the list item that holds the record; with `- key:` and nothing after it,
      // the record is that key's, inside the item.
      if (!y.key.empty() && !y.has_value && column < level) path.push_back(y.key);
      own = false;
      level = y.indent + 1;
    } else if (!y.item && !y.key.empty() && !y.has_value && y.indent < level) {
      path.push_back(y.key);
      own = false;
      level = y.indent;
    }
  }
  // Keys given below the cursor, in the same record, are given too.
  if (!here.item) {
    size_t from = text.find('\n', offset);
    while (from != std::string_view::npos && from + 1 < text.size()) {
      const size_t next = text.find('\n', from + 1);
      const std::string_view line =
          text.substr(from + 1, next == std::string_view::npos ? next : next - from - 1);
      from = next;
      const size_t first = line.find_first_not_of(' ');
      if (first == std::string_view::npos || line[first] == '#') continue;
      const YamlLine y = read_line(line);
      if (y.indent + (y.item ? 2 : 0) < key_column || (y.item && y.indent < key_column)) break;
      if (!y.item && y.indent == key_column && !y.key.empty()) siblings.push_back(y.key);
    }
  }
  std::reverse(path.begin(), path.end());
  // The record at that path: a list's element where the path goes through a list.
  const Type* t = pack.root;
  for (const std::string& key : path) {
    if (!t || t->kind != TypeKind::kRecord) return {};
    const int f = t->find_field(key);
    if (f < 0) return {};
    t = t->fields[static_cast<size_t>(f)].type;
    while (t && t->kind == TypeKind::kList) t = t->element;
  }
  std::vector<LspCompletion> out;
  if (!t || t->kind != TypeKind::kRecord) return out;
  if (value) {
    const int f = t->find_field(here.key);
    if (f < 0) return out;
    const Type* ft = t->fields[static_cast<size_t>(f)].type;
    if (ft && ft->kind == TypeKind::kEnum) {
      for (const std::string& m : ft->members)
        if (m.rfind(word, 0) == 0) out.push_back({m, 20, ft->name});
    } else if (ft && ft->kind == TypeKind::kBool) {
      for (const char* b : {"true", "false"})
        if (std::string_view(b).rfind(word, 0) == 0) out.push_back({b, 12, "bool"});
    }
    return out;
  }
  for (const FieldType& f : t->fields) {
    if (f.name.rfind(word, 0) != 0) continue;
    if (std::find(siblings.begin(), siblings.end(), f.name) != siblings.end()) continue;
    out.push_back(
        {f.name, 10,
         fmt::format("{}{}", f.type ? f.type->name : "?", f.optional ? " (optional)" : "")});
  }
  return out;
}

std::vector<LspCompletion> complete_manifest(const PackIndex& index, std::string_view text,
                                             uint32_t offset, const std::string& dir) {
  std::vector<LspCompletion> out;
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  const size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const size_t begin = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
  const std::string_view prefix = text.substr(begin, offset - begin);
  if (prefix.find(':') != std::string_view::npos) return out;
  if (prefix.empty() || std::isalpha(static_cast<unsigned char>(prefix[0]))) {
    // A top-level key: those the manifest does not give yet.
    static const char* kKeys[] = {"name",       "version",      "description", "modules",  "data",
                                  "parameters", "decision",     "id_field",    "formats",  "scan",
                                  "observed",   "archive_text", "tables",      "approvals"};
    for (const char* k : kKeys) {
      const std::string key = std::string(k) + ":";
      const bool given = text.rfind("\n" + key, std::string_view::npos) != std::string_view::npos ||
                         text.substr(0, key.size()) == key;
      if (!given && std::string_view(k).starts_with(prefix)) out.push_back({k, 10, "manifest key"});
    }
    return out;
  }
  // A list item: is the nearest top-level key above `modules:`?
  const size_t item = prefix.find_first_not_of(' ');
  if (item == std::string_view::npos || prefix[item] != '-') return out;
  std::string_view typed = prefix.substr(item + 1);
  while (!typed.empty() && typed.front() == ' ') typed.remove_prefix(1);
  // The lines above, from the nearest: the first that starts at column 0 owns the list.
  std::string_view owner;
  for (size_t line_begin = begin; line_begin > 0;) {
    const size_t line_end = line_begin - 1;  // the newline that ends the line above
    const size_t prev = line_end == 0 ? std::string_view::npos : text.rfind('\n', line_end - 1);
    const size_t from = prev == std::string_view::npos ? 0 : prev + 1;
    const std::string_view line = text.substr(from, line_end - from);
    if (!line.empty() && std::isalpha(static_cast<unsigned char>(line[0]))) {
      owner = line.substr(0, line.find(':'));
      break;
    }
    line_begin = from;
  }
  if (owner != "modules") return out;
  std::set<std::string> listed;
  for (const LspSymbol& s : index.symbols())
    if (s.kind == "module") listed.insert(s.name);
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".policy" && !listed.count(name) &&
        std::string_view(name).starts_with(typed))
      files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) out.push_back({f, 17, "policy module"});
  return out;
}

}  // namespace steward::cli
