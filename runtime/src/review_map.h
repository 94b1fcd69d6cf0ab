// Which agreements have review records, as a writer knows it: lets a decision on an agreement
// without any skip reading them, and lets the writer refuse it if one came meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "archive_chain.h"

namespace steward::archive_internal {

// With approvals from review records every decision first asked the archive for its agreement's
// reviews: over the network a round trip and the server's work for each, though most
// agreements have none. The map holds each reviewed agreement's newest review seq, exact for
// every record up to chain seq `seen`: it is read whole by the writer's first batch and brought
// up to date by each later one, always in the batch's transaction, under the chain head's lock
// (so nothing can be committed between the read and the check).
//
// A decision that counted no reviews because the map had none as of seq N is stored only if,
// at its batch, still none on its agreement is newer than N (nor earlier in the batch): it is
// then exactly the decision a read at its commit would have given. Otherwise the caller
// decides again, reading the records. The map only ever answers "none"; an agreement with
// reviews is always read.
//
// Thread-safe: deciding threads ask while the writer updates.
class ReviewMap {
 public:
  // Agreements with reviews past which the map gives up (and every decision reads again):
  // a bound on its memory, about 100 bytes an agreement.
  static constexpr size_t kMaxAgreements = size_t{1} << 20;

  explicit ReviewMap(size_t max_agreements = kMaxAgreements) : max_(max_agreements) {}

  // N when `agreement_id` had no review records as of chain seq N; nullopt when it has some,
  // or the map does not know (not read yet, or given up).
  std::optional<int64_t> without_reviews(std::string_view agreement_id) const;

  // Where the writer's batch, which found the chain head at `head`, must read reviews from:
  // nullopt when the map is exact as of `head` already, else the seq after which to read every
  // review (0: all of them).
  std::optional<int64_t> read_after(int64_t head) const;

  // The reviews read after read_after(head) and up to `head`, each agreement's newest seq: the
  // map is now exact as of `head`. Gives up when it would outgrow its bound.
  void caught_up(int64_t head, const std::vector<std::pair<std::string, int64_t>>& newest);

  // Marks each decision item of a batch that counted no reviews (no_reviews_as_of >= 0) while
  // one on its agreement is newer, or comes earlier in the batch, `stale`. Call after
  // caught_up for the batch's head (or when read_after said none was needed).
  void check(std::vector<BatchItem>& items) const;

  // After the batch that found the head at `head` committed with `stored` (in chain order)
  // up to `end`: their reviews are known, and the map is exact as of `end`.
  void committed(const std::vector<ArchiveRecord*>& stored, int64_t head, int64_t end);

 private:
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void give_up();  // under mu_

  const size_t max_;
  mutable std::mutex mu_;
  bool known_ = false;    // the map is exact as of seen_
  bool gave_up_ = false;  // outgrew max_: never known again (every decision reads)
  int64_t seen_ = 0;
  std::unordered_map<std::string, int64_t, TextHash, std::equal_to<>> newest_;
};

}  // namespace steward::archive_internal
