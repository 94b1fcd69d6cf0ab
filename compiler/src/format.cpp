// The formatter: re-emits the token stream (comments included) with canonical whitespace.
#include "steward/format.h"

#include <fmt/format.h>

#include "StewardLexer.h"
#include "antlr4-runtime.h"
#include "policy_lexer.h"
#include "steward/parser.h"

namespace steward {
namespace {

using grammar::StewardLexer;

struct Tok {
  size_t type;
  std::string text;
  int newlines_before = 0;  // line breaks between the previous token and this one
};

bool is_keyword_operator(size_t t) {
  return t == StewardLexer::KW_AND || t == StewardLexer::KW_OR || t == StewardLexer::KW_NOT ||
         t == StewardLexer::KW_IN || t == StewardLexer::KW_FOR;
}

bool is_binary_operator(size_t t) {
  switch (t) {
    case StewardLexer::KW_AND:
    case StewardLexer::KW_OR:
    case StewardLexer::KW_IN:
    case StewardLexer::QQ:
    case StewardLexer::PLUS:
    case StewardLexer::STAR:
    case StewardLexer::SLASH:
    case StewardLexer::PERCENT:
    case StewardLexer::EQ:
    case StewardLexer::NE:
    case StewardLexer::LT:
    case StewardLexer::LE:
    case StewardLexer::GT:
    case StewardLexer::GE:
    case StewardLexer::ASSIGN:
      return true;
    default:
      return false;
  }
}

bool starts_declaration(size_t t) {
  switch (t) {
    case StewardLexer::ENUM:
    case StewardLexer::RECORD:
    case StewardLexer::DOCUMENT:
    case StewardLexer::SET:
    case StewardLexer::CLAUSE:
    case StewardLexer::REVIEWER:
    case StewardLexer::LET:
    case StewardLexer::RULE:
    case StewardLexer::ASSERT:
      return true;
    default:
      return false;
  }
}

bool is_comment(size_t t) {
  return t == StewardLexer::LINE_COMMENT || t == StewardLexer::BLOCK_COMMENT;
}

// Whether a space goes between two tokens on one line.
bool space_between(const Tok& a, const Tok& b, const Tok* before_a) {
  size_t x = a.type, y = b.type;
  if (y == StewardLexer::LINE_COMMENT || y == StewardLexer::BLOCK_COMMENT) return true;
  if (x == StewardLexer::LINE_COMMENT) return true;
  if (y == StewardLexer::COMMA || y == StewardLexer::SEMI || y == StewardLexer::RPAREN ||
      y == StewardLexer::RBRACK || y == StewardLexer::DOT || y == StewardLexer::COLON ||
      y == StewardLexer::QUESTION)
    return false;
  if (x == StewardLexer::LPAREN || x == StewardLexer::LBRACK || x == StewardLexer::DOT ||
      x == StewardLexer::ELLIPSIS)
    return false;
  if (x == StewardLexer::LBRACE && y == StewardLexer::RBRACE) return false;
  // Unary minus sticks to its operand; a binary minus (after an operand) is spaced like `+`.
  if (x == StewardLexer::MINUS) {
    bool unary = before_a == nullptr || is_binary_operator(before_a->type) ||
                 before_a->type == StewardLexer::LPAREN || before_a->type == StewardLexer::LBRACK ||
                 before_a->type == StewardLexer::COMMA || before_a->type == StewardLexer::COLON ||
                 before_a->type == StewardLexer::KW_NOT;
    if (unary) return false;
  }
  // A call: name(args); but keywords before a parenthesis keep their space: `not (a)`.
  if (y == StewardLexer::LPAREN)
    return is_keyword_operator(x) || is_binary_operator(x) || x == StewardLexer::COMMA ||
           x == StewardLexer::COLON || x == StewardLexer::MINUS;
  if (y == StewardLexer::LBRACK) return x != StewardLexer::IDENT && x != StewardLexer::RPAREN;
  return true;
}

}  // namespace

FormatResult format_policy(const std::string& name, const std::string& text) {
  FormatResult result;
  result.text = text;
  result.sources = std::make_shared<SourceMap>();
  SourceId id = result.sources->add(name, text);
  ast::Module before = parse_module(*result.sources, id, result.diagnostics);
  if (result.diagnostics.has_errors()) return result;

  // The tokens with comments, and how many line breaks precede each.
  std::vector<Tok> toks;
  {
    // As the parser reads it: without a byte order mark, which the output puts back.
    const std::string body = text.substr(bom_length(text));
    detail::PolicyInputStream input(body);
    detail::PolicyLexer lexer(body, &input);
    size_t last_end = 0;
    bool first = true;
    for (auto t = lexer.nextToken(); t->getType() != antlr4::Token::EOF; t = lexer.nextToken()) {
      if (t->getType() == StewardLexer::WS) continue;
      Tok k;
      k.type = t->getType();
      k.text = t->getText();
      // Line breaks in the whitespace between the previous token and this one.
      size_t start = t->getStartIndex();
      if (!first && start > last_end) {
        for (char c : input.getText(antlr4::misc::Interval(last_end, start - 1)))
          k.newlines_before += c == '\n';
      }
      last_end = t->getStopIndex() + 1;
      first = false;
      toks.push_back(std::move(k));
    }
  }

  std::string out;
  int depth = 0;                      // braces
  int nest = 0;                       // parentheses and brackets
  std::vector<bool> block_multiline;  // per open brace: written over several lines
  const Tok* prev = nullptr;
  const Tok* before_prev = nullptr;
  bool continuation = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    const Tok& t = toks[i];
    bool newline = i > 0 && t.newlines_before > 0;
    // Canonical breaks: each top-level declaration, and each property or field of a block
    // written over several lines, starts a line.
    if (i > 0 && depth == 0 && nest == 0 && starts_declaration(t.type) && !newline) newline = true;
    bool in_multiline_block = !block_multiline.empty() && block_multiline.back();
    if (in_multiline_block && nest == 0 && i + 1 < toks.size() &&
        toks[i + 1].type == StewardLexer::COLON && prev &&
        (prev->type == StewardLexer::COMMA || prev->type == StewardLexer::SEMI ||
         prev->type == StewardLexer::LBRACE) &&
        !newline) {
      newline = true;
    }
    if (t.type == StewardLexer::RBRACE && in_multiline_block && !newline && prev &&
        prev->type != StewardLexer::LBRACE) {
      newline = true;
    }
    if (t.type == StewardLexer::RBRACE) {
      --depth;
      if (!block_multiline.empty()) block_multiline.pop_back();
    }
    if (t.type == StewardLexer::RPAREN || t.type == StewardLexer::RBRACK) --nest;
    if (newline) {
      // Blank lines: keep one where the author left any, except right inside braces.
      bool blank = t.newlines_before >= 2 && prev && prev->type != StewardLexer::LBRACE &&
                   t.type != StewardLexer::RBRACE;
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += blank ? "\n\n" : "\n";
      // A line continues an expression when it is inside parentheses or brackets, starts with
      // a binary operator, or follows one (or a `:`/`=` that ended the line).
      continuation =
          nest > 0 || (is_binary_operator(t.type) && t.type != StewardLexer::ASSIGN) ||
          (prev && (is_binary_operator(prev->type) || prev->type == StewardLexer::COLON ||
                    prev->type == StewardLexer::KW_NOT));
      if (t.type == StewardLexer::RBRACE || is_comment(t.type) || starts_declaration(t.type))
        continuation = false;
      if (prev && prev->type == StewardLexer::COMMA && nest == 0) continuation = false;
      int indent = 2 * std::max(depth, 0) + (continuation ? 4 : 0);
      out += std::string(indent, ' ');
    } else if (prev) {
      if (space_between(*prev, t, before_prev))
        out += t.type == StewardLexer::LINE_COMMENT ? "  " : " ";
    }
    out += t.text;
    if (t.type == StewardLexer::LBRACE) {
      ++depth;
      bool multiline =
          i + 1 < toks.size() && toks[i + 1].newlines_before > 0 && !is_comment(toks[i + 1].type);
      if (i + 1 < toks.size() && is_comment(toks[i + 1].type)) multiline = true;
      block_multiline.push_back(multiline);
    }
    if (t.type == StewardLexer::LPAREN || t.type == StewardLexer::LBRACK) ++nest;
    before_prev = prev;
    prev = &t;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  out += "\n";

  // Only whitespace may change: the formatted text must parse to the same declarations.
  Diagnostics after_diags;
  SourceId id2 = result.sources->add(name + " (formatted)", out);
  ast::Module after = parse_module(*result.sources, id2, after_diags);
  if (after_diags.has_errors() || ast::dump(after) != ast::dump(before)) {
    result.diagnostics.error(
        "fmt.internal", {id, 0, 0},
        "the formatter would change the meaning of this file; it was left as it is",
        "please report this with the file");
    return result;
  }
  // A file that opens with a byte order mark keeps it, as Prettier does: an editor that writes
  // one would otherwise put it back on every save, and `fmt --check` would fail on a character
  // its diff cannot show.
  result.text = text.substr(0, bom_length(text)) + out;
  result.ok = true;
  return result;
}

}  // namespace steward
