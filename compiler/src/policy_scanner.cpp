// The scanner behind PolicyScanner (policy_scanner.h). Each branch follows one group of lexer
// rules of grammar/Steward.g4 with ANTLR's choice between them: the longest match, and on a tie
// the rule written first (so a keyword beats IDENT of the same length).
#include "policy_scanner.h"

#include <antlr4-runtime.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "StewardLexer.h"

namespace steward::detail {

namespace {

using L = grammar::StewardLexer;

bool ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool ident_part(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '-'; }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

// The bytes of the UTF-8 code point that starts with `lead` (the text is valid UTF-8).
size_t code_point_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

struct Keyword {
  std::string_view text;
  size_t type;
};
constexpr std::array<Keyword, 18> kKeywords{{{"enum", L::ENUM},
                                             {"record", L::RECORD},
                                             {"document", L::DOCUMENT},
                                             {"set", L::SET},
                                             {"clause", L::CLAUSE},
                                             {"reviewer", L::REVIEWER},
                                             {"let", L::LET},
                                             {"rule", L::RULE},
                                             {"assert", L::ASSERT},
                                             {"for", L::KW_FOR},
                                             {"in", L::KW_IN},
                                             {"not", L::KW_NOT},
                                             {"and", L::KW_AND},
                                             {"or", L::KW_OR},
                                             {"true", L::KW_TRUE},
                                             {"false", L::KW_FALSE},
                                             {"null", L::KW_NULL},
                                             {"nonempty", L::NONEMPTY}}};

// The operators of one character that begin no longer token (0: none).
constexpr std::array<size_t, 128> kSingle = [] {
  std::array<size_t, 128> t{};
  t['{'] = L::LBRACE;
  t['}'] = L::RBRACE;
  t['['] = L::LBRACK;
  t[']'] = L::RBRACK;
  t['('] = L::LPAREN;
  t[')'] = L::RPAREN;
  t[','] = L::COMMA;
  t[':'] = L::COLON;
  t[';'] = L::SEMI;
  t['-'] = L::MINUS;
  t['+'] = L::PLUS;
  t['*'] = L::STAR;
  t['/'] = L::SLASH;  // comments were tried before
  t['%'] = L::PERCENT;
  return t;
}();

size_t ident_type(std::string_view word) {
  for (const Keyword& k : kKeywords)  // the first letter first: most words are no keyword
    if (k.text[0] == word[0] && k.text == word) return k.type;
  return L::IDENT;
}

}  // namespace

void PolicyScanner::advance() {
  const unsigned char c = at(pos_);
  // A code point's continuation bytes belong to it: one index, one column.
  pos_ += code_point_length(c);
  ++index_;
  if (c == '\n') {
    ++line_;
    column_ = 0;
  } else {
    ++column_;
  }
}

size_t PolicyScanner::string_end(size_t open) {
  const unsigned char quote = at(open);
  std::vector<bool>& failed = quote == '"' ? failed_double_ : failed_single_;
  // The walk from an offset inside a string is the same whoever started it, so an offset that
  // an unclosed string's walk passed leads nowhere again: each offset is walked once per kind
  // of quote (`"\"\"\"...` on one line was quadratic in the generated lexer).
  auto step = [&](size_t p) {
    return at(p) == '\\' ? 1 + code_point_length(at(p + 1)) : code_point_length(at(p));
  };
  size_t p = open + 1;
  while (more(p)) {
    if (!failed.empty() && failed[p]) break;
    const unsigned char d = at(p);
    if (d == quote) return p;
    if (d == '\r' || d == '\n' || (d == '\\' && !more(p + 1))) break;
    p += step(p);
  }
  if (failed.empty()) failed.resize(text_.size() + 1);
  for (size_t q = open + 1; q < p && !failed[q]; q += step(q)) failed[q] = true;
  return kNoEnd;
}

ScannedToken PolicyScanner::next() {
  for (;;) {
    const size_t start_pos = pos_, start = index_, line = line_, column = column_;
    auto emit = [&](size_t type, size_t channel = antlr4::Token::DEFAULT_CHANNEL) {
      return ScannedToken{type, channel, start_pos, pos_, start, index_ - 1, line, column};
    };
    if (!more(pos_)) return emit(antlr4::Token::EOF);
    const unsigned char c = at(pos_);
    // WS: skipped.
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      while (more(pos_) &&
             (at(pos_) == ' ' || at(pos_) == '\t' || at(pos_) == '\r' || at(pos_) == '\n'))
        advance();
      continue;
    }
    if (ident_start(c)) {
      while (more(pos_) && ident_part(at(pos_))) advance();
      return emit(ident_type(text_.substr(start_pos, pos_ - start_pos)));
    }
    if (digit(c)) {
      while (more(pos_) && digit(at(pos_))) advance();
      // NUMBER only when a digit follows the point; `1.` and `1.x` are INT then DOT.
      if (at(pos_) == '.' && more(pos_ + 1) && digit(at(pos_ + 1))) {
        advance();
        while (more(pos_) && digit(at(pos_))) advance();
        return emit(L::NUMBER);
      }
      return emit(L::INT);
    }
    if (c == '"' || c == '\'') {
      // STRING: an escape takes any one code point (a newline too); a bare newline, carriage
      // return or the end of the text leaves the quote alone as BAD_CHAR.
      const size_t close = string_end(pos_);
      if (close == kNoEnd) {
        advance();
        return emit(L::BAD_CHAR);
      }
      while (pos_ <= close) advance();
      return emit(L::STRING);
    }
    if (c == '/' && at(pos_ + 1) == '/' && more(pos_ + 1)) {
      while (more(pos_) && at(pos_) != '\r' && at(pos_) != '\n') advance();
      return emit(L::LINE_COMMENT, antlr4::Token::HIDDEN_CHANNEL);
    }
    if (c == '/' && at(pos_ + 1) == '*' && more(pos_ + 1)) {
      // BLOCK_COMMENT ends at the first `*/` after its opening; without one it is no comment,
      // and the slash is SLASH.
      // Once no `*/` follows some offset, none follows a later one: looked for once, not once
      // for every opening (`/* /* /* ...` was quadratic in the generated lexer).
      const size_t end =
          pos_ + 2 >= no_comment_end_from_ ? std::string_view::npos : text_.find("*/", pos_ + 2);
      if (end != std::string_view::npos) {
        while (pos_ < end + 2) advance();
        return emit(L::BLOCK_COMMENT, antlr4::Token::HIDDEN_CHANNEL);
      }
      no_comment_end_from_ = std::min(no_comment_end_from_, pos_ + 2);
    }
    // Operators: the longer one where both match.
    if (c < kSingle.size() && kSingle[c] != 0) {
      advance();
      return emit(kSingle[c]);
    }
    const unsigned char d = more(pos_ + 1) ? at(pos_ + 1) : 0;
    size_t type = L::BAD_CHAR, length = 1;  // any other code point, alone
    // `c` alone, or with `second` after it as the longer operator.
    auto pair = [&](unsigned char second, size_t both, size_t alone) {
      type = d == second ? both : alone;
      length = d == second ? 2 : 1;
    };
    if (c == '.' && d == '.' && more(pos_ + 2) && at(pos_ + 2) == '.') {
      type = L::ELLIPSIS;
      length = 3;
    } else if (c == '.') {
      type = L::DOT;
    } else if (c == '?') {
      pair('?', L::QQ, L::QUESTION);
    } else if (c == '=') {
      pair('=', L::EQ, L::ASSIGN);
    } else if (c == '!') {
      pair('=', L::NE, L::BAD_CHAR);
    } else if (c == '<') {
      pair('=', L::LE, L::LT);
    } else if (c == '>') {
      pair('=', L::GE, L::GT);
    }
    for (size_t i = 0; i < length; ++i) advance();
    return emit(type);
  }
}

}  // namespace steward::detail
