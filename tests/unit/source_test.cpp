// Tests for source.h: positions, lines and UTF-8 validation.
#include "steward/source.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "steward/diagnostic.h"

using namespace steward;

TEST_CASE(
    "a snippet of a file's first line shows no byte order mark and its caret under the column",
    "[source]") {
  // The mark shows as nothing on a terminal but was printed with the line and counted in the
  // caret's indent: the caret sat one column right of the column the message named.
  const std::string bom = "\xEF\xBB\xBF";
  for (const std::string& lead : {std::string(), bom}) {
    SourceMap sm;
    const SourceId id = sm.add("m.policy", lead + "let x = nope\n");
    Diagnostics d;
    const uint32_t x = static_cast<uint32_t>(lead.size()) + 4;
    d.error("check.x", {id, x, x + 1}, "here");
    const std::string shown = render(d, sm);
    INFO(shown);
    CHECK_THAT(shown, Catch::StartsWith("m.policy:1:5: error[check.x]: here"));
    CHECK_THAT(shown, Catch::Contains("\n1 | let x = nope\n  |     ^\n"));
    // A span that starts in the mark itself (offset 0) points at the first column.
    Diagnostics at0;
    at0.error("check.y", {id, 0, 1}, "first");
    CHECK_THAT(render(at0, sm), Catch::Contains("\n1 | let x = nope\n  | ^\n"));
  }
}

TEST_CASE("positions are 1-based lines and columns", "[source]") {
  SourceFile f("a.policy", "ab\ncd\n\nef");
  auto [o, line, col] = GENERATE(table<uint32_t, uint32_t, uint32_t>(
      {{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {4, 2, 2}, {6, 3, 1}, {7, 4, 1}, {9, 4, 3}, {100, 4, 3}}));
  Position p = f.position(o);
  CHECK(p.line == line);
  CHECK(p.column == col);
}

TEST_CASE("columns count code points, and a leading byte order mark is none", "[source]") {
  // Columns counted bytes: `x` after "é€😀" on its line was column 11, not 5, and every
  // column of a first line after a byte order mark was 3 late. Agreements count code points.
  const std::string bom = "\xEF\xBB\xBF";
  const std::string line = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 x";
  SourceFile plain("a.policy", line + "\n" + line);
  CHECK(plain.position(10).column == 5);  // the first line's `x`
  CHECK(plain.position(22).column == 5);  // the second's
  CHECK(plain.position(22).line == 2);
  CHECK(plain.position(2).column == 2);  // `€`
  SourceFile marked("b.policy", bom + line + "\n" + line);
  CHECK(marked.position(0).column == 1);
  CHECK(marked.position(3).column == 1);
  CHECK(marked.position(13).column == 5);
  CHECK(marked.position(25).column == 5);
  SourceFile ascii("c.policy", bom + "ab");
  CHECK(ascii.position(4).column == 2);
  // Far into one long line (past many of the blocks the count is kept in), and at the end
  // of a text whose length is a whole number of blocks.
  std::string long_line;
  for (int i = 0; i < 3000; ++i) long_line += "\xC3\xA9";
  long_line += "x";
  SourceFile wide("d.policy", long_line);
  CHECK(wide.position(6000).column == 3001);
  CHECK(wide.position(5998).column == 3000);  // the last `é`
  SourceFile whole("e.policy", std::string(1024, 'a') + "\xC3\xA9" + std::string(1022, 'b'));
  CHECK(whole.position(2048).column == 2048);
  CHECK(whole.position(5000).column == 2048);
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

namespace {

// A byte-at-a-time reading of the same rules as check_text, to compare the block scan with.
steward::TextCheck reference_check(std::string_view s, std::string_view allowed) {
  steward::TextCheck out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = p[i];
    if (c == '\\' || c == '\r') out.escapes = true;
    if (c >= 0x80) out.ascii = false;
    if (c < 0x80) {
      bool control =
          (c < 0x20 && allowed.find(static_cast<char>(c)) == std::string_view::npos) || c == 0x7F;
      if (control && !out.control.found()) out.control = {i, c, false};
      ++i;
      continue;
    }
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xC0) == 0x80;
    if (ok && c == 0xE0) ok = p[i + 1] >= 0xA0;
    if (ok && c == 0xED) ok = p[i + 1] <= 0x9F;
    if (ok && c == 0xF0) ok = p[i + 1] >= 0x90;
    if (ok && c == 0xF4) ok = p[i + 1] <= 0x8F;
    if (!ok) {
      out.invalid_utf8 = i;
      return out;
    }
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    bool bidi = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    if ((bidi || (cp >= 0x80 && cp <= 0x9F)) && !out.control.found()) out.control = {i, cp, bidi};
    i += len;
  }
  return out;
}

// check_text (AVX2 where the CPU has it) and check_text_baseline (SSE2) against the
// byte-at-a-time reading, every field.
void require_as_reference(std::string_view text, std::string_view allowed) {
  const steward::TextCheck want = reference_check(text, allowed);
  for (int scan = 0; scan < 2; ++scan) {
    const steward::TextCheck got = scan == 0 ? steward::check_text(text, allowed)
                                             : steward::check_text_baseline(text, allowed);
    INFO((scan == 0 ? "check_text" : "check_text_baseline"));
    REQUIRE(got.invalid_utf8 == want.invalid_utf8);
    REQUIRE(got.control.offset == want.control.offset);
    REQUIRE(got.control.code_point == want.control.code_point);
    REQUIRE(got.control.bidi == want.control.bidi);
    REQUIRE(got.escapes == want.escapes);
    REQUIRE(got.ascii == want.ascii);  // columns are byte offsets only when it holds
  }
  if (want.invalid_utf8 == std::string::npos) {
    REQUIRE(steward::find_control(text, allowed).offset == want.control.offset);
  }
  REQUIRE(steward::find_invalid_utf8(text) == want.invalid_utf8);
}

}  // namespace

