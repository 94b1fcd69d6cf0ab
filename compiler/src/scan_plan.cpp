// The scan plan's lookups: detector names, column-name normalization, the lexicon.
#include "steward/scan_plan.h"

#include <algorithm>

namespace steward {

namespace {
constexpr const char* kDetectorNames[kDetectorCount] = {"ssn", "phone", "email",     "url",
                                                        "ip",  "vin",   "full_date", "zip5"};
}  // namespace

const char* detector_name(Detector d) { return kDetectorNames[static_cast<size_t>(d)]; }

bool parse_detector(std::string_view s, Detector* out) {
  for (size_t i = 0; i < kDetectorCount; ++i) {
    if (s == kDetectorNames[i]) {
      *out = static_cast<Detector>(i);
      return true;
    }
  }
  return false;
}

std::string normalize_column(std::string_view name) {
  std::string out;
  bool gap = false;
  for (char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      alnum = true;
    }
    if (!alnum) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out += '_';
    gap = false;
    out += c;
  }
  return out;
}

namespace {
// Tries `find` on a normalized column name whole, after a role prefix, then on its last words;
// the first hit wins. The one matching rule for the lexicon, the age and the ZIP3 columns, so
// a name that escapes one escapes none (`mother_age` is an age as `mother_dob` is a date).
template <typename Find>
auto match_name(const std::string& name, const std::vector<std::string>& prefixes, Find find,
                decltype(find(std::string_view())) none) {
  if (name.empty()) return none;
  if (auto c = find(name); c != none) return c;
  // A relative's, a caregiver's or a household member's identifier is the client's too.
  for (const auto& p : prefixes) {
    if (name.size() > p.size() && name.compare(0, p.size(), p) == 0) {
      if (auto c = find(std::string_view(name).substr(p.size())); c != none) return c;
    }
  }
  // The name's last words: `child_ssn`, `home_zip_code`.
  for (size_t i = name.find('_'); i != std::string::npos; i = name.find('_', i + 1)) {
    if (auto c = find(std::string_view(name).substr(i + 1)); c != none) return c;
  }
  return none;
}
}  // namespace

uint32_t ScanPlan::category_of_column(std::string_view column) const {
  auto find = [&](std::string_view n) -> uint32_t {
    auto it = std::lower_bound(columns.begin(), columns.end(), n,
                               [](const auto& e, std::string_view k) { return e.first < k; });
    return it != columns.end() && it->first == n ? it->second : UINT32_MAX;
  };
  return match_name(normalize_column(column), prefixes, find, UINT32_MAX);
}

bool ScanPlan::column_in(const std::vector<std::string>& names, std::string_view column) const {
  auto find = [&](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  return match_name(normalize_column(column), prefixes, find, false);
}

}  // namespace steward
