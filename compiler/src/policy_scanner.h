// The policy language's tokens read by hand (internal to the compiler): the same tokens as the
// lexer ANTLR generates from grammar/Steward.g4, with no ANTLR types, for PolicyLexer (which hands
// them to the generated parser) and for the parser's fast path (fast_parser.h).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace steward::detail {

// One token: its type (grammar::StewardLexer's token types; antlr4::Token::EOF at the end), its
// channel, its bytes in the text, and ANTLR's code-point indices, line and column.
struct ScannedToken {
  size_t type;
  size_t channel;
  size_t begin, end;  // byte offsets: [begin, end)
  size_t start_index, stop_index;
  size_t line, column;
};

// Reads the tokens of `text` (valid UTF-8) one at a time, exactly as the generated lexer does:
// the longest match, and on a tie the rule written first (so a keyword beats IDENT of the same
// length). WS is skipped; comments come on the hidden channel. Linear in the text.
class PolicyScanner {
 public:
  explicit PolicyScanner(std::string_view text) : text_(text) {}

  // The next token; EOF, again and again, at the end.
  ScannedToken next();
  size_t line() const { return line_; }
  size_t column() const { return column_; }

 private:
  // Consumes one code point, keeping the line and column as the generated lexer does: a
  // newline starts a line, anything else (a carriage return too) moves one column on.
  void advance();
  unsigned char at(size_t i) const { return i < text_.size() ? text_[i] : 0; }
  // The offset of the quote that closes the string opened at `open`, or kNoEnd.
  size_t string_end(size_t open);
  static constexpr size_t kNoEnd = static_cast<size_t>(-1);
  bool more(size_t i) const { return i < text_.size(); }

  std::string_view text_;
  size_t pos_ = 0;    // byte offset
  size_t index_ = 0;  // code point index (the token indices ANTLR uses)
  size_t line_ = 1, column_ = 0;
  // What earlier tokens learnt, so that hostile text costs linear time: no `*/` at or after
  // this offset; the offsets that unclosed strings of each kind of quote walked through.
  size_t no_comment_end_from_ = static_cast<size_t>(-1);
  std::vector<bool> failed_double_, failed_single_;
};

}  // namespace steward::detail
