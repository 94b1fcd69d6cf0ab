// The value detectors: shapes from the research notes (docs/disclosure.md cites them).
#include "scan_detectors.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <string>

namespace steward::detail {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!digit(c)) return false;
  return true;
}

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != prefix[i]) return false;
  return true;
}

// SSNs are never issued with area 000, 666 or 900-999, group 00 or serial 0000.
bool ssn_parts(std::string_view area, std::string_view group, std::string_view serial) {
  int a = num(area);
  return a != 0 && a != 666 && a < 900 && num(group) != 0 && num(serial) != 0;
}

Match ssn(std::string_view s) {
  if (s.size() == 11 && (s[3] == '-' || s[3] == ' ') && s[6] == s[3] &&
      all_digits(s.substr(0, 3)) && all_digits(s.substr(4, 2)) && all_digits(s.substr(7, 4)))
    return ssn_parts(s.substr(0, 3), s.substr(4, 2), s.substr(7, 4)) ? Match::kStrong
                                                                     : Match::kNone;
  if (s.size() == 9 && all_digits(s))
    return ssn_parts(s.substr(0, 3), s.substr(3, 2), s.substr(5, 4)) ? Match::kWeak : Match::kNone;
  return Match::kNone;
}

// North American numbers: [+]1, then NXX NXX XXXX with N in 2-9, written as one run of digits
// (weak) or in groups of 3, 3 and 4 (after an optional 1) separated by spaces, dots, dashes or
// an area code in parentheses (strong). Other groupings (an IP address) are not phones.
Match phone(std::string_view s) {
  if (s.size() < 10 || s.size() > 20) return Match::kNone;
  char d[16];
  size_t n = 0;
  size_t groups[6];
  size_t g = 0, run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (digit(c)) {
      if (n == sizeof d) return Match::kNone;
      d[n++] = c;
      ++run;
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || (c == '+' && i == 0)) {
      if (run) {
        if (g == 6) return Match::kNone;
        groups[g++] = run;
        run = 0;
      }
    } else {
      return Match::kNone;
    }
  }
  if (run) {
    if (g == 6) return Match::kNone;
    groups[g++] = run;
  }
  const char* p = d;
  if (n == 11 && d[0] == '1') {
    ++p;
    n = 10;
  }
  if (n != 10 || p[0] < '2' || p[3] < '2') return Match::kNone;
  if (g == 1) return Match::kWeak;
  size_t first = g == 4 ? 1 : 0;
  if (g - first == 3 && groups[first] == 3 && groups[first + 1] == 3 && groups[first + 2] == 4 &&
      (first == 0 || groups[0] == 1))
    return Match::kStrong;
  return Match::kNone;
}

Match email(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos)
    return Match::kNone;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  for (char c : local)
    if (!(alpha(c) || digit(c) || std::strchr("._%+-'", c))) return Match::kNone;
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || domain.size() - dot - 1 < 2) return Match::kNone;
  for (char c : domain)
    if (!(alpha(c) || digit(c) || c == '.' || c == '-')) return Match::kNone;
  for (char c : domain.substr(dot + 1))
    if (!alpha(c)) return Match::kNone;
  return Match::kStrong;
}

Match url(std::string_view s) {
  if (s.find(' ') != std::string_view::npos) return Match::kNone;
  for (std::string_view p : {"http://", "https://", "ftp://", "www."})
    if (starts_with_ci(s, p) && s.size() > p.size() + 3) return Match::kStrong;
  return Match::kNone;
}

Match ip(std::string_view s) {
  if (s.size() < 7 || s.size() > 45) return Match::kNone;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  unsigned char out[16];
  if (s.find(':') == std::string_view::npos) {
    // inet_pton takes only the dotted quad, no leading zeros tricks.
    return inet_pton(AF_INET, buf, out) == 1 ? Match::kStrong : Match::kNone;
  }
  // An IPv6 address has at least two colons; times (10:30:00) have digits only and are
  // not valid IPv6 either (too few groups without `::`).
  return inet_pton(AF_INET6, buf, out) == 1 ? Match::kStrong : Match::kNone;
}

// VINs (ISO 3779, North American check digit in position 9): 17 characters without I, O, Q.
Match vin(std::string_view s) {
  if (s.size() != 17) return Match::kNone;
  static const int kWeights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
  int sum = 0, letters = 0, digits = 0;
  for (size_t i = 0; i < 17; ++i) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    int v;
    if (digit(c)) {
      v = c - '0';
      ++digits;
    } else if (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' && c != 'Q') {
      static const int kValues[26] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4,
                                      5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9};
      v = kValues[c - 'A'];
      ++letters;
    } else {
      return Match::kNone;
    }
    sum += v * kWeights[i];
  }
  if (letters == 0 || digits == 0) return Match::kNone;
  int check = sum % 11;
  char expected = check == 10 ? 'X' : static_cast<char>('0' + check);
  char got = s[8] >= 'a' && s[8] <= 'z' ? static_cast<char>(s[8] - 'a' + 'A') : s[8];
  return got == expected ? Match::kStrong : Match::kNone;
}

bool valid_day(int y, int m, int d) {
  static const int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m != 2 || d <= 28 || leap;
}

