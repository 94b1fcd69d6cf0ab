// Tests for date.h: calendar validation and round trips.
#include "steward/date.h"

#include <catch2/catch.hpp>

using namespace steward;

TEST_CASE("ISO dates parse only when they are real calendar days", "[date]") {
  auto [text, ok] = GENERATE(table<std::string, bool>({{"2026-03-01", true},
                                                       {"2024-02-29", true},
                                                       {"2026-02-29", false},
                                                       {"2026-02-30", false},
                                                       {"2000-02-29", true},
                                                       {"1900-02-29", false},
                                                       {"2026-13-01", false},
                                                       {"2026-00-10", false},
                                                       {"2026-04-31", false},
                                                       {"2026-3-1", false},
                                                       {"26-03-01", false},
                                                       {"2026-03-01T00:00", false},
                                                       {"", false}}));
  int32_t days = 0;
  CHECK(parse_iso_date(text, &days) == ok);
}

TEST_CASE("a date with any other byte in any place does not parse", "[date]") {
  const std::string valid = "2024-02-29";
  int32_t days = 0;
  for (size_t i = 0; i < valid.size(); ++i) {
    for (int c = 0; c < 256; ++c) {
      std::string text = valid;
      text[i] = static_cast<char>(c);
      const bool digit = c >= '0' && c <= '9';
      if (text == valid || (digit && i != 4 && i != 7)) continue;  // another date, or itself
      INFO(i << " " << c);
      CHECK_FALSE(parse_iso_date(text, &days));
    }
  }
  // Digits one past the calendar in each part, and the largest of each.
  for (const char* text :
       {"2023-02-29", "2024-02-30", "2024-12-32", "2024-13-01", "9999-99-99", "0000-00-00"})
    CHECK_FALSE(parse_iso_date(text, &days));
  REQUIRE(parse_iso_date("9999-12-31", &days));
  CHECK(format_iso_date(days) == "9999-12-31");
}

TEST_CASE("dates round-trip and order by day", "[date]") {
  int32_t a = 0, b = 0;
  REQUIRE(parse_iso_date("1970-01-01", &a));
  CHECK(a == 0);
  REQUIRE(parse_iso_date("2027-02-28", &b));
  CHECK(format_iso_date(b) == "2027-02-28");
  REQUIRE(parse_iso_date("2027-03-01", &a));
  CHECK(a == b + 1);
}

TEST_CASE("every day of four centuries formats as it parses, and the years beyond as fmt would",
          "[date]") {
  int32_t first = 0, last = 0;
  REQUIRE(parse_iso_date("1899-12-31", &first));
  REQUIRE(parse_iso_date("2300-03-01", &last));
  for (int32_t day = first; day <= last; ++day) {
    const std::string text = format_iso_date(day);
    int32_t back = -1;
    REQUIRE(parse_iso_date(text, &back));
    REQUIRE(back == day);
  }
  CHECK(format_iso_date(-719528) == "0000-01-01");  // the first day four digits can write
  CHECK(format_iso_date(-719529) == "-001-12-31");  // before it, as fmt's `{:04}` writes it
  CHECK(format_iso_date(2932896) == "9999-12-31");
  CHECK(format_iso_date(2932897) == "10000-01-01");
}
