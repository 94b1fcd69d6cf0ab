// ReviewMap: see review_map.h.
#include "review_map.h"

#include <algorithm>

namespace steward::archive_internal {

std::optional<int64_t> ReviewMap::without_reviews(std::string_view agreement_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!known_ || newest_.find(agreement_id) != newest_.end()) return std::nullopt;
  return seen_;
}

std::optional<int64_t> ReviewMap::read_after(int64_t head) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (gave_up_) return std::nullopt;
  if (!known_) return 0;
  if (head == seen_) return std::nullopt;
  // A head behind what the map has seen means the chain was cut back and written again: what
  // the map holds may no longer be the chain's, so it is read whole.
  return head > seen_ ? seen_ : 0;
}

void ReviewMap::caught_up(int64_t head,
                          const std::vector<std::pair<std::string, int64_t>>& newest) {
  std::lock_guard<std::mutex> lock(mu_);
  if (gave_up_) return;
  if (!known_ || head < seen_) newest_.clear();
  for (const auto& [id, seq] : newest) {
    int64_t& at = newest_[id];
    at = std::max(at, seq);
  }
  known_ = true;
  seen_ = head;
  if (newest_.size() > max_) give_up();
}

void ReviewMap::check(std::vector<BatchItem>& items) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string_view> reviewed_here;  // agreements reviewed earlier in the batch
  for (BatchItem& item : items) {
    const ArchiveRecord& r = *item.record;
    if (r.is_review()) {
      reviewed_here.push_back(r.agreement_id);
      continue;
    }
    if (item.no_reviews_as_of < 0 || item.stale) continue;
    // Not known (given up since): nothing can vouch for "none", so the decision is taken again.
    if (!known_) {
      item.stale = true;
      continue;
    }
    auto it = newest_.find(r.agreement_id);
    item.stale = (it != newest_.end() && it->second > item.no_reviews_as_of) ||
                 std::find(reviewed_here.begin(), reviewed_here.end(), r.agreement_id) !=
                     reviewed_here.end();
  }
}

void ReviewMap::committed(const std::vector<ArchiveRecord*>& stored, int64_t head, int64_t end) {
  std::lock_guard<std::mutex> lock(mu_);
  // Exact as of `head` before the batch (caught_up), and the batch holds everything after it.
  if (!known_ || seen_ != head) return;
  for (const ArchiveRecord* r : stored)
    if (r->is_review()) newest_[r->agreement_id] = r->seq;
  seen_ = end;
  if (newest_.size() > max_) give_up();
}

void ReviewMap::give_up() {
  gave_up_ = true;
  known_ = false;
  newest_.clear();
}

}  // namespace steward::archive_internal