// A date with its month and day (a year alone is what Safe Harbor keeps): 2026-03-01,
// 2026/03/01, 03/01/2026, 3-1-2026, with or without a time after it.
Match full_date(std::string_view s) {
  size_t end = s.find_first_of("T ");
  std::string_view d = s.substr(0, end);
  if (d.size() < 8 || d.size() > 10) return Match::kNone;
  char sep = d[4] == '-' || d[4] == '/' ? d[4] : 0;
  if (sep && d.size() == 10 && d[7] == sep && all_digits(d.substr(0, 4)) &&
      all_digits(d.substr(5, 2)) && all_digits(d.substr(8, 2)))
    return valid_day(num(d.substr(0, 4)), num(d.substr(5, 2)), num(d.substr(8, 2))) ? Match::kStrong
                                                                                    : Match::kNone;
  // Month first: M/D/YYYY or MM-DD-YYYY.
  size_t a = d.find_first_of("/-");
  if (a == std::string_view::npos || a == 0 || a > 2) return Match::kNone;
  size_t b = d.find(d[a], a + 1);
  if (b == std::string_view::npos || b - a - 1 == 0 || b - a - 1 > 2 || d.size() - b - 1 != 4)
    return Match::kNone;
  std::string_view m = d.substr(0, a), day = d.substr(a + 1, b - a - 1), y = d.substr(b + 1);
  if (!all_digits(m) || !all_digits(day) || !all_digits(y)) return Match::kNone;
  return valid_day(num(y), num(m), num(day)) ? Match::kStrong : Match::kNone;
}

Match zip5(std::string_view s) {
  if (s.size() == 5 && all_digits(s)) return Match::kWeak;
  if (s.size() == 10 && s[5] == '-' && all_digits(s.substr(0, 5)) && all_digits(s.substr(6)))
    return Match::kStrong;
  return Match::kNone;
}

}  // namespace

namespace {

// Each byte's class, for shape_of's one table lookup a byte (no branches in the loop).
enum : uint8_t {
  kDigit = 1,
  kLetter = 2,
  kAt = 4,
  kColon = 8,
  kDot = 16,
  kDash = 32,
  kSlash = 64,
  kSpace = 128
};

constexpr std::array<uint8_t, 256> byte_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kLetter;
  t['@'] = kAt;
  t[':'] = kColon;
  t['.'] = kDot;
  t['-'] = kDash;
  t['/'] = kSlash;
  t[' '] = t['\t'] = kSpace;
  return t;
}

constexpr std::array<uint8_t, 256> kClasses = byte_classes();

}  // namespace

// Cells are a few bytes long: GCC's vectorized loop (table lookups emulated lane by lane) spent
// more in its prologue than the plain loop does in all (perf: 14.7% of a scan against 5%).
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
Shape shape_of(std::string_view s) {
  Shape sh;
  uint8_t seen = 0;
  for (char c : s) {
    const uint8_t k = kClasses[static_cast<unsigned char>(c)];
    sh.digits += k & kDigit;
    sh.letters += (k >> 1) & 1;
    seen |= k;
  }
  sh.at = seen & kAt;
  sh.colon = seen & kColon;
  sh.dot = seen & kDot;
  sh.dash = seen & kDash;
  sh.slash = seen & kSlash;
  sh.space = seen & kSpace;
  return sh;
}

Match detect(Detector d, std::string_view cell, const Shape& sh) {
  if (!could_match(d, cell.size(), sh)) return Match::kNone;
  switch (d) {
    case Detector::kSsn:
      return ssn(cell);
    case Detector::kPhone:
      return phone(cell);
    case Detector::kEmail:
      return email(cell);
    case Detector::kUrl:
      return url(cell);
    case Detector::kIp:
      return ip(cell);
    case Detector::kVin:
      return vin(cell);
    case Detector::kFullDate:
      return full_date(cell);
    case Detector::kZip5:
      return zip5(cell);
  }
  return Match::kNone;
}

Match detect(Detector d, std::string_view cell) { return detect(d, cell, shape_of(cell)); }

Match detect_in_text(Detector d, std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    std::string_view word = text.substr(i, j - i);
    auto opening = [](char c) {
      return c == '(' || c == '[' || c == '{' || c == '<' || c == '"' || c == '\'';
    };
    auto closing = [](char c) {
      return c == ')' || c == ']' || c == '}' || c == '>' || c == '"' || c == '\'' || c == ',' ||
             c == ';' || c == ':' || c == '.' || c == '!' || c == '?';
    };
    while (!word.empty() && opening(word.front())) word.remove_prefix(1);
    while (!word.empty() && closing(word.back())) word.remove_suffix(1);
    if (word.size() >= 5 && detect(d, word) == Match::kStrong) return Match::kStrong;
    i = j;
  }
  return Match::kNone;
}

bool cell_integer(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  size_t start = i;
  int64_t v = 0;
  for (; i < s.size() && digit(s[i]); ++i) {
    if (v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (s[i] - '0');
  }
  if (i == start) return false;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size(); ++i)
      if (!digit(s[i])) return false;
  }
  if (i != s.size()) return false;
  *out = neg ? -v : v;
  return true;
}

}  // namespace steward::detail
