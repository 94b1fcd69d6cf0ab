// The data scanner: per column, the lexicon's verdict on its name, and counts of what the value
// detectors, the age and ZIP3 checks and a distinct-value estimate see in its cells. Memory
// per column is fixed (a few row numbers per detector and 4 KiB of distinct-value sketch), so
// the scan of a file of any length is bounded by its number of columns.
#include "steward/scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

#include "scan_detectors.h"
#include "scan_reader.h"
#include "steward/source.h"

namespace steward {

const char* data_format_name(DataFormat f) {
  switch (f) {
    case DataFormat::kCsv:
      return "csv";
    case DataFormat::kTsv:
      return "tsv";
    case DataFormat::kJsonLines:
      return "jsonl";
    default:
      return "auto";
  }
}

bool parse_data_format(std::string_view s, DataFormat* out) {
  for (DataFormat f :
       {DataFormat::kAuto, DataFormat::kCsv, DataFormat::kTsv, DataFormat::kJsonLines})
    if (s == data_format_name(f)) {
      *out = f;
      return true;
    }
  return false;
}

DataFormat data_format_of(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    if (name.size() < ext.size()) return false;
    for (size_t i = 0; i < ext.size(); ++i) {
      char c = name[name.size() - ext.size() + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != ext[i]) return false;
    }
    return true;
  };
  if (ends(".tsv") || ends(".tab")) return DataFormat::kTsv;
  if (ends(".jsonl") || ends(".ndjson")) return DataFormat::kJsonLines;
  return DataFormat::kCsv;
}

namespace {

using detail::Match;

// Distinct values of a column: a HyperLogLog sketch (4,096 one-byte registers, about 1.6%
// standard error, and linear counting while few registers are set, which is close to exact for
// small columns); all the near-unique test needs, in fixed memory per column.
class Distinct {
 public:
  Distinct() : registers_(kRegisters, 0) {}
  void add(std::string_view v) {
    const uint64_t h = hash(v);
    const size_t index = h >> (64 - kBits);
    const uint64_t rest = (h << kBits) | (uint64_t{1} << (kBits - 1));
    const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (registers_[index] < rank) registers_[index] = rank;
  }
  double estimate() const {
    double sum = 0;
    size_t zeros = 0;
    for (uint8_t r : registers_) {
      sum += std::ldexp(1.0, -r);
      if (r == 0) ++zeros;
    }
    const double m = kRegisters, alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / static_cast<double>(zeros));
    return e;
  }

 private:
  static constexpr int kBits = 12;
  static constexpr size_t kRegisters = size_t{1} << kBits;

  static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }
  static uint64_t load(const char* p, size_t n) {  // n is a constant at every call: inlined
    uint64_t x = 0;
    std::memcpy(&x, p, n);
    return x;
  }

  static uint64_t hash(std::string_view v) {
    // Most cells are short: up to 16 bytes, two (overlapping) loads and the length, mixed by a
    // 64-bit finalizer so that the high bits, which pick the register, depend on every byte;
    // longer cells take the standard library's string hash. (Calling it for every cell was 8%
    // of a scan.)
    const char* p = v.data();
    const size_t n = v.size();
    uint64_t a, b;
    if (n >= 8 && n <= 16) {
      a = load(p, 8);
      b = load(p + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      a = load(p, 4);
      b = load(p + n - 4, 4);
    } else if (n > 0 && n < 4) {
      a = static_cast<unsigned char>(p[0]) | uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
          uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
      b = 0;
    } else {
      return mix(std::hash<std::string_view>{}(v) ^ n);
    }
    return mix(a ^ mix(b ^ (n * 0x9e3779b97f4a7c15ull)));
  }

  std::vector<uint8_t> registers_;
};

