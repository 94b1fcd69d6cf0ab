// Loading agreements: size, UTF-8 and control-character checks on the text, the parser for
// its format (json_reader.cpp, yaml_reader.cpp), then the validator (document_builder.cpp).
#include "steward/document.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include "approvals.h"
#include "document_builder.h"
#include "kept_buffer.h"
#include "kept_tables.h"
#include "observed.h"
#include "raw_tree.h"
#include "steward/date.h"
#include "steward/pack_files.h"
#include "steward/scalar.h"
#include "steward/source.h"
#include "steward/suggest.h"

namespace steward {

namespace {

// One set of tables per thread. `tables_gone` is trivially destructible, so that a document
// destroyed while its thread exits (after the holder) can still ask whether it may keep.
thread_local bool tables_gone = false;
struct KeptTables {
  detail::DocumentTables tables;
  bool full = false;
  ~KeptTables() { tables_gone = true; }
};
thread_local KeptTables kept_tables;

}  // namespace

void detail::keep_tables(DocumentTables&& t) {
  // A document moved from, or never filled, has nothing worth the thread's one set.
  if (tables_gone || kept_tables.full || t.nodes.capacity() == 0) return;
  if (too_large_to_keep(t.nodes) || too_large_to_keep(t.children) || too_large_to_keep(t.strings) ||
      too_large_to_keep(t.newlines))
    return;
  DocumentTables& k = kept_tables.tables;
  k.nodes = std::move(t.nodes);
  k.children = std::move(t.children);
  k.strings = std::move(t.strings);
  k.newlines = std::move(t.newlines);
  k.nodes.clear();
  k.children.clear();
  k.strings.clear();
  k.newlines.clear();
  kept_tables.full = true;
}

void detail::take_tables(DocumentTables& t) {
  if (tables_gone || !kept_tables.full) return;
  DocumentTables& k = kept_tables.tables;
  t.nodes = std::move(k.nodes);
  t.children = std::move(k.children);
  t.strings = std::move(k.strings);
  t.newlines = std::move(k.newlines);
  kept_tables.full = false;
}

Document::~Document() {
  detail::keep_tables(
      {std::move(nodes_), std::move(children_), std::move(strings_), std::move(newlines_)});
}

void detail::set_approval_source(Document& doc, ApprovalSource source) {
  doc.approval_source_ = std::move(source);
}

void detail::set_data_files(Document& doc, std::vector<DataFileRef> files) {
  doc.data_files_ = std::move(files);
}

Position Document::position(uint32_t node) const {
  const DocNode& n = nodes_[node];
  if (n.at_line != 0 || newlines_.empty()) return {n.at_line, n.at_column};
  // The line is one more than the newlines before the offset (counted: the word's count, then
  // the bits below the offset in it); the column is the bytes from the last of them (selected:
  // the word holding it, then its bit), as the loaders' line cursor counts in ASCII text
  // (raw_tree.h).
  const uint32_t offset = n.at_column;
  const size_t k = std::min<size_t>(offset / 64, newlines_.size() - 1);
  const uint64_t below = offset / 64 < newlines_.size()
                             ? newlines_[k].newlines & ((uint64_t{1} << (offset % 64)) - 1)
                             : newlines_[k].newlines;
  const uint32_t count = newlines_[k].before + detail::count_bits(below);
  if (count == 0) return {1, offset + 1};
  // The last newline before the offset: the highest bit below it in its word, or else in the
  // nearest word before with any, looked for in the four words before (lines are short), then
  // by its count (a long line: a search, not a walk back over it for every reason). The search
  // and a walk to the bit each time were about 140 instructions a reason.
  size_t word = k;
  uint64_t bits = below;
  for (int back = 0; bits == 0 && back < 4 && word > 0; ++back) bits = newlines_[--word].newlines;
  if (bits == 0) {
    // The word of newline number `count`: the last whose count before it is under `count`.
    word = static_cast<size_t>(
        std::partition_point(newlines_.begin(), newlines_.end(),
                             [&](const detail::NewlineWord& w) { return w.before < count; }) -
        newlines_.begin() - 1);
    bits = newlines_[word].newlines;  // its last newline: the words after it hold none
  }
  const auto last =
      static_cast<uint32_t>(word) * 64 + 63u - static_cast<uint32_t>(__builtin_clzll(bits));
  return {count + 1, offset - last};
}

std::string Document::path(uint32_t node) const {
  // Reasons ask for paths on every decision: one walk up measures the path, a second writes it
  // back to front into a string made at its exact size (a guessed reservation put short
  // paths, which fit in the string itself, on the heap, and appends checked room each time).
  // A field's name takes a dot before it unless it opens the path.
  auto is_step = [&](uint32_t n) { return n != kNoIndex && nodes_[n].parent != kNoIndex; };
  // A field of the root, the path of most reasons' evidence, is its name.
  if (is_step(node) && !is_step(nodes_[node].parent)) {
    const DocNode& p = nodes_[nodes_[node].parent];
    if (p.type->kind == TypeKind::kRecord) return p.type->fields[nodes_[node].index].name;
  }
  size_t size = 0;
  bool opens_with_field = false;
  for (uint32_t n = node; is_step(n); n = nodes_[n].parent) {
    const DocNode& d = nodes_[n];
    const DocNode& p = nodes_[d.parent];
    opens_with_field = p.type->kind != TypeKind::kList;
    size += opens_with_field ? p.type->fields[d.index].name.size() + 1
                             : fmt::format_int(d.index).size() + 2;
  }
  if (opens_with_field) --size;
  std::string out(size, '\0');
  char* const begin = out.data();
  char* end = begin + size;
  for (uint32_t n = node; is_step(n); n = nodes_[n].parent) {
    const DocNode& d = nodes_[n];
    const DocNode& p = nodes_[d.parent];
    if (p.type->kind == TypeKind::kList) {
      const fmt::format_int digits(d.index);
      *--end = ']';
      end -= digits.size();
      std::memcpy(end, digits.data(), digits.size());
      *--end = '[';
    } else {
      const std::string& name = p.type->fields[d.index].name;
      end -= name.size();
      std::memcpy(end, name.data(), name.size());
      if (end != begin) *--end = '.';
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

// Columns count code points, and a leading byte order mark is no column, as libyaml counts
// them (the text before `offset` is valid UTF-8: the check stops at the first invalid byte).
Position offset_position(std::string_view text, size_t offset) {
  Position p{1, 1};
  for (size_t i = bom_length(text); i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else if (starts_code_point(text[i])) {
      ++p.column;
    }
  }
  return p;
}

std::string control_message(const ControlChar& c) {
  return c.bidi ? fmt::format(
                      "bidirectional control character U+{:04X} is not allowed: it makes text "
                      "display differently from what it says",
                      c.code_point)
                : fmt::format("control character U+{:04X} is not allowed", c.code_point);
}

InputError text_error(const char* code, std::string_view text, size_t offset, std::string message) {
  Position p = offset_position(text, offset);
  return {code, "", p.line, p.column, std::move(message)};
}

// The public loaders hand a fixed record list to the loader, which asks for records by id.
LoadResult load_by(detail::LoadPaths paths, const CompiledPack& pack, std::string_view text,
                   std::string file, const LoadLimits& limits, DocumentFormat format,
                   const std::vector<ScanReport>* observed,
                   const std::vector<ApprovalEvidence>* approvals) {
  if (approvals == nullptr)
    return detail::load_document_with(pack, text, std::move(file), limits, format, observed,
                                      nullptr, paths);
  const detail::ApprovalRecords given = [&](const std::string&) { return *approvals; };
  return detail::load_document_with(pack, text, std::move(file), limits, format, observed, &given,
                                    paths);
}

}  // namespace

LoadResult load_document(const CompiledPack& pack, std::string_view text, std::string file,
                         const LoadLimits& limits, DocumentFormat format,
                         const std::vector<ScanReport>* observed,
                         const std::vector<ApprovalEvidence>* approvals) {
  return load_by(detail::LoadPaths::kAll, pack, text, std::move(file), limits, format, observed,
                 approvals);
}

namespace {

std::string differ(const Document& a, const Document& b, uint32_t x, uint32_t y) {
  const DocNode& p = a.node(x);
  const DocNode& q = b.node(y);
  auto at = [&](std::string_view what) { return fmt::format("`{}`: {}", a.path(x), what); };
  if (p.kind != q.kind) return at("kinds differ");
  if (p.type != q.type) return at("declared types differ");
  if (p.index != q.index) return at("indexes differ");
  const Position pp = a.position(x), qp = b.position(y);
  if (pp.line != qp.line || pp.column != qp.column)
    return at(
        fmt::format("positions differ ({}:{} and {}:{})", pp.line, pp.column, qp.line, qp.column));
  switch (p.kind) {
    case TypeKind::kBool:
      return p.b == q.b ? "" : at("values differ");
    case TypeKind::kInt:
      return p.i == q.i ? "" : at("values differ");
    case TypeKind::kNumber:
      return std::memcmp(&p.d, &q.d, sizeof p.d) == 0 ? "" : at("values differ");
    case TypeKind::kDate:
      return p.date == q.date ? "" : at("values differ");
    case TypeKind::kEnum:
      return p.member == q.member ? "" : at("values differ");
    case TypeKind::kString:
      return a.string(p) == b.string(q) ? "" : at("values differ");
    case TypeKind::kList:
    case TypeKind::kRecord: {
      if (p.size != q.size) return at("sizes differ");
      const auto ca = a.children(p);
      const auto cb = b.children(q);
      for (uint32_t i = 0; i < p.size; ++i) {
        if (a.node(ca[i]).parent != x || b.node(cb[i]).parent != y) return at("parents differ");
        if (std::string d = differ(a, b, ca[i], cb[i]); !d.empty()) return d;
      }
      return "";
    }
    default:
      return "";
  }
}

}  // namespace

std::string document_difference(const Document& a, const Document& b) {
  if (a.file() != b.file()) return "files differ";
  if (a.id() != b.id()) return "ids differ";
  if (a.node_count() == 0 || b.node_count() == 0)
    return a.node_count() == b.node_count() ? "" : "one document is empty";
  const auto& fa = a.data_files();
  const auto& fb = b.data_files();
  if (fa.size() != fb.size()) return "data files differ";
  for (size_t i = 0; i < fa.size(); ++i)
    if (fa[i].file != fb[i].file || fa[i].sha256 != fb[i].sha256 || fa[i].rows != fb[i].rows ||
        fa[i].columns != fb[i].columns)
      return "data files differ";
  const ApprovalSource& sa = a.approval_source();
  const ApprovalSource& sb = b.approval_source();
  auto same_unbacked = [](const ApprovalSource::Unbacked& x, const ApprovalSource::Unbacked& y) {
    return x.path == y.path && x.body == y.body && x.line == y.line && x.column == y.column;
  };
  if (sa.from_records != sb.from_records || sa.records != sb.records ||
      !std::equal(sa.unbacked.begin(), sa.unbacked.end(), sb.unbacked.begin(), sb.unbacked.end(),
                  same_unbacked))
    return "approval sources differ";
  return differ(a, b, a.root(), b.root());
}

LoadResult load_document_general(const CompiledPack& pack, std::string_view text, std::string file,
                                 const LoadLimits& limits, DocumentFormat format,
                                 const std::vector<ApprovalEvidence>* approvals) {
  return load_by(detail::LoadPaths::kGeneral, pack, text, std::move(file), limits, format, nullptr,
                 approvals);
}

std::shared_ptr<const Document> load_document_fast(const CompiledPack& pack, std::string_view text,
                                                   std::string file, const LoadLimits& limits,
                                                   DocumentFormat format,
                                                   const std::vector<ApprovalEvidence>* approvals) {
  return load_by(detail::LoadPaths::kFastOnly, pack, text, std::move(file), limits, format, nullptr,
                 approvals)
      .document;
}

namespace detail {

std::string raw_id(const CompiledPack& pack, const RawTree& raw) {
  if (pack.id_field < 0 || raw.nodes.empty()) return "";
  return std::string(raw.scalar_field(raw.root, pack.root->fields[pack.id_field].name));
}

LoadResult load_document_with(const CompiledPack& pack, std::string_view text, std::string file,
                              const LoadLimits& limits, DocumentFormat format,
                              const std::vector<ScanReport>* observed,
                              const ApprovalRecords* approvals, LoadPaths paths) {
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
  // UTF-8 first: a control character after an invalid byte is not reported.
  const TextCheck checked = check_text(text, "\t\n\r");
  if (checked.invalid_utf8 != std::string_view::npos) {
    return fail(
        text_error("input.utf8", text, checked.invalid_utf8, "the file is not valid UTF-8"));
  }
  if (checked.control.found()) {
    return fail(text_error("input.control", text, checked.control.offset,
                           control_message(checked.control)));
  }
  // JSON (text starting with `{` or `[`) takes the fast path when it is plain JSON. Text that
  // must be JSON never falls back to YAML, which would accept comments and single quotes.
  // A byte order mark opening the text is not part of it: libyaml skips it, and the JSON
  // readers are given the text after it, so that it is still JSON and line 1's columns count
  // from after it as libyaml's do.
  const std::string_view body = text.substr(bom_length(text));
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return fail({"input.empty", "", 1, 1, "the document is empty"});
  // A valid JSON or YAML agreement with nothing added to it goes straight to its document;
  // anything else, or anything wrong with it, takes the general path below. The YAML one only
  // where the general path reads the text with libyaml (its positions are libyaml's).
  const bool json_text = body[first] == '{' || body[first] == '[';
  // Review records are looked up once, by whichever path gets as far as the id.
  std::optional<detail::RecordLookup> records;
  if (approvals != nullptr) records.emplace(*approvals);
  // The fast paths apply review records themselves (the service's default load). A pack
  // without approval lists refuses them: the general path says so.
  if (paths != LoadPaths::kGeneral && !checked.escapes && observed == nullptr &&
      (approvals == nullptr || !pack.approval_lists.empty())) {
    std::shared_ptr<Document> doc;
    ApprovalSource source;
    if (format != DocumentFormat::kYaml && body[first] == '{')
      doc = build_json_document(pack, limits, body, checked.ascii, file,
                                records ? &*records : nullptr, &source);
    else if (format == DocumentFormat::kYaml || (format == DocumentFormat::kAuto && !json_text))
      doc = build_yaml_document(pack, limits, text, file, records ? &*records : nullptr, &source);
    if (doc) {
      detail::set_approval_source(*doc, std::move(source));
      result.document = std::move(doc);
      return result;
    }
  }
  if (paths == LoadPaths::kFastOnly) return result;
  detail::RawTree raw;
  detail::ParseLimits parse_limits;
  parse_limits.max_depth = limits.max_depth;
  bool json = format != DocumentFormat::kYaml && json_text &&
              detail::parse_json(body, checked.ascii, parse_limits, &raw);
  if (!json && format == DocumentFormat::kJson && detail::json_error(body, parse_limits, &raw))
    return fail({raw.error_code, "", raw.error_line, raw.error_column, raw.error});
  if (!json) {
    raw = detail::RawTree();
    detail::parse_yaml(text, parse_limits, &raw);
  }
  if (raw.failed) return fail({raw.error_code, "", raw.error_line, raw.error_column, raw.error});
  // Escapes (`"\e"`, `\u001b`) can put into a value what the text check above refused; a
  // text without a backslash or carriage return has none.
  if (ControlChar c = checked.escapes ? find_control(raw.text, "\t\n") : ControlChar{}; c.found()) {
    for (const detail::RawNode& n : raw.nodes) {
      if (n.kind == detail::RawNode::Kind::kScalar && c.offset >= n.begin &&
          c.offset < n.begin + n.size) {
        return fail({"input.control", "", n.line, n.column,
                     control_message(c) + " in a value, even written as an escape"});
      }
    }
    return fail({"input.control", "", 1, 1, control_message(c)});
  }
  if (raw.documents == 0 || raw.nodes.empty())
    return fail({"input.empty", "", 1, 1, "the document is empty"});
  {
    const detail::RawNode& root = raw.nodes[raw.root];
    if (root.kind == detail::RawNode::Kind::kScalar && !root.quoted && raw.scalar(root).empty()) {
      return fail({"input.empty", "", 1, 1, "the document is empty"});
    }
  }
  // A document in a retired format gets one error that says what changed, instead of one
  // error per key that moved.
  if (pack.format_field >= 0 && raw.nodes[raw.root].kind == detail::RawNode::Kind::kMap) {
    const detail::RawNode& root = raw.nodes[raw.root];
    const std::string& field = pack.root->fields[pack.format_field].name;
    for (uint32_t i = 0; i < root.size; ++i) {
      const detail::RawNode& k = raw.nodes[raw.children[root.begin + 2 * i]];
      const detail::RawNode& v = raw.nodes[raw.children[root.begin + 2 * i + 1]];
      if (k.kind != detail::RawNode::Kind::kScalar || raw.scalar(k) != field ||
          v.kind != detail::RawNode::Kind::kScalar)
        continue;
      for (const auto& [name, message] : pack.retired_formats) {
        if (raw.scalar(v) == name)
          return fail({"input.format", field, v.line, v.column,
                       fmt::format("`{}` is retired: {}", name, message)});
      }
    }
  }
  // Observations come from the engine's scan of the data files, never from the proposer.
  if (!detail::refuse_stated_observations(pack, raw, &result.errors)) return result;
  if (observed != nullptr && !detail::attach_observations(pack, *observed, &raw, &result.errors))
    return result;
  ApprovalSource approval_source;
  if (approvals != nullptr) {
    // The records are looked up by the id the text states (the schema checks it below: a
    // document whose id is not a string is refused whatever the records say).
    if (!detail::apply_approval_records(pack, records->for_id(raw_id(pack, raw)), &raw,
                                        &approval_source, &result.errors))
      return result;
  }
  std::shared_ptr<Document> doc =
      detail::build_document(pack, limits, raw, std::move(file), result.errors);
  if (observed != nullptr && doc) detail::set_data_files(*doc, detail::data_file_refs(*observed));
  if (doc) detail::set_approval_source(*doc, std::move(approval_source));
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const InputError& a, const InputError& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  if (result.errors.empty()) result.document = std::move(doc);
  return result;
}

}  // namespace detail

DocumentFormat format_for(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return DocumentFormat::kAuto;
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "json") return DocumentFormat::kJson;
  if (ext == "yaml" || ext == "yml") return DocumentFormat::kYaml;
  return DocumentFormat::kAuto;
}

bool read_document_file(const std::filesystem::path& path, const LoadLimits& limits,
                        std::string* text, InputError* error) {
  auto fail = [&](const char* code, std::string message) {
    *error = {code, "", 0, 0, std::move(message)};
    return false;
  };
  std::string why;
  switch (read_regular_file(path, limits.max_bytes, text, &why)) {
    case ReadStatus::kOk:
      return true;
    case ReadStatus::kCannotOpen:
      return fail("input.read", fmt::format("cannot read the file: {}", why));
    case ReadStatus::kDirectory:
      return fail("input.read", "this is a directory, not an agreement file");
    case ReadStatus::kNotRegular:
      return fail("input.read",
                  "this is not a regular file (a FIFO, socket or device); an agreement must be a "
                  "regular file");
    case ReadStatus::kTooLarge:
      return fail("input.limit", fmt::format("the file is {} bytes; the limit is {} bytes", why,
                                             limits.max_bytes));
    case ReadStatus::kChanged:
      return fail("input.read", "the file changed size while it was read");
  }
  return false;
}

LoadResult load_document_file(const CompiledPack& pack, const std::filesystem::path& path,
                              const LoadLimits& limits) {
  LoadResult result;
  std::string text;
  InputError error;
  if (!read_document_file(path, limits, &text, &error)) {
    result.errors.push_back(std::move(error));
    return result;
  }
  return load_document(pack, text, path.string(), limits, format_for(path.filename().string()));
}

}  // namespace steward
