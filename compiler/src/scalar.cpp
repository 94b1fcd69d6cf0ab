// YAML 1.2 core-schema scalar resolution (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
#include "steward/scalar.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace steward {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool is_core_int(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return all_of(s.substr(2), is_octal);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') return all_of(s.substr(2), is_hex);
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return all_of(s.substr(i), is_digit);
}

bool is_special_float(std::string_view s) {
  static constexpr std::string_view kSpecial[] = {".inf",  ".Inf",  ".INF",  "+.inf",
                                                  "+.Inf", "+.INF", "-.inf", "-.Inf",
                                                  "-.INF", ".nan",  ".NaN",  ".NAN"};
  return std::find(std::begin(kSpecial), std::end(kSpecial), s) != std::end(kSpecial);
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
  size_t j = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool digits = false;
  while (j < s.size() && is_digit(s[j])) ++j, digits = true;
  if (j < s.size() && s[j] == '.') {
    ++j;
    while (j < s.size() && is_digit(s[j])) ++j, digits = true;
  }
  if (!digits) return false;
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    ++j;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    bool exp = false;
    while (j < s.size() && is_digit(s[j])) ++j, exp = true;
    if (!exp) return false;
  }
  return j == s.size();
}

}  // namespace

ScalarKind resolve_core_scalar(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarKind::kNull;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")
    return ScalarKind::kBool;
  if (is_core_int(s)) return ScalarKind::kInt;
  if (is_special_float(s) || is_core_float(s)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

NumberStatus parse_core_int(std::string_view s, int64_t* out) {
  if (!is_core_int(s)) return NumberStatus::kNotANumber;
  int base = 10;
  bool negative = false;
  std::string_view digits = s;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    base = s[1] == 'o' ? 8 : 16;
    digits = s.substr(2);
  } else if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    digits = s.substr(1);
  }
  // Accumulate as a negative number so that INT64_MIN is representable.
  int64_t value = 0;
  const int64_t limit = INT64_MIN;
  for (char c : digits) {
    int d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    if (value < (limit + d) / base) return NumberStatus::kOutOfRange;
    value = value * base - d;
  }
  if (!negative) {
    if (value == INT64_MIN) return NumberStatus::kOutOfRange;
    value = -value;
  }
  *out = value;
  return NumberStatus::kOk;
}

NumberStatus parse_core_number(std::string_view s, double* out) {
  if (is_core_int(s)) {
    int64_t i = 0;
    if (parse_core_int(s, &i) == NumberStatus::kOk) {
      *out = static_cast<double>(i);
      return NumberStatus::kOk;
    }
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x'))
      return NumberStatus::kOutOfRange;
    // A decimal integer past int64 is still a number; read it as a float below.
  } else if (is_special_float(s)) {
    return NumberStatus::kNotFinite;
  } else if (!is_core_float(s)) {
    return NumberStatus::kNotANumber;
  }
  // strtod reads every core float (its own extras, such as `inf` or hex, were refused above).
  const std::string text(s);
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return NumberStatus::kNotANumber;
  if (errno == ERANGE && std::isinf(x)) return NumberStatus::kOutOfRange;
  if (!std::isfinite(x)) return NumberStatus::kNotFinite;
  *out = x;
  return NumberStatus::kOk;
}

}  // namespace steward
