// Agreements as typed documents: loading YAML or JSON text, strict validation against a
// pack's schema, and located input errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "steward/program.h"

namespace steward {

// One value of a document. Records hold one child per schema field (absent fields are nodes
// of kind kNull located at their parent), lists one child per item.
struct DocNode {
  TypeKind kind = TypeKind::kNull;  // kNull: missing (absent or null)
  const Type* type = nullptr;       // the declared type of this position
  uint32_t parent = kNoIndex;
  uint32_t index = 0;  // field index in the parent record, or position in the parent list
  // Where it is, for Document::position (read it there): the line (1-based) and column of the
  // key of its mapping entry or of its list item; or, in a document that computes positions
  // only when asked, line 0 and the byte offset in the text in `at_column`.
  uint32_t at_line = 0;
  uint32_t at_column = 0;
  union {
    bool b;
    int64_t i;
    double d;
    int32_t date;
    uint32_t member;
  };
  uint32_t begin = 0;  // strings: offset in the string pool; lists and records: first child
  uint32_t size = 0;   // strings: byte length; lists and records: number of children

  DocNode() : i(0) {}
};

// A data file sent with a document and scanned with it (`steward eval --data`): recorded on the
// decision, so that a reader knows which bytes were observed. Never a value of the file.
struct DataFileRef {
  std::string file;    // as it was named
  std::string sha256;  // "sha256:<hex>" of its bytes
  uint64_t rows = 0;
  uint64_t columns = 0;
};

struct ScanReport;  // steward/scan.h

namespace detail {
// One 64-byte stretch of a text in a document's newline index: a bit per newline byte, and
// the newlines before the stretch (Document::position counts and selects in it).
struct NewlineWord {
  uint64_t newlines = 0;
  uint32_t before = 0;
};
}  // namespace detail

// An approval a review record stands for (steward/archive.h, approvals_for): the body's latest
// verdict on this very text, approve or deny, and the day it was recorded.
struct ApprovalEvidence {
  std::string body;
  bool approved = true;  // false: denied
  int32_t date = 0;      // days since 1970-01-01
  std::string record;    // the review record's id
};

// Where a document's approvals came from, when from review records: the records used, and each
// `approved` entry the document stated that no record backs (it was not counted).
struct ApprovalSource {
  struct Unbacked {
    std::string path;  // `approvals[1]`
    std::string body;
    uint32_t line = 0, column = 0;
  };
  bool from_records = false;
  std::vector<std::string> records;
  std::vector<Unbacked> unbacked;
};

class Document;
namespace detail {
void set_data_files(Document& doc, std::vector<DataFileRef> files);
void set_approval_source(Document& doc, ApprovalSource source);
class Run;
}  // namespace detail

// A validated document, immutable once loaded. It refers to the types of the pack it was
// validated against, which must outlive it.
class Document {
 public:
  Document() = default;
  Document(const Document&) = default;
  Document(Document&&) = default;
  Document& operator=(const Document&) = default;
  Document& operator=(Document&&) = default;
  // Leaves its tables' memory to the next document its thread loads.
  ~Document();

  const std::string& file() const { return file_; }
  const DocNode& node(uint32_t i) const { return nodes_[i]; }
  uint32_t root() const { return 0; }
  size_t node_count() const { return nodes_.size(); }
  std::span<const uint32_t> children(const DocNode& n) const {
    return {children_.data() + n.begin, n.size};
  }
  std::string_view string(const DocNode& n) const { return {strings_.data() + n.begin, n.size}; }
  // Key path of a node: `data.fields[2].justification`; "" for the root.
  std::string path(uint32_t node) const;
  // Line and column (1-based; the column counts code points) of a node: the key of its mapping
  // entry, or its list item. Found in the document's line index when the loader did not record
  // it (reasons ask for a few positions, and finding every node's line cost a tenth of
  // loading); either way in time logarithmic in the document's lines.
  Position position(uint32_t node) const;
  // The value of the pack's id field, or "".
  const std::string& id() const { return id_; }
  // The data files observed with it (load_document's `observed`), in the order given.
  const std::vector<DataFileRef>& data_files() const { return data_files_; }
  // Where its approvals came from (load_document's `approvals`).
  const ApprovalSource& approval_source() const { return approval_source_; }

