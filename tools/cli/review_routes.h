// The review routes of `steward serve`: POST /v1/reviews records a reviewer body's verdict,
// and a decision's review history for GET /v1/decisions/{id}.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "service.h"
#include "steward/archive.h"

namespace steward::cli {

// Records the review in the request body ({"decision_id", "agreement_digest", "body",
// "verdict", "note"}) as `reviewer`, who must hold `review:<body>`: `forbid` returns the 403
// (logged) when the caller does not hold that role, nullopt when it does. 201 with the review
// record; 404 for no such decision; 422 with the reason for a refused review; 503 when it
// cannot be written. Once recorded, `rederive` decides the reviewed text again (returning the
// new decision's id, "" when it was not given, and its JSON or errors): the 201 body is
// {"review": record, "decision_id": id, "decision": document}. `recorded`, when given, receives
// the review once it is recorded.
HttpResponse post_review(
    Archive* archive, const HttpRequest& req, const std::string& reviewer,
    const std::function<std::optional<HttpResponse>(const std::string& role)>& forbid,
    const std::function<std::pair<std::string, std::string>(const ArchiveRecord& reviewed)>&
        rederive,
    Review* recorded = nullptr);

// The reviews of an archived decision as a JSON array, oldest first: each its record id, time,
// body, verdict, note and reviewer.
std::string reviews_json(Archive& archive, const ArchiveRecord& decision);

}  // namespace steward::cli
