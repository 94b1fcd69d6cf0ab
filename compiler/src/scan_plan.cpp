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

uint32_t ScanPlan::category_of_column(std::string_view column) const {
  auto find = [&](std::string_view n) -> uint32_t {
    auto it = std::lower_bound(columns.begin(), columns.end(), n,
                               [](const auto& e, std::string_view k) { return e.first < k; });
    return it != columns.end() && it->first == n ? it->second : UINT32_MAX;
  };
  const std::string name = normalize_column(column);
  if (name.empty()) return UINT32_MAX;
  if (uint32_t c = find(name); c != UINT32_MAX) return c;
  // A relative's, a caregiver's or a household member's identifier is the client's too.
  for (const auto& p : prefixes) {
    if (name.size() > p.size() && name.compare(0, p.size(), p) == 0) {
      if (uint32_t c = find(std::string_view(name).substr(p.size())); c != UINT32_MAX) return c;
    }
  }
  // The name's last words: `child_ssn`, `home_zip_code`.
  for (size_t i = name.find('_'); i != std::string::npos; i = name.find('_', i + 1)) {
    if (uint32_t c = find(std::string_view(name).substr(i + 1)); c != UINT32_MAX) return c;
  }
  return UINT32_MAX;
}

}  // namespace steward
