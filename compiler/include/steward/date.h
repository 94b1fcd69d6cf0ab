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

// Today in UTC, as days since the epoch: the default evaluation date.
int32_t today_utc();

}  // namespace steward
