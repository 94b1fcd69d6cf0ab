// Tests for lsp_text.h: positions in UTF-16 units against byte offsets, URIs, framing.
#include "lsp_text.h"

#include <catch2/catch.hpp>
#include <sstream>

using namespace steward::cli::lsp;

TEST_CASE("LSP positions count UTF-16 units, offsets count bytes", "[lsp]") {
  // `é` is two bytes and one unit; `🙂` four bytes and two units.
  const std::string text = "ab\ncé🙂x\n\nlast";
  struct Case {
    uint32_t line, character, offset;
  };
  const Case cases[] = {{0, 0, 0},  {0, 2, 2},  {1, 0, 3},  {1, 1, 4},  {1, 2, 6},
                        {1, 4, 10}, {1, 5, 11}, {2, 0, 12}, {3, 4, 17}, {9, 0, 17}};
  for (const Case& c : cases) {
    INFO(c.line << ":" << c.character);
    CHECK(offset_of(text, c.line, c.character) == c.offset);
  }
  CHECK(offset_of(text, 1, 99) == 11);  // past the end of a line: its end
  CHECK(position_of(text, 10) == nlohmann::json{{"line", 1}, {"character", 4}});
  CHECK(position_of(text, 3) == nlohmann::json{{"line", 1}, {"character", 0}});
  CHECK(position_of(text, 0) == nlohmann::json{{"line", 0}, {"character", 0}});
  CHECK(position_of(text, 999) == nlohmann::json{{"line", 3}, {"character", 4}});
  CHECK(utf16_units("🙂é", 6) == 3);
  // steward's columns count code points, a leading byte order mark none (as a client that
  // keeps the mark counts it, one unit): column 3 of "🙂éx" is `x`, after three units.
  CHECK(utf16_column("🙂éx", false, 3) == 3);
  CHECK(utf16_column("🙂éx", false, 1) == 0);
  CHECK(utf16_column("🙂éx", false, 0) == 0);
  CHECK(utf16_column("🙂éx", false, 99) == 4);
  CHECK(utf16_column("\xEF\xBB\xBF🙂éx", true, 3) == 4);
  CHECK(utf16_column("\xEF\xBB\xBF🙂éx", false, 3) == 3);  // a mark that opens no text
  CHECK(line_range(lines_of("a\n🙂é: x"), 2, 4)["start"]["character"] == 4);
  CHECK(lines_of("a\r\nb\n").size() == 3);
  CHECK(lines_of("a\r\nb\n")[0] == "a");
}

TEST_CASE("file URIs round-trip through percent-encoding, other schemes have no path", "[lsp]") {
  const std::string path = "/tmp/steward lsp/ä#1%.policy";
  CHECK(path_to_uri(path) == "file:///tmp/steward%20lsp/%C3%A4%231%25.policy");
  CHECK(uri_to_path(path_to_uri(path)) == path);
  CHECK(uri_to_path("untitled:Untitled-1").empty());
  CHECK(uri_to_path("file:///a/%zz") == "/a/%zz");
}

TEST_CASE("messages are read by their Content-Length and nothing else", "[lsp]") {
  std::string body;
  std::istringstream ok("Content-Type: x\r\ncontent-length:  5\r\n\r\nhello");
  CHECK(read_message(ok, &body));
  CHECK(body == "hello");
  for (const char* bad : {"Content-Length: 5\r\n\r\nhi", "Content-Length: x\r\n\r\nhello",
                          "\r\nhello", "Content-Length: 99999999999999999999\r\n\r\n"}) {
    INFO(bad);
    std::istringstream in(bad);
    CHECK_FALSE(read_message(in, &body));
  }
  std::ostringstream out;
  write_message(out, {{"jsonrpc", "2.0"}, {"result", "\xff"}});
  CHECK(out.str() == "Content-Length: 32\r\n\r\n{\"jsonrpc\":\"2.0\",\"result\":\"\xEF\xBF\xBD\"}");
}
