// Source files of a policy pack and the mapping from byte offsets to lines and columns.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace steward {

// Index of a file in a SourceMap. kNoSource marks a span that belongs to no file.
using SourceId = uint32_t;
inline constexpr SourceId kNoSource = UINT32_MAX;

// A half-open byte range [begin, end) in one source file.
struct SourceSpan {
  SourceId file = kNoSource;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoSource; }
};

// A human position. Both fields are 1-based, as printed in diagnostics and decisions.
struct Position {
  uint32_t line = 0;    // 1-based line number
  uint32_t column = 0;  // 1-based column, counted in code points
};

// The length of the UTF-8 byte order mark `text` opens with: 3, or 0 without one. Every reader
// (policies, agreements, data files, the language server) leaves one mark out, and line 1's
// columns count from after it; a second mark is the text's own first character.
inline size_t bom_length(std::string_view text) {
  return text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

// Whether byte `c` starts a code point, i.e. is no UTF-8 continuation byte: columns count these.
inline bool starts_code_point(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

// The code points of UTF-8 text: the bytes that start one. On invalid UTF-8, a count of the
// bytes that are no continuation byte, which is still what a column before the bad byte counts.
inline size_t code_points(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += starts_code_point(c);
  return n;
}

// Whether `a` and `b` hold the same bytes. Inline loads of eight, four or one byte instead of a
// call to memcmp, which cost more than the compare itself for a schema's short names (keys
// and enum members are matched this way for every value a loader reads).
inline bool same_bytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n >= 8) {
    uint64_t x, y;
    for (size_t i = 0; i + 8 < n; i += 8) {
      std::memcpy(&x, p + i, 8);
      std::memcpy(&y, q + i, 8);
      if (x != y) return false;
    }
    std::memcpy(&x, p + n - 8, 8);  // the last eight, overlapping what was compared
    std::memcpy(&y, q + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, u, v;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, q, 4);
    std::memcpy(&u, p + n - 4, 4);
    std::memcpy(&v, q + n - 4, 4);
    return ((x ^ y) | (u ^ v)) == 0;
  }
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

// One file's name and text, with its line starts computed once.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  // Position of a byte offset; offsets past the end map to the end of the file. The column
  // counts code points (as agreements' columns do), and a byte order mark opening the file is
  // none: what an editor's cursor shows.
  Position position(uint32_t offset) const;
  // The text of a 1-based line, without its line break (the first keeps a byte order mark).
  std::string_view line(uint32_t line) const;

 private:
  // Code points before byte `offset`.
  uint32_t code_points_before(uint32_t offset) const;

  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
  uint32_t bom_ = 0;  // bytes of a byte order mark opening the text
  // Code points before every kStride-th byte; empty when the text is ASCII. A column then
  // costs at most kStride bytes of counting, however long its line (a one-line module with
  // thousands of rules stays linear to compile).
  static constexpr uint32_t kStride = 1024;
  std::vector<uint32_t> code_points_;
};

// Owns every source file of a compilation; spans refer to files by SourceId.
class SourceMap {
 public:
  SourceId add(std::string name, std::string text);
  const SourceFile& file(SourceId id) const { return *files_.at(id); }
  size_t size() const { return files_.size(); }
  // {0, 0} for a span that belongs to no file (e.g. an error about a command-line value).
  Position position(const SourceSpan& span) const {
    return span.file < files_.size() ? file(span.file).position(span.begin) : Position{};
  }
  // The text a span covers, each run of white space (line breaks included) one space, for
  // quoting an expression in a message; "" for a span that belongs to no file.
  std::string text_of(const SourceSpan& span) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

// Checks that text is valid UTF-8; on failure returns the byte offset of the first bad
// sequence, otherwise npos. The ANTLR runtime throws on invalid UTF-8, so every text is
// checked before it reaches the parser.
size_t find_invalid_utf8(std::string_view text);

// A character that changes how text looks on a terminal or in an editor rather than showing
// itself: a C0 control, DEL, a C1 control, or a bidirectional embedding, override or isolate
// (U+202A-U+202E, U+2066-U+2069, the "Trojan Source" characters).
struct ControlChar {
  size_t offset = std::string_view::npos;  // npos: none found
  uint32_t code_point = 0;
  bool bidi = false;
  bool found() const { return offset != std::string_view::npos; }
};

// The first such character in valid UTF-8 text, skipping the C0 controls listed in `allowed`.
ControlChar find_control(std::string_view text, std::string_view allowed = "\t\n");

// Both checks every input text goes through, in one pass: the first byte that is not valid
// UTF-8 (npos: none; the scan stops there) and the first control character before it, with
// the C0 controls in `allowed` (at most three bytes) let through.
// `escapes`: the text holds a backslash or a carriage return (before any invalid byte), the
// only ways a parser's values can hold a character the text itself does not (an escape such
// as `\e`, or a line break it rewrites); without them, values need no second check.
// `ascii`: no byte is >= 0x80, so byte offsets within a line are its columns.
struct TextCheck {
  size_t invalid_utf8 = std::string_view::npos;
  ControlChar control;
  bool escapes = false;
  bool ascii = true;
};
TextCheck check_text(std::string_view text, std::string_view allowed);
// The same check without the AVX2 scan check_text picks on a CPU that has it: for tests, which
// hold both scans to one byte-at-a-time reading.
TextCheck check_text_baseline(std::string_view text, std::string_view allowed);

// Whether text shows nothing: empty, or only Unicode White_Space (space, tab, line breaks,
// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, ...) and
// Default_Ignorable_Code_Point characters (U+00AD, U+200B-U+200F, U+2060-U+206F, U+FEFF,
// variation selectors, ...). A title or plan made of these is as unwritten as an empty one.
// `text` must be valid UTF-8.
namespace detail {
bool is_blank_scan(std::string_view text);  // is_blank, read character by character
}  // namespace detail
inline bool is_blank(std::string_view text) {
  // Most text opens with a visible ASCII character, and is not blank: answered without the
  // call (the evaluator asks on every `empty()` of a string, the loaders on nonempty fields).
  if (!text.empty()) {
    const auto c = static_cast<unsigned char>(text[0]);
    if (c > 0x20 && c < 0x80) return false;
  }
  return detail::is_blank_scan(text);
}

// `text` as a loose key: ASCII letters lowercased, and every blank code point (as is_blank
// reads them) and every code point that occurs in `ignore` dropped. Two citations written
// `42 U.S.C. § 679` and `42 usc 679` fold alike with ignore ".§". `text` must be valid UTF-8.
std::string fold_text(std::string_view text, std::string_view ignore);
// fold_text into `out` (replacing what it held), so that a caller folding on every decision
// reuses one buffer instead of allocating a string each time.
void fold_text_into(std::string_view text, std::string_view ignore, std::string* out);

// Text for a terminal, a log line or an annotation: every control character of find_control
// (line breaks and tabs included), U+2028/U+2029, and each byte that is not valid UTF-8 are
// written as escapes (`\n`, `\x1b`, `\u{202e}`, `\xff`); everything else is kept as it is.
std::string escape_for_display(std::string_view text);

// `%XX` decoded (and `+` as a space in query strings); a malformed escape stays as written.
std::string percent_decode(std::string_view s, bool plus_is_space);

}  // namespace steward