 private:
  friend class DocumentBuilder;
  friend class FastDocument;
  friend void detail::set_data_files(Document& doc, std::vector<DataFileRef> files);
  friend void detail::set_approval_source(Document& doc, ApprovalSource source);
  // The evaluator reads the node and child tables through pointers it keeps for a decision.
  friend class detail::Run;
  std::vector<DataFileRef> data_files_;
  ApprovalSource approval_source_;
  std::string file_;
  std::string id_;
  std::vector<DocNode> nodes_;
  std::vector<uint32_t> children_;
  std::string strings_;
  // Where the source text's newlines are, kept when nodes hold byte offsets instead of
  // positions (DocNode::at_line 0; only for ASCII text, where a column counts bytes).
  std::vector<detail::NewlineWord> newlines_;
};

// An input error: never a decision. `path` is the key path ("" for the document itself);
// line and column are 1-based, 0 when the error has no position (e.g. unreadable file).
struct InputError {
  std::string code;  // stable, listed in docs/diagnostics.md
  std::string path;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
};

// Limits that keep hostile input from exhausting the machine; each breach is an input error.
struct LoadLimits {
  size_t max_bytes = 8u << 20;         // whole file
  size_t max_values = 1'000'000;       // after YAML aliases are expanded
  size_t max_depth = 64;               // nesting of flow collections ([ and {)
  size_t max_string_bytes = 1u << 20;  // one scalar
  size_t max_keys = 10'000;            // keys in one mapping
  size_t max_errors = 100;             // reported per document
};

struct LoadResult {
  std::shared_ptr<const Document> document;  // null when there were errors
  std::vector<InputError> errors;            // sorted by position
  bool ok() const { return document != nullptr; }
};

// Parses YAML or JSON text and validates it against `pack.root`: unknown keys, duplicate
// keys, wrong types, unknown enum values, missing required keys, invalid UTF-8, control
// characters, YAML tags, several documents in one stream and breached limits are errors,
// all reported together where the parse allows.
// How to read the text: kJson never falls back to YAML, so comments, trailing commas and
// single quotes are syntax errors; kAuto reads text that starts with `{` or `[` as JSON when
// it is JSON and as YAML otherwise (YAML 1.2 is a superset of JSON).
enum class DocumentFormat { kAuto, kJson, kYaml };

//
// `observed`: the scans of the data files sent with the document. The pack's observed field
// (the manifest's `observed:`) is filled from them, one record per column of each file with
// its findings, and the files are recorded on the document. A pack without one refuses them,
// a report with errors is an input error, and a document that states the observed field
// itself is always one (`input.observed`): only the engine writes observations.
//
// `approvals`: the approvals review records stand for (steward/archive.h, approvals_for), given
// when a decision takes its approvals from the archive rather than the proposer's word. In each
// of the pack's approval lists (the manifest's `approvals:`) whose parent the document has,
// every `approved` entry the document states is replaced by the records' approvals and
// denials, each dated the day it was recorded; stated `denied` and `pending` entries stay. An
// `approved` entry no record backs is listed in the document's approval_source(). A pack
// without approval lists refuses them (`input.approvals`).
LoadResult load_document(const CompiledPack& pack, std::string_view text, std::string file,
                         const LoadLimits& limits = {},
                         DocumentFormat format = DocumentFormat::kAuto,
                         const std::vector<ScanReport>* observed = nullptr,
                         const std::vector<ApprovalEvidence>* approvals = nullptr);

// load_document without its fast paths (JSON and YAML): every text through the general reader
// and validator. The same result, slower; the reference tests and fuzzers hold the fast paths to.
LoadResult load_document_general(const CompiledPack& pack, std::string_view text, std::string file,
                                 const LoadLimits& limits = {},
                                 DocumentFormat format = DocumentFormat::kAuto,
                                 const std::vector<ApprovalEvidence>* approvals = nullptr);

// load_document's fast paths alone, for tests and fuzzers: the document when the text is a plain
// JSON or YAML agreement they read whole, else null (they report nothing: load_document then
// takes the general path). What it returns equals load_document_general's document.
std::shared_ptr<const Document> load_document_fast(
    const CompiledPack& pack, std::string_view text, std::string file,
    const LoadLimits& limits = {}, DocumentFormat format = DocumentFormat::kAuto,
    const std::vector<ApprovalEvidence>* approvals = nullptr);

// "" when two documents of one pack hold the same values of the same types (compared by
// identity) at the same positions, with the same file, id, data files and approval source; else
// the key path of the first difference and what differs. Node numbering may differ: the
// documents are walked.
std::string document_difference(const Document& a, const Document& b);

// The format a file name asks for: `.json` (any case) is kJson, `.yaml`/`.yml` kYaml, else kAuto.
DocumentFormat format_for(std::string_view file_name);

// Reads the text of a regular file, refusing a FIFO, a device or a directory, and one larger
// than limits.max_bytes, before reading it. On failure `error` says why (input.read/limit).
bool read_document_file(const std::filesystem::path& path, const LoadLimits& limits,
                        std::string* text, InputError* error);

// Reads a regular file (refusing a FIFO, a device or a directory, and one larger than
// limits.max_bytes, before reading it) and loads it in the format its name asks for.
LoadResult load_document_file(const CompiledPack& pack, const std::filesystem::path& path,
                              const LoadLimits& limits = {});

// The deepest nesting of arrays and objects in JSON text, strings skipped, without parsing it
// (so without recursion): for refusing text too deep to build or print safely. With `limit`,
// `breach` is set to the offset of the first bracket that goes deeper than it (npos if none).
size_t json_nesting(std::string_view text, size_t limit = SIZE_MAX, size_t* breach = nullptr);

// `file:line:col: error[code]: message (at path)`.
std::string render(const InputError& e, std::string_view file);

}  // namespace steward