// Matches of one check in one column: exact counts, the first few rows.
struct Hits {
  uint64_t strong = 0, weak = 0;
  std::vector<uint64_t> rows;
  uint64_t line = 0;
  void add(Match m, uint64_t row, uint64_t at, size_t keep) {
    (m == Match::kStrong ? strong : weak)++;
    if (rows.size() < keep) rows.push_back(row);
    if (line == 0) line = at;
  }
  uint64_t total() const { return strong + weak; }
};

struct Column {
  uint32_t name_category = UINT32_MAX;
  bool age = false, zip3 = false;
  uint64_t values = 0;  // non-blank cells
  uint64_t first_value_line = 0;
  std::vector<uint64_t> value_rows;  // the first rows with a value (a name finding's rows)
  std::array<Hits, kDetectorCount> detectors;
  Hits ages, zips;
  Distinct distinct;
  bool measure = true;  // every value a number with a decimal point: a measurement, not a code
};

// The detectors whose shapes are looked for word by word in text with spaces.
bool in_text(size_t d) {
  switch (static_cast<Detector>(d)) {
    case Detector::kSsn:
    case Detector::kEmail:
    case Detector::kUrl:
    case Detector::kIp:
    case Detector::kVin:
    case Detector::kFullDate:
      return true;
    default:
      return false;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

class Scanner {
 public:
  Scanner(const ScanPlan& plan, const ScanOptions& options) : plan_(plan), options_(options) {}

  void add_column(const std::string& name) {
    Column c;
    c.name_category = plan_.category_of_column(name);
    c.age = plan_.column_in(plan_.age_columns, name);
    c.zip3 = plan_.column_in(plan_.zip3_columns, name);
    columns_.push_back(std::move(c));
  }

  void row(const std::vector<std::string_view>& fields, uint64_t row, uint64_t line) {
    const size_t keep = options_.rows_listed;
    for (size_t i = 0; i < fields.size() && i < columns_.size(); ++i) {
      std::string_view v = trim(fields[i]);
      if (v.empty()) continue;
      Column& c = columns_[i];
      if (c.values++ == 0) c.first_value_line = line;
      if (c.value_rows.size() < keep) c.value_rows.push_back(row);
      c.distinct.add(v);
      const detail::Shape shape = detail::shape_of(v);
      // Every detector needs five characters and a digit, an `@` or a dot: most cells of a
      // table (codes, counts, words) are settled here.
      const bool candidate =
          (v.size() >= 5 || shape.at) && (shape.digits > 0 || shape.at || shape.dot);
      for (size_t d = 0; candidate && d < kDetectorCount; ++d) {
        if (plan_.detectors[d] == UINT32_MAX) continue;
        const auto det = static_cast<Detector>(d);
        Match m = detail::could_match(det, v.size(), shape) ? detail::detect(det, v, shape)
                                                            : Match::kNone;
        // In free text, a word can be an identifier by itself (an address in a note); only
        // shapes nothing else has count there.
        if (m == Match::kNone && shape.space && in_text(d) &&
            (shape.digits >= 4 || shape.at || shape.dot))
          m = detail::detect_in_text(det, v);
        if (m != Match::kNone) c.detectors[d].add(m, row, line, keep);
      }
      int64_t whole;
      if (c.measure && !(shape.dot && shape.letters == 0 && detail::cell_integer(v, &whole)))
        c.measure = false;
      if (c.age) {
        int64_t years;
        if (detail::cell_integer(v, &years) && years > plan_.age_over)
          c.ages.add(Match::kStrong, row, line, keep);
      }
      if (c.zip3 &&
          std::binary_search(plan_.zip3_restricted.begin(), plan_.zip3_restricted.end(),
                             v.substr(0, 3)) &&
          (v.size() == 3 || v[3] == '-' || v[3] == ' '))
        c.zips.add(Match::kStrong, row, line, keep);
    }
  }

  void finish(const std::vector<std::string>& names, ScanReport* out) const {
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Column& c = columns_[i];
      auto finding = [&](uint32_t category, const char* how, const char* detector) {
        ScanFinding f;
        f.column = names[i];
        f.column_index = static_cast<uint32_t>(i);
        f.category = category;
        f.how = how;
        f.detector = detector;
        return f;
      };
      if (c.name_category != UINT32_MAX) {
        ScanFinding f = finding(c.name_category, "name", "lexicon");
        f.count = c.values;
        f.rows = c.value_rows;
        f.line = 1;
        out->findings.push_back(std::move(f));
      }
      auto hits = [&](const Hits& h, uint32_t category, const char* detector) {
        // A strong shape counts alone; weak ones (nine bare digits, five digits) only when at
        // least half the column has them.
        if (category == UINT32_MAX || h.total() == 0) return;
        if (h.strong == 0 && h.total() * 2 < c.values) return;
        ScanFinding f = finding(category, "value", detector);
        f.count = h.total();
        f.rows = h.rows;
        f.line = h.line;
        out->findings.push_back(std::move(f));
      };
      for (size_t d = 0; d < kDetectorCount; ++d)
        hits(c.detectors[d], plan_.detectors[d], detector_name(static_cast<Detector>(d)));
      hits(c.ages, plan_.age_category, "age");
      hits(c.zips, plan_.zip3_category, "zip3");
      if (plan_.near_unique_category != UINT32_MAX && c.values >= plan_.near_unique_rows &&
          !c.measure &&
          c.distinct.estimate() >= plan_.near_unique_ratio * static_cast<double>(c.values)) {
        ScanFinding f = finding(plan_.near_unique_category, "value", "near_unique");
        f.count = c.values;
        f.rows = c.value_rows;
        f.line = c.first_value_line;
        out->findings.push_back(std::move(f));
      }
    }
    // By column, then category; within one, the name's finding before the values'.
    std::stable_sort(
        out->findings.begin(), out->findings.end(), [](const ScanFinding& a, const ScanFinding& b) {
          return std::tie(a.column_index, a.category) < std::tie(b.column_index, b.category);
        });
  }

  size_t size() const { return columns_.size(); }

 private:
  const ScanPlan& plan_;
  const ScanOptions& options_;
  std::vector<Column> columns_;
};

}  // namespace

