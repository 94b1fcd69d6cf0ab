// PolicyLexer (policy_lexer.h): PolicyScanner's tokens as ANTLR tokens.
#include "policy_lexer.h"

#include <fmt/format.h>

#include <string>

#include "StewardLexer.h"
#include "steward/parser.h"

namespace steward::detail {

std::unique_ptr<antlr4::Token> PolicyLexer::nextToken() {
  const ScannedToken t = scanner_.next();
  return getTokenFactory()->create({this, input_}, t.type, "", t.channel, t.start_index,
                                   t.stop_index, t.line, t.column);
}

std::string token_dump(const std::string& text, bool generated) {
  // Both lexers read the same code points, a leading byte order mark included.
  PolicyInputStream input(text);
  grammar::StewardLexer antlr_lexer(&input);
  antlr_lexer.removeErrorListeners();
  PolicyLexer own(text, &input);
  antlr4::TokenSource& source = generated ? static_cast<antlr4::TokenSource&>(antlr_lexer)
                                          : static_cast<antlr4::TokenSource&>(own);
  std::string out;
  for (;;) {
    std::unique_ptr<antlr4::Token> t = source.nextToken();
    out += fmt::format("{} {} {} {} {} {}\n", static_cast<long long>(t->getType()), t->getChannel(),
                       t->getStartIndex(), static_cast<long long>(t->getStopIndex()), t->getLine(),
                       t->getCharPositionInLine());
    if (t->getType() == antlr4::Token::EOF) break;
  }
  return out;
}

}  // namespace steward::detail
