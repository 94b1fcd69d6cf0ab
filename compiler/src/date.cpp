// Civil-date conversions (Howard Hinnant's days_from_civil algorithm).
#include "steward/date.h"

#include <fmt/format.h>

#include <ctime>

namespace steward {
namespace {

int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

}  // namespace

bool parse_iso_date(std::string_view s, int32_t* days) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  // Unsigned, so that a byte below '0' wraps to a large value: one test per digit. Every
  // document date comes through here (it was about 200 instructions a date, with loops over
  // tables of offsets).
  unsigned dg[10] = {};
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    dg[i] = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (dg[i] > 9) return false;
  }
  const int y = static_cast<int>(dg[0] * 1000 + dg[1] * 100 + dg[2] * 10 + dg[3]);
  const unsigned m = dg[5] * 10 + dg[6], d = dg[8] * 10 + dg[9];
  if (m < 1 || m > 12 || d < 1) return false;
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return false;
  *days = days_from_civil(y, m, d);
  return true;
}

int32_t first_iso_day() {
  static const int32_t day = [] {
    int32_t d = 0;
    parse_iso_date("0001-01-01", &d);
    return d;
  }();
  return day;
}

int32_t last_iso_day() {
  static const int32_t day = [] {
    int32_t d = 0;
    parse_iso_date("9999-12-31", &d);
    return d;
  }();
  return day;
}

std::string format_iso_date(int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  // Written by hand: every decision's JSON carries one (`as_of`), and fmt::format cost more
  // than the rest of the date's work.
  if (y < 0 || y > 9999) return fmt::format("{:04}-{:02}-{:02}", y, m, d);
  std::string out = "0000-00-00";
  for (int i = 3, v = y; i >= 0; --i, v /= 10)
    out[static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
  return out;
}

int32_t today_utc() { return static_cast<int32_t>(std::time(nullptr) / 86400); }

}  // namespace steward