TEST_CASE("check_text reads every piece at every offset of its blocks alike", "[source]") {
  // The scans take 16, 32 and 64 bytes at a time, and the AVX2 one the text's last 32 bytes
  // again for a tail: each byte value, and each interesting sequence, at each offset of texts
  // of 48, 103 (64 + 32 + a tail of 7) and 160 bytes, must be judged as a byte-at-a-time
  // reading judges it.
  std::vector<std::string> pieces;
  for (int b = 0; b < 256; ++b) pieces.emplace_back(1, static_cast<char>(b));
  for (const char* s : {"\xc2\x85", "\xc2\xa0", "\xc3\xa9", "\xe2\x80\xae", "\xe2\x81\xa6",
                        "\xe2\x80\x94", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xe0\x80\xaf",
                        "\xf4\x90\x80\x80", "\xc3", "\xe2\x80", "\\n", "\r\n"})
    pieces.emplace_back(s);
  for (std::string_view allowed : {std::string_view("\t\n\r"), std::string_view("")}) {
    for (size_t size : {48, 103, 160}) {
      for (const std::string& piece : pieces) {
        for (size_t pos = 0; pos + piece.size() <= size; ++pos) {
          std::string text(size, 'a');
          text.replace(pos, piece.size(), piece);
          INFO("piece " << steward::escape_for_display(piece) << " at " << pos << " of " << size);
          require_as_reference(text, allowed);
        }
      }
    }
  }
  // A control before an invalid byte: both are reported, the byte first by the caller.
  auto both = steward::check_text(
      "a\x01"
      "b\xff",
      "\t\n\r");
  CHECK(both.control.offset == 1);
  CHECK(both.invalid_utf8 == 3);
}

TEST_CASE("check_text's scan is made for the first controls a thread allows, whatever they are",
          "[source]") {
  // The AVX2 scan keeps its tables for the last `allowed` a thread asked with; a first version
  // marked "none yet" with a sentinel text, and a caller asking with that very text on a new
  // thread got empty tables, which pass every byte unread.
  const std::string text = std::string(100, 'a') + "\x1b" + std::string(40, 'b') + "\xff";
  for (std::string_view allowed : {std::string_view("\x01unset"), std::string_view("")}) {
    steward::TextCheck got, baseline;
    std::thread([&] {
      got = steward::check_text(text, allowed);
      baseline = steward::check_text_baseline(text, allowed);
    }).join();
    const steward::TextCheck want = reference_check(text, allowed);
    CHECK(got.control.offset == want.control.offset);
    CHECK(got.invalid_utf8 == want.invalid_utf8);
    CHECK(baseline.control.offset == want.control.offset);
    CHECK(want.control.offset == 100);
    CHECK(want.invalid_utf8 == 141);
  }
}

TEST_CASE("check_text judges mixed texts of every length as the byte reading does", "[source]") {
  // Texts of 0 to 300 bytes, mostly plain, with allowed and refused controls, escapes, valid
  // and broken UTF-8 sprinkled in: several bytes for the byte step in one block, a plain run
  // after them, and tails of every length.
  const std::vector<std::string> rare = {"\t",
                                         "\n",
                                         "\r",
                                         "\\",
                                         "\x01",
                                         "\x1b",
                                         "\x7f",
                                         "\xc3\xa9",
                                         "\xc2\x85",
                                         "\xe2\x80\xae",
                                         "\xff",
                                         "\xe2\x80",
                                         "\xf0\x9f\x98\x80",
                                         "\x1f",
                                         " "};
  uint64_t seed = 2026120501;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  };
  for (int round = 0; round < 20000; ++round) {
    const size_t size = next() % 301;
    const uint32_t odds = 1 + next() % 200;  // one rare piece in `odds` bytes
    std::string text;
    while (text.size() < size) {
      if (next() % odds == 0)
        text += rare[next() % rare.size()];
      else
        text += static_cast<char>('!' + next() % 90);
    }
    INFO("round " << round << ": " << steward::escape_for_display(text));
    require_as_reference(text, next() % 2 ? std::string_view("\t\n\r") : std::string_view("\t\n"));
  }
}

TEST_CASE("same_bytes is memcmp's equality at every length and every differing byte", "[source]") {
  // Lengths 0 to 40 cross the one-byte, four-byte and eight-byte paths and their overlapping
  // last loads; a difference at each position, in a buffer offset so loads are unaligned.
  for (size_t n = 0; n <= 40; ++n) {
    std::string a(n + 1, '\0'), b(n + 1, '\0');
    for (size_t i = 0; i <= n; ++i) a[i] = b[i] = static_cast<char>('a' + (i * 7) % 26);
    const std::string_view x(a.data() + 1, n), y(b.data() + 1, n);
    INFO(n);
    CHECK(same_bytes(x, y));
    CHECK(same_bytes(x, std::string_view(b.data() + 1, n > 0 ? n - 1 : 0)) == (n == 0));
    for (size_t i = 1; i <= n; ++i) {
      const char keep = b[i];
      b[i] = static_cast<char>(keep ^ 0x80);
      INFO(i);
      CHECK_FALSE(same_bytes(x, y));
      b[i] = keep;
    }
  }
}
