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

// The offset where nesting (open brackets plus a run of prefix `not` or `-`) first passes
// kMaxNesting, or npos.
size_t nesting_limit_breach(std::string_view text);

// Where top-level declarations start: a declaration keyword as a whole word outside strings,
// comments and brackets. Always includes 0.
std::vector<uint32_t> declaration_starts(std::string_view text);

}  // namespace steward::detail
