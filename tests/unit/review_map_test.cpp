// ReviewMap: it answers "no reviews" only where it is exact, and every decision that counted
// none is refused at its batch when a review on its agreement came since.
#include "review_map.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using steward::ArchiveRecord;
using steward::archive_internal::BatchItem;
using steward::archive_internal::ReviewMap;

namespace {

ArchiveRecord record(const std::string& agreement, bool review, int64_t seq = 0) {
  ArchiveRecord r;
  r.agreement_id = agreement;
  r.decision = review ? ArchiveRecord::kReviewKind : "allow";
  r.seq = seq;
  return r;
}

// The `stale` flags check() leaves on `items`.
std::vector<bool> stale_after(const ReviewMap& map, std::vector<BatchItem> items) {
  map.check(items);
  std::vector<bool> out;
  for (const BatchItem& i : items) out.push_back(i.stale);
  return out;
}

}  // namespace

TEST_CASE("the map knows nothing until its first read", "[review_map]") {
  ReviewMap map;
  CHECK_FALSE(map.without_reviews("A"));
  CHECK(map.read_after(0) == 0);
  CHECK(map.read_after(40) == 0);
  ArchiveRecord d = record("A", false);
  // A decision that says it counted none cannot be vouched for: refused.
  CHECK(stale_after(map, {{&d, 3}}) == std::vector<bool>{true});
  // One that read its records is not checked.
  CHECK(stale_after(map, {{&d, -1}}) == std::vector<bool>{false});
}

TEST_CASE("after a read the map answers none only for agreements without reviews", "[review_map]") {
  ReviewMap map;
  map.caught_up(10, {{"A", 5}});
  CHECK_FALSE(map.without_reviews("A"));
  CHECK(map.without_reviews("B") == 10);
  CHECK_FALSE(map.read_after(10));  // exact as of the head already: no read
  CHECK(map.read_after(12) == 10);  // another server wrote 11 and 12
  map.caught_up(12, {{"B", 11}});
  CHECK_FALSE(map.without_reviews("B"));
  CHECK(map.without_reviews("C") == 12);
}

TEST_CASE("a decision that counted none is refused when a review came since", "[review_map]") {
  ReviewMap map;
  map.caught_up(10, {});
  ArchiveRecord b = record("B", false), c = record("C", false);
  // Another server reviewed B at 11; C stays unreviewed.
  map.caught_up(12, {{"B", 11}});
  CHECK(stale_after(map, {{&b, 10}, {&c, 10}}) == std::vector<bool>{true, false});
  // A decision whose view was already past the review is not refused (it read the records:
  // the map never says none for B now, but a seq at or after the review is not stale).
  CHECK(stale_after(map, {{&b, 11}}) == std::vector<bool>{false});
  // One marked stale before the check (a backend that cannot check) stays stale.
  CHECK(stale_after(map, {{&c, 12, true}}) == std::vector<bool>{true});
}

TEST_CASE("a review earlier in the same batch makes a later decision on it stale", "[review_map]") {
  ReviewMap map;
  map.caught_up(10, {});
  ArchiveRecord review = record("D", true), d = record("D", false), e = record("E", false);
  CHECK(stale_after(map, {{&review, -1}, {&d, 10}, {&e, 10}}) ==
        std::vector<bool>{false, true, false});
  // Before the review in chain order, the decision is what a read then would have given.
  CHECK(stale_after(map, {{&d, 10}, {&review, -1}}) == std::vector<bool>{false, false});
}

TEST_CASE("a committed batch's reviews are known and the map moves to its end", "[review_map]") {
  ReviewMap map;
  map.caught_up(12, {});
  ArchiveRecord review = record("D", true, 13), d = record("E", false, 14);
  map.committed({&review, &d}, 12, 14);
  CHECK_FALSE(map.without_reviews("D"));
  CHECK(map.without_reviews("E") == 14);
  CHECK_FALSE(map.read_after(14));
  // A batch from a head the map was not exact at changes nothing: the next read covers it.
  ArchiveRecord late = record("F", true, 16);
  map.committed({&late}, 15, 16);
  CHECK(map.without_reviews("F") == 14);
  CHECK(map.read_after(16) == 14);
}

TEST_CASE("a chain cut back below what the map has seen is read whole again", "[review_map]") {
  ReviewMap map;
  map.caught_up(20, {{"A", 7}});
  CHECK(map.read_after(5) == 0);
  map.caught_up(5, {});
  CHECK(map.without_reviews("A") == 5);
}

TEST_CASE("a map that would outgrow its bound gives up and vouches for nothing", "[review_map]") {
  ReviewMap map(2);
  map.caught_up(10, {{"A", 1}, {"B", 2}, {"C", 3}});
  CHECK_FALSE(map.without_reviews("Z"));
  CHECK_FALSE(map.read_after(11));  // no reads for a map that is not kept
  ArchiveRecord z = record("Z", false);
  CHECK(stale_after(map, {{&z, 10}}) == std::vector<bool>{true});
  // Growing past the bound at a commit gives up too.
  ReviewMap small(1);
  small.caught_up(1, {{"A", 1}});
  ArchiveRecord review = record("B", true, 2);
  small.committed({&review}, 1, 2);
  CHECK_FALSE(small.without_reviews("Z"));
}
