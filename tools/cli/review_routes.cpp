// POST /v1/reviews and the review history of a decision.
#include "review_routes.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common.h"
#include "steward/document.h"

namespace steward::cli {

HttpResponse post_review(
    Archive* archive, const HttpRequest& req, const std::string& reviewer,
    const std::function<std::optional<HttpResponse>(const std::string& role)>& forbid,
    const std::function<std::pair<std::string, std::string>(const ArchiveRecord& reviewed)>&
        rederive,
    Review* recorded) {
  if (!archive) return error_response(404, "this server keeps no archive");
  const std::string type = req.header("Content-Type");
  if (type.rfind("application/json", 0) != 0)
    return error_response(415, "send the review as application/json");
  // A review is a few fields: a deeply nested body is not one (and nlohmann recurses).
  const nlohmann::json j = json_nesting(req.body) > 4
                               ? nlohmann::json()
                               : nlohmann::json::parse(req.body, nullptr, false);
  if (!j.is_object())
    return error_response(400,
                          "the body must be a JSON object: decision_id, agreement_digest, "
                          "body, verdict, note");
  Review review;
  review.reviewer = reviewer;
  for (auto [key, field, required] : {std::tuple{"decision_id", &review.decision_id, true},
                                      {"agreement_digest", &review.agreement_digest, true},
                                      {"body", &review.body, true},
                                      {"verdict", &review.verdict, true},
                                      {"note", &review.note, false}}) {
    if (!j.contains(key)) {
      if (required) return error_response(400, fmt::format("`{}` is required", key));
      continue;
    }
    if (!j[key].is_string()) return error_response(400, fmt::format("`{}` must be a string", key));
    *field = j[key].get<std::string>();
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "decision_id" && key != "agreement_digest" && key != "body" && key != "verdict" &&
        key != "note")
      return error_response(400, fmt::format("unknown field `{}`", escape_for_display(key)));
  }
  // The role is the body's own: a reviewer for one body cannot speak for another.
  if (auto refused = forbid("review:" + review.body)) return *refused;
  ArchiveRecord record;
  std::string error;
  bool refused = false;
  if (!archive->append_review(review, &record, &error, &refused)) {
    if (!refused) return error_response(503, error + "; the review was not recorded");
    return error_response(error.rfind("there is no decision", 0) == 0 ? 404 : 422, error);
  }
  if (recorded) *recorded = review;
  // The decision the review was on, with its text: derived again now that the review counts.
  std::optional<ArchiveRecord> reviewed = archive->get(review.decision_id);
  auto [id, decision] =
      reviewed ? rederive(*reviewed) : std::make_pair(std::string(), std::string("null"));
  HttpResponse res;
  res.status = 201;
  res.set_header("Location", "/v1/decisions/" + record.decision_id);
  std::string body = "{\"review\":" + record_to_json(record, false) + ",\"decision_id\":";
  body += id.empty() ? "null" : "\"" + id + "\"";
  body += ",\"decision\":" + decision + "}";
  res.set_content(std::move(body), "application/json");
  return res;
}

std::string reviews_json(Archive& archive, const ArchiveRecord& decision) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const ArchiveRecord& r : archive.reviews_of(decision)) {
    std::optional<Review> review = review_in(r);
    if (!review) continue;
    out.push_back({{"review_id", r.decision_id},
                   {"time", r.time},
                   {"body", review->body},
                   {"verdict", review->verdict},
                   {"note", review->note},
                   {"reviewer", review->reviewer}});
  }
  return json_text(out);
}

}  // namespace steward::cli
