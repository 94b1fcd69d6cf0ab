// The policy language's tokens without ANTLR's lexer simulator (internal to the compiler): the
// same tokens as the generated StewardLexer, read by a hand-written scanner.
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy_scanner.h"

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
  PolicyLexer(std::string_view text, antlr4::CharStream* input) : scanner_(text), input_(input) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return scanner_.line(); }
  size_t getCharPositionInLine() override { return scanner_.column(); }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return input_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  PolicyScanner scanner_;
  antlr4::CharStream* input_;
};

}  // namespace steward::detail
