// The decision document (docs/decision-format in the spec), written with nlohmann::ordered_json
// so keys keep the spec's order and the same decision always gives the same bytes.
#include "steward/decision.h"

#include <nlohmann/json.hpp>

namespace steward {

using Json = nlohmann::ordered_json;

std::string to_json(const Decision& d, int indent) {
  Json j;
  j["agreement"] = d.agreement;
  j["decision"] = outcome_name(d.outcome);
  j["policy"] = {
      {"name", d.policy.name}, {"version", d.policy.version}, {"digest", d.policy.digest}};
  Json reasons = Json::array();
  for (const auto& r : d.reasons) {
    Json jr;
    jr["outcome"] = outcome_name(r.outcome);
    jr["clause"] = r.clause;
    jr["rule"] = r.rule;
    jr["message"] = r.message;
    jr["citation"] = r.citation;
    jr["reviewers"] = r.reviewers;
    Json ev = Json::array();
    for (const auto& e : r.evidence)
      ev.push_back({{"path", e.path}, {"line", e.line}, {"column", e.column}});
    jr["evidence"] = std::move(ev);
    jr["policy_location"] = {{"file", r.policy_file},
                             {"line", r.policy_position.line},
                             {"column", r.policy_position.column}};
    reasons.push_back(std::move(jr));
  }
  j["reasons"] = std::move(reasons);
  j["reviewers"] = d.reviewers;
  // Invalid UTF-8 cannot reach here (documents are validated), but replace rather than throw.
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string errors_to_json(const std::string& file, const std::vector<InputError>& errors,
                           int indent) {
  Json j;
  j["file"] = file;
  j["decision"] = nullptr;
  Json errs = Json::array();
  for (const auto& e : errors) {
    errs.push_back({{"code", e.code},
                    {"path", e.path},
                    {"line", e.line},
                    {"column", e.column},
                    {"message", e.message}});
  }
  j["errors"] = std::move(errs);
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace steward
