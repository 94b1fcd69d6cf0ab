// Scans of raw policy text that run before ANTLR sees it: where nesting passes the limit,
// where top-level declarations start, and code point offsets. Strings and comments are
// skipped, so a bracket or keyword inside them counts for nothing.
#include "prescan.h"

#include <algorithm>
#include <cctype>

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

// ANTLR's parser recurses once per nested bracket and per prefix `not` or `-`: before it
// runs, nesting beyond kMaxNesting is found by a scan that skips strings and comments.
// Returns the offset where the limit is passed, or npos.
size_t nesting_limit_breach(std::string_view t) {
  size_t depth = 0, prefix = 0;  // open brackets; prefix operators since the last operand
  std::vector<size_t> saved;     // `prefix` at each open bracket
  auto word_at = [&](size_t i, std::string_view w) {
    return t.compare(i, w.size(), w) == 0 &&
           (i + w.size() == t.size() || !ident_char(t[i + w.size()])) &&
           (i == 0 || !ident_char(t[i - 1]));
  };
  for (size_t i = 0, n = t.size(); i < n;) {
    char c = t[i];
    if (size_t past = skip_literal(t, i); past != i) {
      if (c != '/') prefix = 0;  // a string is an operand; a comment is nothing
      i = past;
    } else if (c == '{' || c == '[' || c == '(') {
      saved.push_back(prefix);
      if (++depth + prefix > kMaxNesting) return i;
      ++i;
    } else if (c == '}' || c == ']' || c == ')') {
      if (depth > 0) --depth;
      prefix = saved.empty() ? 0 : saved.back();
      if (!saved.empty()) saved.pop_back();
      ++i;
    } else if (c == '-' && !(i + 1 < n && std::isdigit(static_cast<unsigned char>(t[i + 1])))) {
      if (depth + ++prefix > kMaxNesting) return i;
      ++i;
    } else if (word_at(i, "not")) {
      if (depth + ++prefix > kMaxNesting) return i;
      i += 3;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else {
      // Any other token ends a run of prefix operators.
      prefix = 0;
      ++i;
    }
  }
  return std::string_view::npos;
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
