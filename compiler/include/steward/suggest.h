// "Did you mean ...?" suggestions for misspelled names and keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steward {

// The candidate closest to `name` by edit distance, if it is close enough to be a likely
// typo (at most a third of the name's length, and at most 3 edits); otherwise empty.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean `x`?)" or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace steward
