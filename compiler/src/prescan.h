// Scans of raw policy text before the ANTLR parser runs (internal to the compiler): the parser
// recurses once per nesting level and parses best in chunks, so both are found by hand first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace steward::detail {

// Nesting of brackets and prefix operators in policy text, checked before ANTLR recurses.
constexpr size_t kMaxNesting = 100;

// Byte offset of each code point of `text`, plus its size at the end (ANTLR indexes code
// points; spans use bytes). Empty, with `ascii` set, when every byte is ASCII.
std::vector<uint32_t> code_point_offsets(std::string_view text, bool& ascii);

// ANTLR indexes code points; spans use bytes. `map` is null for ASCII text.
inline uint32_t byte_offset(const std::vector<uint32_t>* map, uint32_t base, size_t cp) {
  if (map == nullptr) return base + static_cast<uint32_t>(cp);
  if (cp >= map->size()) return base + (map->empty() ? 0 : map->back());
  return base + (*map)[cp];
}

// The offset where nesting (open brackets, a run of prefix `-`, and prefix `not`s whose
// operands are still open: `a == not b == not c` nests) first passes kMaxNesting, or npos.
size_t nesting_limit_breach(std::string_view text);

// The count behind nesting_limit_breach, a token at a time, for a reader that has the tokens
// already (the parser's fast path). A `-` takes only an operand, so a run of them nests; a
// `not` takes a comparison, so `a == not b == not c ...` nests once per `not` until an `and`,
// an `or`, a separator or the end of its bracket.
class NestingCounter {
 public:
  // The next token of the default channel (its grammar::StewardLexer type; whether a digit
  // follows it at once): false once nesting passes kMaxNesting.
  bool take(size_t type, bool digit_follows);

 private:
  // What is open: `not`s whose operand may still run; the current run of prefix `-`.
  struct Open {
    size_t nots = 0, minus = 0;
  };
  std::vector<Open> saved_;  // at each open bracket: what a separator inside it leaves
  size_t depth_ = 0;         // brackets
  Open now_;
  size_t previous_ = 0;
};

// Where top-level declarations start: a declaration keyword as a whole word outside strings,
// comments and brackets. Always includes 0.
std::vector<uint32_t> declaration_starts(std::string_view text);

}  // namespace steward::detail
