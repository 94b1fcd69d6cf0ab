// Tests for suggest.h.
#include "steward/suggest.h"

#include <catch2/catch.hpp>

using namespace steward;

TEST_CASE("close misspellings get a suggestion, distant names none", "[suggest]") {
  std::vector<std::string> keys = {"title", "parties", "purpose", "request_channel", "data"};
  CHECK(closest_match("titel", keys) == "title");
  CHECK(closest_match("partys", keys) == "parties");
  CHECK(closest_match("request_chanel", keys) == "request_channel");
  CHECK(closest_match("zzz", keys).empty());
  CHECK(did_you_mean("dta", keys) == " (did you mean `data`?)");
  CHECK(did_you_mean("title", keys).empty());
}
