// What a pack tells the data scanner (`steward scan`): the categories of identifiers it names,
// the column-name lexicon, the value detectors it turns on, and the lists they use. Compiled
// from the file the manifest's `scan:` names; the scanner itself (steward/scan.h) is generic.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "steward/source.h"

namespace steward {

// The value detectors the scanner has. A pack maps each one it uses to one of its categories.
enum class Detector : uint8_t {
  kSsn,       // 123-45-6789 or 123456789 outside the never-issued ranges
  kPhone,     // a North American number with its separators, or 10/11 digits
  kEmail,     // local@domain.tld
  kUrl,       // http://, https://, ftp:// or www.
  kIp,        // IPv4 or IPv6
  kVin,       // 17 characters with a valid check digit
  kFullDate,  // a date with day and month: 2026-03-01, 03/01/2026, 2026-03-01T10:00
  kZip5,      // 12345 or 12345-6789
};
inline constexpr size_t kDetectorCount = 8;

// The detector's name as the pack writes it (`ssn`, `full_date`), and back.
const char* detector_name(Detector d);
bool parse_detector(std::string_view s, Detector* out);

struct ScanCategory {
  std::string name;         // the pack's name, e.g. `ssn`
  std::string title;        // for people: "social security numbers"
  std::string safe_harbor;  // the Safe Harbor letter (A-R) it falls under, or ""
  SourceSpan span;
};

struct ScanPlan {
  bool present = false;  // the pack has a `scan:` file
  std::vector<ScanCategory> categories;
  // Column names (normalized: lowercase, runs of other characters as one `_`) and the
  // category each means, sorted by name.
  std::vector<std::pair<std::string, uint32_t>> columns;
  // Role prefixes stripped before a name is looked up (`mother_`, `perp_`), normalized.
  std::vector<std::string> prefixes;
  // Per Detector: the category a match means, or UINT32_MAX when the pack does not use it.
  std::array<uint32_t, kDetectorCount> detectors{};
  // Columns whose values are ages: a value above `age_over` is an identifier of `age_category`.
  std::vector<std::string> age_columns;
  int64_t age_over = 89;
  uint32_t age_category = UINT32_MAX;
  // Columns holding 3-digit ZIP prefixes: one on the restricted list (the one the pack's
  // parameter `zip3_parameter` chose) is an identifier of `zip3_category`.
  std::vector<std::string> zip3_columns;
  std::vector<std::string> zip3_restricted;  // sorted
  std::string zip3_list;                     // the list's name, e.g. "2000"
  uint32_t zip3_category = UINT32_MAX;
  // A column with at least `near_unique_rows` values, nearly all distinct (at least
  // `near_unique_ratio` of them), is probably a unique code: `near_unique_category`.
  uint64_t near_unique_rows = 50;
  double near_unique_ratio = 0.95;
  uint32_t near_unique_category = UINT32_MAX;

  // The category of a column name by the lexicon (after a role prefix, or as the name's last
  // words), or UINT32_MAX.
  uint32_t category_of_column(std::string_view column) const;
  // Whether a column name is one of `names` (normalized) by the same rule: whole, after a role
  // prefix, or as its last words. For `age_columns` and `zip3_columns`.
  bool column_in(const std::vector<std::string>& names, std::string_view column) const;
};

// What the engine writes about the data files sent with a document (`steward eval --data`), into
// the root field the manifest's `observed:` names: a record of three lists, flat so that a rule
// over findings needs no nested quantifier (and states its worst case in two list sizes):
// `files`, one per file; `columns`, one per column of every file; `findings`, one per finding
// of the scan, each naming its file and column. A pack's records declare the fields its rules
// read, any subset of these, with these types; pass `observed` checks them.
enum class ObservedType : uint8_t {
  kString,    // string
  kInt,       // int
  kIntList,   // [int]
  kFiles,     // a list of records of kObservedFileFields
  kColumns,   // a list of records of kObservedColumnFields
  kFindings,  // a list of records of kObservedFindingFields
  kCategory,  // string, or an enum holding every category of the scan plan
  kHow,       // string, or an enum holding `name` and `value`
  kDetector,  // string, or an enum holding every name of kObservedDetectors
};
struct ObservedFieldSpec {
  const char* name;
  ObservedType type;
};
inline constexpr ObservedFieldSpec kObservedFields[] = {
    {"files", ObservedType::kFiles},
    {"columns", ObservedType::kColumns},
    {"findings", ObservedType::kFindings},
};
inline constexpr ObservedFieldSpec kObservedFileFields[] = {
    {"file", ObservedType::kString},  // the data file as it was named
    {"sha256", ObservedType::kString},
    {"rows", ObservedType::kInt},  // data rows (the header is not one)
    {"columns", ObservedType::kInt},
};
inline constexpr ObservedFieldSpec kObservedColumnFields[] = {
    {"file", ObservedType::kString},
    {"column", ObservedType::kString},  // the column's name as written in the file
    {"position", ObservedType::kInt},   // 1-based
};
inline constexpr ObservedFieldSpec kObservedFindingFields[] = {
    {"file", ObservedType::kString},
    {"column", ObservedType::kString},
    {"position", ObservedType::kInt},
    {"category", ObservedType::kCategory},  // a category of the scan plan
    {"how", ObservedType::kHow},            // `name` (the lexicon) or `value` (a detector)
    {"detector", ObservedType::kDetector},
    {"count", ObservedType::kInt},     // rows that matched (for `name`: rows with a value)
    {"rows", ObservedType::kIntList},  // the first of them (1-based data rows)
    {"line", ObservedType::kInt},      // the file line of the first row listed
};
// The values of a finding's `detector`: the lexicon, every Detector, and the scanner's checks.
inline constexpr const char* kObservedDetectors[] = {"lexicon", "ssn", "phone", "email",
                                                     "url",     "ip",  "vin",   "full_date",
                                                     "zip5",    "age", "zip3",  "near_unique"};

// A column name as the lexicon stores it: lowercase ASCII letters and digits, every other run
// of characters one `_`, none at either end. "Mother DOB" -> "mother_dob".
std::string normalize_column(std::string_view name);

}  // namespace steward
