// Scans of raw policy text that run before ANTLR sees it: where nesting passes the limit,
// where top-level declarations start, and code point offsets. Strings and comments are
// skipped, so a bracket or keyword inside them counts for nothing.
#include "prescan.h"

#include <antlr4-runtime.h>

#include <algorithm>
#include <cctype>

#include "StewardLexer.h"
#include "policy_scanner.h"
#include "steward/source.h"

namespace steward::detail {

namespace {

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// The offset just past a string literal or comment that starts at `i`, or `i` when none does:
// the pre-parse scans below skip what cannot hold a bracket or keyword.
size_t skip_literal(std::string_view t, size_t i) {
  const size_t n = t.size();
  const char c = t[i];
  if (c == '"' || c == '\'') {
    for (++i; i < n && t[i] != c && t[i] != '\n'; ++i)
      if (t[i] == '\\') ++i;
    return std::min(i + 1, n);
  }
  if (c == '/' && i + 1 < n && t[i + 1] == '/') {
    size_t end = t.find('\n', i);
    return end == std::string_view::npos ? n : end;
  }
  if (c == '/' && i + 1 < n && t[i + 1] == '*') {
    size_t end = t.find("*/", i + 2);
    return end == std::string_view::npos ? n : end + 2;
  }
  return i;
}

}  // namespace

// ANTLR indexes code points; diagnostics and spans use bytes.
std::vector<uint32_t> code_point_offsets(std::string_view text, bool& ascii) {
  std::vector<uint32_t> out;
  ascii = std::all_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return out;
  for (uint32_t i = 0; i < text.size(); ++i) {
    if (starts_code_point(text[i])) out.push_back(i);
  }
  out.push_back(static_cast<uint32_t>(text.size()));
  return out;
}

// ANTLR's parser recurses once per nested bracket and per prefix `not` or `-` whose operand is
// still being read: that nesting is counted before it runs, over the lexer's own tokens
// (PolicyScanner: a string or comment is exactly what the lexer makes of it, an unclosed quote
// no string, so nothing hides tokens from the count).
bool NestingCounter::take(size_t type, bool digit_follows) {
  using L = grammar::StewardLexer;
  auto within = [&] { return depth_ + now_.nots + now_.minus <= kMaxNesting; };
  const size_t previous = previous_;
  previous_ = type;
  switch (type) {
    case L::LPAREN:
    case L::LBRACK:
    case L::LBRACE:
      saved_.push_back(now_);
      ++depth_;
      return within();
    case L::RPAREN:
    case L::RBRACK:
    case L::RBRACE:
      if (depth_ > 0) --depth_;
      now_ = saved_.empty() ? Open() : saved_.back();
      if (!saved_.empty()) saved_.pop_back();
      return true;
    case L::MINUS:
      // `-3`: written as one, read as a number (a run of them still nests).
      if (digit_follows) {
        now_.minus = 0;
        return true;
      }
      ++now_.minus;
      return within();
    case L::KW_NOT:
      ++now_.nots;
      return within();
    case L::KW_IN:
      if (previous == L::KW_NOT && now_.nots > 0) --now_.nots;  // `not in`: one operator
      now_.minus = 0;
      return true;
    case L::KW_AND:
    case L::KW_OR:
    case L::COMMA:
    case L::COLON:
    case L::SEMI:
    case L::ASSIGN:
    case L::ENUM:
    case L::RECORD:
    case L::DOCUMENT:
    case L::SET:
    case L::CLAUSE:
    case L::REVIEWER:
    case L::LET:
    case L::RULE:
    case L::ASSERT:
    case L::KW_FOR:
      // What the `not`s opened since the bracket ends here.
      now_ = saved_.empty() ? Open() : saved_.back();
      return true;
    default:
      now_.minus = 0;  // an operand or operator ends a run of `-`
      return true;
  }
}

size_t nesting_limit_breach(std::string_view t) {
  NestingCounter counter;
  PolicyScanner scanner(t);
  for (;;) {
    const ScannedToken tok = scanner.next();
    if (tok.type == antlr4::Token::EOF) return std::string_view::npos;
    if (tok.channel != antlr4::Token::DEFAULT_CHANNEL) continue;
    const bool digit = tok.end < t.size() && std::isdigit(static_cast<unsigned char>(t[tok.end]));
    if (!counter.take(tok.type, digit)) return tok.begin;
  }
}

// Where top-level declarations start: a declaration keyword as a whole word outside strings,
// comments and brackets. Always includes 0.
std::vector<uint32_t> declaration_starts(std::string_view t) {
  static constexpr std::string_view kKeywords[] = {
      "enum", "record", "document", "set", "clause", "reviewer", "let", "rule", "assert"};
  std::vector<uint32_t> starts = {0};
  int depth = 0;
  size_t i = 0, n = t.size();
  while (i < n) {
    char c = t[i];
    if (size_t past = skip_literal(t, i); past != i) {
      i = past;
    } else if (c == '{' || c == '[' || c == '(') {
      ++depth;
      ++i;
    } else if (c == '}' || c == ']' || c == ')') {
      if (depth > 0) --depth;
      ++i;
    } else if (ident_char(c)) {
      size_t j = i;
      while (j < n && ident_char(t[j])) ++j;
      if (depth == 0 && i > 0) {
        std::string_view word = t.substr(i, j - i);
        for (auto k : kKeywords) {
          if (word == k) {
            starts.push_back(static_cast<uint32_t>(i));
            break;
          }
        }
      }
      i = j;
    } else {
      ++i;
    }
  }
  return starts;
}

}  // namespace steward::detail
