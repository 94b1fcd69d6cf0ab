// What a pack tells the table tools (`steward audit`, `steward suppress`): how its published
// tables are written (count column, suppression and total markers) and when a cell is
// protected. Compiled from the file the manifest's `tables:` names; the tools are generic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace steward {

struct TablePlan {
  bool present = false;  // the pack has a `tables:` file
  // A count below `threshold` is a small cell (a primary suppression); zero is one only when
  // `zeros_suppressed`. The threshold may follow a parameter (`threshold_parameter`).
  int64_t threshold = 10;
  std::string threshold_parameter;
  bool zeros_suppressed = false;
  // A suppressed cell is protected when an attacker's interval for it is at least `min_width`
  // wide and does not lie inside [1, inside_below - 1]. Both default to the threshold.
  int64_t min_width = 10;
  int64_t inside_below = 10;
  std::string count_column;                     // "" = the last column
  std::vector<std::string> suppressed_markers;  // the first is the one `suppress` writes
  std::vector<std::string> total_markers;       // the first is the one `suppress` writes
  // Columns that nest, top level first (region > office), when a table has them all.
  std::vector<std::vector<std::string>> hierarchies;
  // Columns derived from the count (rates, percentages): suppressed with it.
  std::vector<std::string> derived_columns;
  // A suppressed count of 1 is also attacked by its one respondent, who knows it.
  bool singletons_protected = true;
  // Magnitude tables built from contributions (`steward suppress --contributions`): present
  // when the file has `magnitude:`. Percentages are whole numbers; 0 turns a rule off.
  bool magnitude = false;
  std::string value_column;        // "" = the last column
  std::string contributor_column;  // "" = each row is one contributor
  int64_t min_contributors = 3;
  int64_t protection_percent = 10;
  int64_t p_percent = 0;
  int64_t dominance_n = 0;
  int64_t dominance_k = 0;
};

}  // namespace steward