ScanReport scan_data(const CompiledPack& pack, std::istream& in, const std::string& file,
                     const ScanOptions& options) {
  ScanReport report;
  report.file = file;
  report.format = options.format == DataFormat::kAuto ? data_format_of(file) : options.format;
  if (!pack.scan.present) {
    report.errors.push_back(
        {"scan.no-plan", "", 0, 0,
         fmt::format("pack `{}` has no scan plan (the manifest's `scan:`)", pack.name)});
    return report;
  }
  auto reader = detail::make_reader(report.format, in, options);
  Scanner scanner(pack.scan, options);
  for (const auto& name : reader->columns()) scanner.add_column(name);
  std::vector<std::string_view> fields;
  uint64_t line = 0;
  while (reader->next(&fields, &line)) {
    // JSON lines can bring new keys: each becomes a column.
    while (scanner.size() < reader->columns().size())
      scanner.add_column(reader->columns()[scanner.size()]);
    scanner.row(fields, ++report.rows, line);
  }
  while (scanner.size() < reader->columns().size())
    scanner.add_column(reader->columns()[scanner.size()]);
  report.columns = reader->columns();
  if (const InputError* e = reader->error()) report.errors.push_back(*e);
  // A read that failed part way (a disk error, a file truncated under us) is not an end.
  if (in.bad() && report.errors.empty())
    report.errors.push_back({"datafile.read", "", 0, 0, "reading stopped before the end"});
  report.sha256 = reader->digest();
  scanner.finish(report.columns, &report);
  return report;
}

ScanReport scan_data_file(const CompiledPack& pack, const std::string& path,
                          const ScanOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ScanReport report;
    report.file = path;
    report.errors.push_back({"datafile.read", "", 0, 0, fmt::format("cannot read `{}`", path)});
    return report;
  }
  return scan_data(pack, in, path, options);
}

}  // namespace steward
