// Tests for suggest.h.
#include "steward/suggest.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

using namespace steward;

TEST_CASE("close misspellings get a suggestion, distant names none", "[suggest]") {
  std::vector<std::string> keys = {"title", "parties", "purpose", "request_channel", "data"};
  CHECK(closest_match("titel", keys) == "title");
  CHECK(closest_match("partys", keys) == "parties");
  CHECK(closest_match("request_chanel", keys) == "request_channel");
  CHECK(closest_match("zzz", keys).empty());
  CHECK(did_you_mean("dta", keys) == " (did you mean `data`?)");
  CHECK(did_you_mean("title", keys).empty());
}

namespace {

// The textbook full-matrix distance, to check the bounded one against.
size_t reference_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string reference_match(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    if (c == name) continue;
    size_t d = reference_distance(name, c);
    if (d < best_d || (d == best_d && c < best)) {
      best_d = d;
      best = c;
    }
  }
  size_t limit = std::min<size_t>(3, std::max<size_t>(1, name.size() / 3));
  return best_d <= limit ? best : std::string();
}

}  // namespace

TEST_CASE("the bounded search picks what a full comparison picks", "[suggest]") {
  // Small alphabets make near misses, ties and transpositions common.
  uint32_t state = 12345;
  auto next = [&state](uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  auto word = [&](size_t max_len) {
    std::string w(next(static_cast<uint32_t>(max_len + 1)), ' ');
    for (char& c : w) c = static_cast<char>('a' + next(3));
    return w;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> candidates;
    for (uint32_t k = next(12); k > 0; --k) candidates.push_back(word(12));
    std::string name = word(12);
    if (!candidates.empty() && next(3) == 0) {
      name = candidates[next(static_cast<uint32_t>(candidates.size()))];  // an edit or two away
      if (!name.empty()) name[next(static_cast<uint32_t>(name.size()))] = 'c';
      if (name.size() > 1) std::swap(name[0], name[1]);
    }
    INFO("name `" << name << "`, round " << round);
    CHECK(closest_match(name, candidates) == reference_match(name, candidates));
  }
}
