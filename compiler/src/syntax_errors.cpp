// Turning ANTLR's syntax errors into diagnostics: what was found, where the parser was, what
// it expected, each named as the language's documentation names it.
#include "syntax_errors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "StewardLexer.h"

namespace steward::detail {

namespace {

using grammar::StewardLexer;

// How a token type reads in a message.
std::string token_phrase(const antlr4::dfa::Vocabulary& vocab, size_t type) {
  switch (type) {
    case StewardLexer::IDENT:
      return "a name";
    case StewardLexer::STRING:
      return "a string";
    case StewardLexer::INT:
      return "an integer";
    case StewardLexer::NUMBER:
      return "a number";
    case antlr4::Token::EOF:
      return "end of file";
    case StewardLexer::LBRACE:
      return "`{`";
    case StewardLexer::RBRACE:
      return "`}`";
    case StewardLexer::LBRACK:
      return "`[`";
    case StewardLexer::RBRACK:
      return "`]`";
    case StewardLexer::LPAREN:
      return "`(`";
    case StewardLexer::RPAREN:
      return "`)`";
    case StewardLexer::COMMA:
      return "`,`";
    case StewardLexer::COLON:
      return "`:`";
    case StewardLexer::DOT:
      return "`.`";
    case StewardLexer::ASSIGN:
      return "`=`";
    case StewardLexer::QUESTION:
      return "`?`";
    default:
      break;
  }
  std::string lit = std::string(vocab.getLiteralName(type));
  if (lit.size() >= 2 && lit.front() == '\'')
    return fmt::format("`{}`", lit.substr(1, lit.size() - 2));
  return std::string(vocab.getSymbolicName(type));
}

// Where the parser was, in the language's terms.
std::string context_phrase(antlr4::Parser* parser) {
  for (auto& rule : parser->getRuleInvocationStack()) {
    if (rule == "prop" || rule == "propName") return " in a property";
    if (rule == "ruleDecl") return " in a rule";
    if (rule == "assertDecl") return " in an assert";
    if (rule == "clauseDecl") return " in a clause";
    if (rule == "reviewerDecl") return " in a reviewer";
    if (rule == "letDecl") return " in a `let` definition";
    if (rule == "fieldDecl" || rule == "typeRef" || rule == "baseType")
      return " in a field declaration";
    if (rule == "recordDecl" || rule == "documentDecl" || rule == "recordBody")
      return " in a record";
    if (rule == "enumDecl" || rule == "enumMember") return " in an enum";
    if (rule == "setDecl") return " in a set";
  }
  return "";
}

}  // namespace

void ErrorListener::syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* tok, size_t line,
                                size_t, const std::string& msg, std::exception_ptr) {
  if (!lines_.insert(line).second || count_ >= kMaxErrors) return;  // one per line: no cascades
  ++count_;
  SourceSpan span{file_, base_, base_ + 1};
  std::string message;
  auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
  if (tok != nullptr) {
    span = {file_, byte(tok->getStartIndex()), byte(tok->getStopIndex() + 1)};
    if (tok->getType() == antlr4::Token::EOF) span.end = span.begin;
    std::string found = tok->getType() == antlr4::Token::EOF ? "end of file"
                        : tok->getType() == StewardLexer::BAD_CHAR
                            ? fmt::format("character `{}`", tok->getText())
                            : fmt::format("`{}`", tok->getText());
    std::string expected;
    if (parser != nullptr) {
      std::vector<std::string> names;
      for (size_t t : parser->getExpectedTokens().toList()) {
        std::string p = token_phrase(parser->getVocabulary(), t);
        if (std::find(names.begin(), names.end(), p) == names.end()) names.push_back(p);
      }
      if (names.size() > 8) {
        expected = "; expected an expression or a declaration";
      } else if (names.size() == 1) {
        expected = fmt::format("; expected {}", names[0]);
      } else if (!names.empty()) {
        expected = "; expected one of: " + fmt::format("{}", fmt::join(names, ", "));
      }
      message = fmt::format("unexpected {}{}{}", found, context_phrase(parser), expected);
    } else {
      message = fmt::format("unexpected {}", found);
    }
  } else {
    // Lexer errors carry no token; the lexer's own text names the character.
    message = fmt::format("syntax error: {}", msg);
  }
  diags_.error("parse.syntax", span, message);
}

}  // namespace steward::detail
