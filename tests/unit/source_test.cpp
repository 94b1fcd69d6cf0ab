// Tests for source.h: positions, lines and UTF-8 validation.
#include "steward/source.h"

#include <catch2/catch.hpp>

using namespace steward;

TEST_CASE("positions are 1-based lines and byte columns", "[source]") {
  SourceFile f("a.policy", "ab\ncd\n\nef");
  auto [o, line, col] = GENERATE(table<uint32_t, uint32_t, uint32_t>(
      {{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {4, 2, 2}, {6, 3, 1}, {7, 4, 1}, {9, 4, 3}, {100, 4, 3}}));
  Position p = f.position(o);
  CHECK(p.line == line);
  CHECK(p.column == col);
}

TEST_CASE("line text excludes the line break", "[source]") {
  SourceFile f("a", "one\r\ntwo\nthree");
  CHECK(f.line(1) == "one");
  CHECK(f.line(2) == "two");
  CHECK(f.line(3) == "three");
  CHECK(f.line(4).empty());
}

TEST_CASE("invalid UTF-8 is found at its first byte", "[source]") {
  auto [text, at] =
      GENERATE(table<std::string, size_t>({{"plain ascii", std::string::npos},
                                           {"caf\xc3\xa9", std::string::npos},
                                           {"\xf0\x9f\x98\x80 emoji", std::string::npos},
                                           {"ab\xff", 2},
                                           {"\xc3", 0},                 // truncated
                                           {"x\xc0\xaf", 1},            // overlong
                                           {"\xed\xa0\x80", 0},         // surrogate
                                           {"\xf4\x90\x80\x80", 0}}));  // past U+10FFFF
  CHECK(find_invalid_utf8(text) == at);
}
