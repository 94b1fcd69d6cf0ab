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

TEST_CASE("find_control finds every control byte at every position of a word", "[source]") {
  // The scan reads eight bytes at a time: each byte value at each offset of two words.
  for (int b = 0; b < 0x80; ++b) {
    for (size_t pos = 0; pos < 17; ++pos) {
      std::string text(17, 'a');
      text[pos] = static_cast<char>(b);
      ControlChar c = find_control(text, "\t\n");
      bool control = (b < 0x20 && b != '\t' && b != '\n') || b == 0x7F;
      INFO("byte " << b << " at " << pos);
      REQUIRE(c.found() == control);
      if (control) CHECK(c.offset == pos);
    }
  }
  CHECK(find_control("abcdefgh\xc2\x85z").offset == 8);                  // C1 after a clean word
  CHECK(find_control("abcdefghij\xe2\x80\xae").bidi);                    // U+202E
  CHECK_FALSE(find_control("abcdefgh\xc3\xa9\xe2\x80\x94 ok").found());  // é and an em dash
  CHECK(escape_for_display("a\x1b[2Kb\r\xe2\x80\xae\xff") == "a\\x1b[2Kb\\r\\u{202e}\\xff");
}

TEST_CASE("is_blank: Unicode White_Space and Default_Ignorable_Code_Point show nothing",
          "[source]") {
  struct Case {
    const char* text;
    bool blank;
  };
  const Case cases[] = {
      {"", true},
      {" \t\r\n", true},
      {"\u00a0", true},              // no-break space
      {"\u2000\u200a", true},        // en quad .. hair space
      {"\u200b\u200c\u200d", true},  // zero-width space and joiners
      {"\u2060\ufeff", true},        // word joiner, byte order mark
      {"\u3000\u1680\u202f", true},
      {"\u00ad\u034f\ufe0f", true},  // soft hyphen, grapheme joiner, variation selector
      {"\U000e0020", true},          // a tag character
      {"x", false},
      {" x ", false},
      {"\u00a0x", false},
      {"\u00e9", false},  // é
      {"\u3001", false},  // ideographic comma, beside the ideographic space
      {"\u2010", false},  // hyphen, beside the zero-width marks
      {"\U0001f600", false},
  };
  for (const auto& c : cases) {
    INFO(escape_for_display(c.text));
    CHECK(is_blank(c.text) == c.blank);
  }
}
