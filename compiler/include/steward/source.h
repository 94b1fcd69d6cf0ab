// Source files of a policy pack and the mapping from byte offsets to lines and columns.
#pragma once

#include <cstdint>
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
  uint32_t column = 0;  // 1-based column, counted in bytes
};

// One file's name and text, with its line starts computed once.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  // Position of a byte offset; offsets past the end map to the end of the file.
  Position position(uint32_t offset) const;
  // The text of a 1-based line, without its line break.
  std::string_view line(uint32_t line) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
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

}  // namespace steward
