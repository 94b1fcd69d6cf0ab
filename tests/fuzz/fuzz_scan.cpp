// libFuzzer target: bytes -> `steward scan` with the DCF pack's plan. The first byte picks the
// format and delimiter; the rest is the file. Any bytes must give a report (findings or a
// located error), never a crash or a hang, and a report that holds together.
#include <cstdint>
#include <sstream>
#include <string>

#include "steward/compiler.h"
#include "steward/scan.h"

namespace {

const steward::CompiledPack& pack() {
  static const std::shared_ptr<const steward::CompiledPack> p = [] {
    auto r = steward::compile_pack(std::string(STEWARD_SOURCE_DIR) + "/policies/dcf-5-4");
    if (!r.ok()) __builtin_trap();
    return r.pack;
  }();
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  steward::ScanOptions options;
  const uint8_t mode = data[0];
  options.format = mode % 3 == 0   ? steward::DataFormat::kCsv
                   : mode % 3 == 1 ? steward::DataFormat::kTsv
                                   : steward::DataFormat::kJsonLines;
  const char delimiters[] = {0, ',', ';', '|', '\t', 'a', '"', '\n'};
  options.delimiter = delimiters[(mode / 3) % 8];
  if (options.delimiter == '"' || options.delimiter == '\n') options.delimiter = 0;
  options.max_field_bytes = 4096;
  options.max_columns = 256;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  steward::ScanReport r = steward::scan_data(pack(), in, "fuzz.csv", options);
  for (const auto& f : r.findings) {
    if (f.column_index >= r.columns.size() || f.column != r.columns[f.column_index])
      __builtin_trap();
    if (f.rows.size() > options.rows_listed || (f.how == "value" && f.rows.size() > f.count))
      __builtin_trap();
    for (uint64_t row : f.rows)
      if (row == 0 || row > r.rows) __builtin_trap();
  }
  if (r.errors.size() > 1) __builtin_trap();
  return 0;
}
