// The scanner's value detectors (internal to the runtime): does one cell hold an SSN, a phone
// number, an e-mail address, ...? Hand-written recognizers, each a few comparisons, since they
// run on every cell of files of gigabytes; each says whether the match is strong (a shape
// nothing else has, such as 123-45-6789) or weak (nine bare digits), and weak matches count
// only when most of a column has them.
#pragma once

#include <cstdint>
#include <string_view>

#include "steward/scan_plan.h"

namespace steward::detail {

enum class Match : uint8_t { kNone, kWeak, kStrong };

// What one pass over a cell learns, so that each detector looks only at cells it could match.
struct Shape {
  size_t digits = 0, letters = 0;
  bool at = false, colon = false, dot = false, dash = false, slash = false, space = false;
};
Shape shape_of(std::string_view cell);

// Whether detector `d` could match a cell of `n` bytes and this shape: the cheap test that
// settles most cells, inline so that the scanner's loop over detectors makes no call for them.
inline bool could_match(Detector d, size_t n, const Shape& sh) {
  switch (d) {
    case Detector::kSsn:  // 123456789, 123-45-6789, 123 45 6789
      return (n == 9 || n == 11) && sh.letters == 0 && sh.digits == 9;
    case Detector::kPhone:
      return n >= 10 && sh.letters == 0 && (sh.digits == 10 || sh.digits == 11);
    case Detector::kEmail:
      return sh.at && sh.dot;
    case Detector::kUrl:
      return n > 7 && sh.letters > 0 && sh.dot;
    case Detector::kIp:
      return (sh.dot && sh.letters == 0 && sh.digits >= 4) || sh.colon;
    case Detector::kVin:
      return n == 17;
    case Detector::kFullDate:
      return (sh.dash || sh.slash) && sh.digits >= 6 && n >= 8;
    case Detector::kZip5:
      return (n == 5 || n == 10) && sh.digits >= 5;
  }
  return false;
}

// Runs detector `d` on one cell (already trimmed of blanks), whose shape is `shape`.
Match detect(Detector d, std::string_view cell, const Shape& shape);
Match detect(Detector d, std::string_view cell);

// Runs detector `d` on each word of a cell of text (words split at blanks, with surrounding
// punctuation such as `(`, `,` or `.` dropped); only strong matches count.
Match detect_in_text(Detector d, std::string_view text);

// The whole part of a number in a cell (optional sign, digits, optional `.digits`), or false.
bool cell_integer(std::string_view cell, int64_t* out);

}  // namespace steward::detail
