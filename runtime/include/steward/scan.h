// The data scanner: finds the identifiers a pack's scan plan names (steward/scan_plan.h) in a
// data file (CSV, TSV, JSON Lines), by column name and by value, streaming in bounded memory.
// Findings name the column, the category, how it was found and the rows: never a value.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "steward/document.h"
#include "steward/program.h"

namespace steward {

enum class DataFormat : uint8_t { kAuto, kCsv, kTsv, kJsonLines };

// `csv`, `tsv`, `jsonl`; and the format a file name implies (`.tsv`, `.jsonl`/`.ndjson`, else
// CSV).
const char* data_format_name(DataFormat f);
bool parse_data_format(std::string_view s, DataFormat* out);
DataFormat data_format_of(std::string_view file_name);

struct ScanOptions {
  DataFormat format = DataFormat::kAuto;  // kAuto: from the file name
  char delimiter = 0;                     // CSV: 0 picks `,` `;` `|` or tab from the header
  size_t rows_listed = 20;                // row numbers kept per finding (the count is exact)
  size_t max_columns = 4096;
  size_t max_field_bytes = 1u << 20;
};

struct ScanFinding {
  std::string column;
  uint32_t column_index = 0;  // 0-based
  uint32_t category = 0;      // into CompiledPack::scan.categories
  // `name`: the column's name is in the lexicon; `value`: its values (detector says which).
  std::string how;
  // `lexicon`, a Detector's name, `age`, `zip3` or `near_unique`.
  std::string detector;
  uint64_t count = 0;  // rows with a match (for `name`: rows with a value)
  // 1-based data rows (the header is not a row), the first few: of the matches, or for `name`
  // of the rows with a value.
  std::vector<uint64_t> rows;
  uint64_t line = 0;  // the file line of the first row listed (or of the header)
};

struct ScanReport {
  std::string file;
  DataFormat format = DataFormat::kCsv;
  std::vector<std::string> columns;
  uint64_t rows = 0;
  std::string sha256;  // "sha256:<hex>" of the bytes scanned (the whole file when no errors)
  std::vector<ScanFinding> findings;  // by column, then category
  // A file that cannot be read as its format (with line and column): the scan stops there,
  // and what it found until then is kept. The exit status of `steward scan` reflects it.
  std::vector<InputError> errors;
};

// Scans `in` (named `file` in the report) with the pack's scan plan. The pack must have one
// (CompiledPack::scan.present); otherwise the report carries a `scan.no-plan` error.
ScanReport scan_data(const CompiledPack& pack, std::istream& in, const std::string& file,
                     const ScanOptions& options = {});

// scan_data on a file; an unreadable path is a `datafile.read` error in the report.
ScanReport scan_data_file(const CompiledPack& pack, const std::string& path,
                          const ScanOptions& options = {});

// One report as the JSON `steward scan -f json` writes for each file: file, format, columns,
// rows, findings (column, category, safe_harbor, how, detector, count, rows, line) and errors.
// Never a value of the data. `indent` < 0: compact.
std::string scan_report_json(const CompiledPack& pack, const ScanReport& report, int indent = 2);

}  // namespace steward
