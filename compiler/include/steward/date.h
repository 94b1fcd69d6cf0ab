// Calendar dates as days since 1970-01-01 (proleptic Gregorian), parsed from ISO 8601 text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace steward {

// Parses exactly `YYYY-MM-DD` with a real calendar day (2026-02-30 is rejected).
bool parse_iso_date(std::string_view text, int32_t* days);
// Formats days since the epoch as `YYYY-MM-DD`.
std::string format_iso_date(int32_t days);

// The first and the last day a date can be (0001-01-01 and 9999-12-31): the loader's range,
// and the range date arithmetic must stay in.
int32_t first_iso_day();
int32_t last_iso_day();

// Today in UTC, as days since the epoch: the default evaluation date.
int32_t today_utc();

}  // namespace steward
