// Reading tables in long form (internal to the table tools): the rows of a CSV file and the
// dimensions (hierarchies included) they address, shared by tables of counts and contributions.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "steward/table.h"

namespace steward::detail {

struct LongForm {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // fields trimmed of spaces and tabs
  std::vector<uint64_t> lines;
};

void table_error(std::vector<InputError>* errors, const char* code, uint64_t line,
                 std::string message);

// Reads every row (at most 1,000,000: `table.limit`); false with an error appended otherwise.
bool read_long_form(std::istream& in, const TableFormat& format, LongForm* out,
                    std::vector<InputError>* errors);

// Builds `t->dims` from every column not `used` (the format's hierarchies grouped), sizes
// `t->cells` (all absent), and gives each row's position: `at_row[r * dims + d]`. False with
// located errors appended (`table.shape`, `table.hierarchy`, `table.limit`).
bool build_dimensions(const LongForm& in, std::vector<bool> used, const TableFormat& format,
                      Table* t, std::vector<uint32_t>* at_row, std::vector<InputError>* errors);

}  // namespace steward::detail
