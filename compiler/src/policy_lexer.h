// The policy language's tokens without ANTLR's lexer simulator (internal to the compiler): the
// same tokens as the generated StewardLexer, read by a hand-written scanner.
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace steward::detail {

// The code points of `text` (valid UTF-8) exactly as they are. ANTLRInputStream drops a
// leading byte order mark, which would part its indices from the lexer's (a second mark, after
// the one the parser leaves out, read one character off).
class PolicyInputStream : public antlr4::ANTLRInputStream {
 public:
  explicit PolicyInputStream(std::string_view text) {
    _data = antlrcpp::utf8_to_utf32(text.data(), text.data() + text.size());
    p = 0;
  }
};

// A TokenSource that gives, for valid UTF-8 text, exactly the tokens the generated lexer gives
// for grammar/Steward.g4: types, channels, code-point start and stop indices, lines and columns
// (`parser_test` compares the two on the repository's policies and on generated text, and
// `fuzz_policy` on every input). The generated lexer runs its DFA a character at a time and
// takes a lock on each step: at 10,000 rules it was a quarter of a compile. `input` is the
// PolicyInputStream of the same text, from which tokens read their text when asked.
class PolicyLexer : public antlr4::TokenSource {
 public:
  PolicyLexer(std::string_view text, antlr4::CharStream* input) : text_(text), input_(input) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return column_; }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return input_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

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
  antlr4::CharStream* input_;
  size_t pos_ = 0;    // byte offset
  size_t index_ = 0;  // code point index (the token indices ANTLR uses)
  size_t line_ = 1, column_ = 0;
  // What earlier tokens learnt, so that hostile text costs linear time: no `*/` at or after
  // this offset; the offsets that unclosed strings of each kind of quote walked through.
  size_t no_comment_end_from_ = static_cast<size_t>(-1);
  std::vector<bool> failed_double_, failed_single_;
};

}  // namespace steward::detail
