// Edit-distance suggestions.
#include "steward/suggest.h"

#include <fmt/format.h>

#include <algorithm>

namespace steward {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
// transpositions (`titel` -> `title` is one edit). Returns `cap + 1` as soon as the distance
// must exceed `cap`: vocabularies can hold thousands of names and a module can misspell many
// of them, so most comparisons stop after a row or two. `rows` is scratch space.
size_t edit_distance(std::string_view a, std::string_view b, size_t cap,
                     std::vector<size_t> (&rows)[3]) {
  const size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > cap) return cap + 1;
  for (auto& r : rows) r.assign(m + 1, 0);
  std::vector<size_t>* before = &rows[0];  // row i - 2
  std::vector<size_t>* prev = &rows[1];    // row i - 1
  std::vector<size_t>* cur = &rows[2];     // row i
  for (size_t j = 0; j <= m; ++j) (*prev)[j] = j;
  size_t prev_min = 0;
  for (size_t i = 1; i <= n; ++i) {
    (*cur)[0] = i;
    size_t row_min = i;
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t d = std::min({(*prev)[j] + 1, (*cur)[j - 1] + 1, (*prev)[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d = std::min(d, (*before)[j - 2] + 1);
      }
      (*cur)[j] = d;
      row_min = std::min(row_min, d);
    }
    // Every cell derives from the two rows above it (or its left neighbour, which starts at
    // i): once two rows in a row exceed the cap, so does everything below them.
    if (row_min > cap && prev_min > cap) return cap + 1;
    prev_min = row_min;
    std::vector<size_t>* oldest = before;
    before = prev;
    prev = cur;
    cur = oldest;
  }
  return std::min((*prev)[m], cap + 1);
}

}  // namespace

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  const size_t limit = std::min<size_t>(3, std::max<size_t>(1, name.size() / 3));
  std::vector<size_t> rows[3];
  std::string best;
  size_t best_d = limit + 1;
  for (const auto& c : candidates) {
    if (c == name) continue;
    size_t d = edit_distance(name, c, best_d == limit + 1 ? limit : best_d, rows);
    if (d < best_d || (d == best_d && c < best)) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= limit ? best : std::string();
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string m = closest_match(name, candidates);
  return m.empty() ? std::string() : fmt::format(" (did you mean `{}`?)", m);
}

}  // namespace steward
