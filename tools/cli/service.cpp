// The HTTP routes of `steward serve` (see service.h). Past 600 lines: the routes share one
// state, its locks and its metrics; reviews (review_routes), the staff pages (ui_routes) and
// text formats (http_text) already live apart.
#include "service.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common.h"
#include "review_routes.h"
#include "steward/date.h"
#include "steward/source.h"
#include "ui_html.h"
#include "ui_routes.h"

namespace steward::cli {
namespace {

using Json = nlohmann::ordered_json;

// The most records one GET /v1/decisions returns; `archive export` reads them all.
constexpr size_t kMaxListLimit = 1000;
// The most agreements one POST /v1/evaluate/batch decides.
constexpr size_t kMaxBatchItems = 1000;
// The most data files one POST /v1/evaluate/data sends with its agreement.
constexpr size_t kMaxDataFiles = 64;

// The route a request counts under in /metrics: a fixed set, so that clients cannot grow the
// metrics without bound or put their bytes into label values.
std::string metrics_route(const std::string& path) {
  static const char* kRoutes[] = {"/v1/evaluate",     "/v1/evaluate/batch", "/v1/evaluate/data",
                                  "/v1/policy",       "/v1/decisions",      "/healthz",
                                  "/readyz",          "/metrics",           "/openapi.json",
                                  "/v1/admin/reload", "/v1/reviews"};
  for (const char* r : kRoutes)
    if (path == r) return path;
  if (path.rfind("/v1/decisions/", 0) == 0) return "/v1/decisions/{id}";
  if (StaffUi::owns(path)) return "/ui/";
  return "other";
}

struct Metrics {
  std::mutex mu;
  std::map<std::pair<std::string, int>, uint64_t> requests;  // (route, status)
  std::map<std::string, uint64_t> decisions;
  // Reviews recorded, by body and verdict (only recorded ones: a body is then one the pack
  // declares and a decision asked for, so clients cannot grow the labels).
  std::map<std::pair<std::string, std::string>, uint64_t> reviews;
  uint64_t archive_errors = 0;
  // Decisions taken again, reading the review records, because a review on the agreement was
  // committed while it was decided without them (kReviewsChanged).
  uint64_t decided_again = 0;
  // Request latency histogram (seconds).
  std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1};
  std::vector<uint64_t> buckets = std::vector<uint64_t>(11, 0);
  double sum = 0;
  uint64_t count = 0;
  // Reloads by outcome, and whether the last attempt was refused (the pack on disk is not the
  // one being served).
  uint64_t reloads_loaded = 0, reloads_refused = 0;
  bool reload_refused = false;

  void observe(const std::string& route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mu);
    ++requests[{route, status}];
    size_t i = 0;
    while (i < bounds.size() && seconds > bounds[i]) ++i;
    ++buckets[i];
    sum += seconds;
    ++count;
  }

  std::string text() {
    std::lock_guard<std::mutex> lock(mu);
    std::string out =
        "# HELP steward_requests_total HTTP requests by route and status.\n"
        "# TYPE steward_requests_total counter\n";
    for (const auto& [k, v] : requests)
      out += fmt::format("steward_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", k.first,
                         k.second, v);
    out +=
        "# HELP steward_decisions_total Decisions given, by outcome.\n# TYPE "
        "steward_decisions_total counter\n";
    for (const char* d : {"allow", "deny", "needs_review"})
      out += fmt::format("steward_decisions_total{{decision=\"{}\"}} {}\n", d, decisions[d]);
    out +=
        "# HELP steward_reviews_total Reviews recorded, by reviewer body and verdict.\n"
        "# TYPE steward_reviews_total counter\n";
    for (const auto& [k, v] : reviews)
      out += fmt::format("steward_reviews_total{{body=\"{}\",verdict=\"{}\"}} {}\n", k.first,
                         k.second, v);
    out +=
        "# HELP steward_archive_errors_total Archive writes that failed (the decision was "
        "withheld).\n"
        "# TYPE steward_archive_errors_total counter\n";
    out += fmt::format("steward_archive_errors_total {}\n", archive_errors);
    out +=
        "# HELP steward_decisions_decided_again_total Decisions taken again with the review "
        "records read, because a review on the agreement came while it was decided (the first "
        "was not archived nor answered).\n"
        "# TYPE steward_decisions_decided_again_total counter\n";
    out += fmt::format("steward_decisions_decided_again_total {}\n", decided_again);
    out +=
        "# HELP steward_reloads_total Pack reloads (SIGHUP, --watch) by outcome.\n"
        "# TYPE steward_reloads_total counter\n";
    out += fmt::format("steward_reloads_total{{outcome=\"loaded\"}} {}\n", reloads_loaded);
    out += fmt::format("steward_reloads_total{{outcome=\"refused\"}} {}\n", reloads_refused);
    out +=
        "# HELP steward_reload_refused 1 when the last reload was refused: the pack on disk is "
        "not the pack being served.\n"
        "# TYPE steward_reload_refused gauge\n";
    out += fmt::format("steward_reload_refused {}\n", reload_refused ? 1 : 0);
    out +=
        "# HELP steward_request_duration_seconds Request latency.\n"
        "# TYPE steward_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      cumulative += buckets[i];
      out += fmt::format("steward_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", bounds[i],
                         cumulative);
    }
    out += fmt::format("steward_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", count);
    out += fmt::format(
        "steward_request_duration_seconds_sum {}\nsteward_request_duration_seconds_count {}\n", sum,
        count);
    return out;
  }
};

// The OpenAPI document (tools/cli/openapi.json), embedded at build time.
const char* kOpenApi =
#include "openapi.json.inc"
    ;

}  // namespace

std::string json_text(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void log_line(std::string_view line) {
  // fwrite, not fmt::print: fmt throws when the write fails, and a throw here ends the process.
  std::string out(line);
  out += '\n';
  (void)std::fwrite(out.data(), 1, out.size(), stderr);
  std::clearerr(stderr);
}

std::shared_ptr<Served> make_served(std::shared_ptr<const CompiledPack> pack) {
  auto s = std::make_shared<Served>();
  s->pack = pack;
  s->evaluator = std::make_unique<Evaluator>(std::move(pack));
  return s;
}

struct ServiceState {
  std::mutex served_mu;
  std::shared_ptr<Served> served;
  Json last_reload;  // under served_mu; null before the first reload
  Archive* archive;
  ServiceOptions options;
  Metrics metrics;
  std::unique_ptr<StaffUi> ui;
};

namespace {

struct Outcome {
  int status;
  std::string body;
};

// Routes that answer without a token: probes and the API description.
bool open_route(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.json";
}

// Who is calling: the token's name and roles. Without tokens on the server, "anonymous" with
// every role; with a missing or unknown token, no name at all.
struct Caller {
  std::string name;
  const std::vector<std::string>* roles = nullptr;  // null: every role
  bool known() const { return !name.empty(); }
  bool has(std::string_view role) const {
    return known() &&
           (roles == nullptr || std::find(roles->begin(), roles->end(), role) != roles->end());
  }
  bool reviewer() const {
    if (!known()) return false;
    if (roles == nullptr) return true;
    return std::any_of(roles->begin(), roles->end(),
                       [](const std::string& r) { return r.rfind("review:", 0) == 0; });
  }
};

Caller caller_of(const ServiceState& st, const HttpRequest& req) {
  const auto& tokens = st.options.tokens;
  if (tokens.empty()) return {"anonymous", nullptr};
  std::string auth = req.header("Authorization");
  const std::string prefix = "Bearer ";
  if (auth.rfind(prefix, 0) != 0) return {};
  std::string given = auth.substr(prefix.size());
  Caller who;
  for (const Grant& g : tokens) {
    // Constant-time comparison, so response timing does not reveal a token's prefix.
    bool same = given.size() == g.token.size() &&
                CRYPTO_memcmp(given.data(), g.token.data(), g.token.size()) == 0;
    if (same) who = {g.name, &g.roles};
  }
  return who;
}

// The role a route needs ("" for any known caller): evaluating needs `propose`; reading
// decisions needs `read` or a reviewer's role (`read` stands for both here); recording a
// review some reviewer's role (`review`; the route then checks the body's own).
const char* required_role(const std::string& path) {
  if (path.rfind("/v1/admin/", 0) == 0) return "admin";
  if (path == "/v1/reviews") return "review";
  if (path.rfind("/v1/evaluate", 0) == 0) return "propose";
  if (path.rfind("/v1/decisions", 0) == 0) return "read";
  return "";
}

bool allowed(const Caller& c, std::string_view role) {
  if (role.empty()) return c.known();
  if (role == "read") return c.has("read") || c.reviewer();
  if (role == "review") return c.reviewer();
  return c.has(role);
}

HttpResponse forbidden(const ServiceState& st, const Caller& c, const std::string& path,
                       std::string_view role) {
  const std::string has = c.roles == nullptr || c.roles->empty()
                              ? std::string("none")
                              : fmt::format("{}", fmt::join(*c.roles, ", "));
  // Logged whether or not the access log is on: a refused call is a security event.
  const std::string line = json_text(Json{
      {"event", "forbidden"}, {"caller", c.name}, {"path", path}, {"needs", std::string(role)}});
  if (st.options.log)
    st.options.log(line);
  else
    log_line(line);
  return error_response(403,
                        fmt::format("this route needs the `{}` role{}; token `{}` has: {}", role,
                                    role == "read"     ? " (or a reviewer's)"
                                    : role == "review" ? " of a reviewer body (`review:<body>`)"
                                                       : "",
                                    c.name, has));
}

HttpResponse unauthorized() {
  HttpResponse res = error_response(401, "a valid bearer token is required");
  res.set_header("WWW-Authenticate", "Bearer");
  return res;
}

HttpResponse unsupported_media_type(
    const char* why = "send the agreement as application/json or application/yaml") {
  return error_response(415, why);
}

// Loads and decides one agreement text into `d`; an Outcome when no decision can be given
// (the text's errors, or review records that cannot be read).
// `at` is where `text` starts in the request body (line, column), so that errors in a batch
// item point into the body as sent.
std::optional<Outcome> judge(ServiceState& st, const std::shared_ptr<Served>& s,
                             const std::string& text, const std::string& name,
                             DocumentFormat format, const EvaluationContext& context, Decision* d,
                             std::pair<uint32_t, uint32_t> at = {1, 1},
                             const std::vector<ScanReport>* observed = nullptr,
                             int64_t* no_reviews_as_of = nullptr, bool* needs_read = nullptr) {
  // Approvals from review records unless the operator says otherwise (with no archive none
  // backs an approval); a pack without approval lists has none to check.
  // `no_reviews_as_of` (for the archive's append): set when the archive vouched that the
  // agreement had no review records instead of their being read (load_with_reviews).
  // `needs_read` (a thread that must not wait): set when the records would have to be read;
  // the answer is then a refusal that the caller drops to try again where it may wait.
  if (no_reviews_as_of) *no_reviews_as_of = -1;
  if (needs_read) *needs_read = false;
  LoadResult loaded;
  const std::vector<ApprovalEvidence> no_records;
  if (st.options.approvals_stated || s->pack->approval_lists.empty())
    loaded = load_document(*s->pack, text, name, {}, format, observed);
  else if (st.archive) {
    try {
      loaded = load_with_reviews(*st.archive, *s->pack, text, name, {}, format, observed,
                                 no_reviews_as_of, needs_read);
      if (needs_read && *needs_read)
        return Outcome{503, json_text(Json{{"error", "the review records were not read"}})};
    } catch (const std::exception& e) {
      // The records that could back an approval cannot be read: no decision without them.
      log_line(json_text(Json{{"event", "error"}, {"message", e.what()}}));
      std::lock_guard<std::mutex> lock(st.metrics.mu);
      ++st.metrics.archive_errors;
      return Outcome{503, json_text(Json{{"error",
                                          "the archive's review records cannot be read; no "
                                          "decision is given without them"}})};
    }
  } else
    loaded = load_document(*s->pack, text, name, {}, format, observed, &no_records);
  if (!loaded.ok()) {
    for (auto& e : loaded.errors) {
      if (e.line == 0) continue;
      if (e.line == 1) e.column += at.second - 1;
      e.line += at.first - 1;
    }
    return Outcome{422, errors_to_json(name, loaded.errors, -1)};
  }
  try {
    *d = s->evaluator->evaluate(*loaded.document, context);
  } catch (const EvaluationError& e) {
    std::vector<InputError> errors{{e.code(), "", 0, 0, e.what()}};
    return Outcome{422, errors_to_json(name, errors, -1)};
  }
  return std::nullopt;
}

// The answer to an archive write that failed: no decision without its record.
Outcome unarchived(ServiceState& st, const std::string& error) {
  std::lock_guard<std::mutex> lock(st.metrics.mu);
  ++st.metrics.archive_errors;
  return {503, json_text(Json{{"error", error + "; no decision is given without its record"}})};
}

void count_decision(ServiceState& st, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(st.metrics.mu);
  ++st.metrics.decisions[std::string(outcome)];
}

void count_decided_again(ServiceState& st) {
  std::lock_guard<std::mutex> lock(st.metrics.mu);
  ++st.metrics.decided_again;
}

// Decides on one agreement text; archives before answering.
Outcome decide(ServiceState& st, const std::shared_ptr<Served>& s, const std::string& text,
               const std::string& name, DocumentFormat format, const std::string& caller,
               const EvaluationContext& context, std::string* decision_id,
               std::pair<uint32_t, uint32_t> at = {1, 1},
               const std::vector<ScanReport>* observed = nullptr) {
  Decision d;
  int64_t none_as_of = -1;
  if (auto refused = judge(st, s, text, name, format, context, &d, at, observed, &none_as_of))
    return *refused;
  if (st.archive) {
    ArchiveRecord rec;
    std::string error;
    bool ok = st.archive->append(d, text, caller, &rec, &error, none_as_of);
    if (!ok && none_as_of >= 0 && error == kReviewsChanged) {
      // A review on the agreement was committed while it was decided: decide again, reading
      // the records this time.
      count_decided_again(st);
      d = Decision{};
      if (auto refused = judge(st, s, text, name, format, context, &d, at, observed))
        return *refused;
      ok = st.archive->append(d, text, caller, &rec, &error);
    }
    if (!ok) return unarchived(st, error);
    if (decision_id) *decision_id = rec.decision_id;
  }
  count_decision(st, outcome_name(d.outcome));
  return {200, to_json(d, -1)};
}

// POST /v1/reviews for `who`, and the staff pages' review form.
HttpResponse record_review(ServiceState& st, const HttpRequest& req, const Caller& who) {
  // After a review the decision is derived again from the reviewed text, with the approvals
  // the records now stand for, and archived like any.
  auto rederive = [&](const ArchiveRecord& reviewed) {
    std::shared_ptr<Served> s;
    {
      std::lock_guard<std::mutex> lock(st.served_mu);
      s = st.served;
    }
    std::string id;
    Outcome out = decide(st, s, reviewed.agreement, "reviewed", DocumentFormat::kAuto, who.name,
                         EvaluationContext{}, &id);
    return std::make_pair(out.status == 200 ? id : std::string(), std::move(out.body));
  };
  Review recorded;
  HttpResponse res = post_review(
      st.archive, req, who.name,
      [&](const std::string& role) -> std::optional<HttpResponse> {
        if (allowed(who, role)) return std::nullopt;
        return forbidden(st, who, req.path, role);
      },
      rederive, &recorded);
  if (res.status == 201) {
    std::lock_guard<std::mutex> lock(st.metrics.mu);
    ++st.metrics.reviews[{recorded.body, recorded.verdict}];
  }
  return res;
}

// The review queues in /metrics: how many decisions wait for each body and for how long.
std::string queue_metrics(ServiceState& st, const CompiledPack& pack) {
  if (!st.archive) return "";
  std::vector<WaitingReview> waiting;
  try {
    waiting = st.archive->waiting_for_review(10000);
  } catch (const std::exception&) {
    return "";  // the archive cannot be read: the gauges are left out, not shown as zero
  }
  const int64_t now = ui::now_seconds();
  std::string length =
      "# HELP steward_review_queue_length Decisions waiting for a reviewer body.\n"
      "# TYPE steward_review_queue_length gauge\n";
  std::string oldest =
      "# HELP steward_review_queue_oldest_seconds Age of the oldest decision waiting for a "
      "reviewer body (0: none waits).\n"
      "# TYPE steward_review_queue_oldest_seconds gauge\n";
  for (const ReviewerInfo& body : pack.reviewers) {
    size_t n = 0;
    int64_t age = 0;
    for (const WaitingReview& w : waiting) {
      if (std::find(w.bodies.begin(), w.bodies.end(), body.name) == w.bodies.end()) continue;
      if (n++ == 0) age = std::max<int64_t>(0, now - ui::epoch_seconds(w.decision.time));
    }
    length += fmt::format("steward_review_queue_length{{body=\"{}\"}} {}\n", body.name, n);
    oldest +=
        fmt::format("steward_review_queue_oldest_seconds{{body=\"{}\"}} {}\n", body.name, age);
  }
  return length + oldest;
}

// The evaluation date of a request: `?as_of=YYYY-MM-DD`, else today (UTC). Another day than
// today only when the operator allows it (--allow-as-of); otherwise a 403 explains why.
std::optional<HttpResponse> request_context(const ServiceState& st, const HttpRequest& req,
                                            EvaluationContext* context) {
  if (!req.has_param("as_of")) return std::nullopt;
  const int32_t today = context->as_of;
  if (!parse_iso_date(req.param("as_of"), &context->as_of))
    return error_response(400, "`as_of` must be a calendar date YYYY-MM-DD");
  if (context->as_of != today && !st.options.allow_as_of)
    return error_response(403,
                          "this server decides as of today; deciding as of another day needs "
                          "`steward serve --allow-as-of`");
  return std::nullopt;
}

HttpResponse answer(Outcome out, const std::string& decision_id) {
  HttpResponse res;
  res.status = out.status;
  if (!decision_id.empty()) res.set_header("Steward-Decision-Id", decision_id);
  res.set_content(std::move(out.body), "application/json");
  return res;
}

HttpResponse evaluate_one(ServiceState& st, const std::shared_ptr<Served>& s,
                          const HttpRequest& req, const std::string& caller) {
  DocumentFormat format;
  if (!body_format(req.header("Content-Type"), &format)) return unsupported_media_type();
  EvaluationContext context;
  if (auto refused = request_context(st, req, &context)) return *refused;
  std::string id;
  Outcome out =
      decide(st, s, req.body, format == DocumentFormat::kYaml ? "request.yaml" : "request.json",
             format, caller, context, &id);
  return answer(std::move(out), id);
}

// evaluate_one's steps before the record goes to the archive: the answer when the request
// ends there (refused, or no decision), else nothing and `*d` is the decision.
// `no_reviews_as_of` and `needs_read` as for judge().
std::optional<HttpResponse> judge_one(ServiceState& st, const std::shared_ptr<Served>& s,
                                      const HttpRequest& req, Decision* d,
                                      int64_t* no_reviews_as_of = nullptr,
                                      bool* needs_read = nullptr) {
  DocumentFormat format;
  if (!body_format(req.header("Content-Type"), &format)) return unsupported_media_type();
  EvaluationContext context;
  if (auto refused = request_context(st, req, &context)) return refused;
  if (auto refused =
          judge(st, s, req.body, format == DocumentFormat::kYaml ? "request.yaml" : "request.json",
                format, context, d, {1, 1}, nullptr, no_reviews_as_of, needs_read))
    return answer(std::move(*refused), "");
  return std::nullopt;
}

// An agreement with the data files it sends, as `steward eval --data` decides it: a JSON
// object {"agreement": text, "format": "yaml"|"json", "data": [{"name", "text", "format"}]}.
// Each file is scanned in memory (the body limit bounds it); its values never leave the
// request, and the decision records each file's name and SHA-256.
HttpResponse evaluate_data(ServiceState& st, const std::shared_ptr<Served>& s,
                           const HttpRequest& req, const std::string& caller) {
  DocumentFormat body_fmt;
  if (!body_format(req.header("Content-Type"), &body_fmt) || body_fmt != DocumentFormat::kJson)
    return unsupported_media_type("send {agreement, data} as application/json");
  EvaluationContext context;
  if (auto refused = request_context(st, req, &context)) return *refused;
  // The envelope is shallow: refuse depth before building a tree whose depth costs stack.
  if (json_nesting(req.body, 4) > 3)
    return error_response(400, "the body nests deeper than {agreement, data: [{...}]}");
  Json body = Json::parse(req.body, nullptr, false);
  auto bad = [](const char* why) { return error_response(400, why); };
  if (!body.is_object()) return bad("the body must be a JSON object {agreement, data}");
  for (const auto& [key, value] : body.items()) {
    if (key != "agreement" && key != "format" && key != "data")
      return bad("the body has only `agreement`, `format` and `data`");
  }
  if (!body.contains("agreement") || !body["agreement"].is_string())
    return bad("`agreement` must be the agreement's text, a string");
  DocumentFormat format = DocumentFormat::kAuto;
  if (body.contains("format")) {
    const Json& f = body["format"];
    if (f == "yaml") {
      format = DocumentFormat::kYaml;
    } else if (f == "json") {
      format = DocumentFormat::kJson;
    } else {
      return bad("`format` is `yaml` or `json`");
    }
  }
  const Json& data = body.contains("data") ? body["data"] : Json();
  if (!data.is_array() || data.empty() || data.size() > kMaxDataFiles)
    return error_response(
        data.size() > kMaxDataFiles ? 413 : 400,
        fmt::format("`data` must be a list of 1 to {} files {{name, text}}", kMaxDataFiles));
  std::vector<ScanReport> observed;
  for (const Json& file : data) {
    if (!file.is_object() || !file.contains("name") || !file["name"].is_string() ||
        !file.contains("text") || !file["text"].is_string())
      return bad("each data file is {name, text[, format]}, with strings");
    for (const auto& [key, value] : file.items()) {
      if (key != "name" && key != "text" && key != "format")
        return bad("a data file has only `name`, `text` and `format`");
    }
    ScanOptions options;
    if (file.contains("format") &&
        (!file["format"].is_string() ||
         !parse_data_format(file["format"].get<std::string>(), &options.format)))
      return bad("a data file's `format` is `auto`, `csv`, `tsv` or `jsonl`");
    const std::string name = file["name"].get<std::string>();
    std::istringstream in(file["text"].get<std::string>());
    observed.push_back(scan_data(*s->pack, in, name, options));
  }
  std::string id;
  Outcome out = decide(st, s, body["agreement"].get<std::string>(),
                       format == DocumentFormat::kJson ? "request.json" : "request.yaml", format,
                       caller, context, &id, {1, 1}, &observed);
  HttpResponse res;
  res.status = out.status;
  if (!id.empty()) res.set_header("Steward-Decision-Id", id);
  res.set_content(std::move(out.body), "application/json");
  return res;
}

HttpResponse evaluate_batch(ServiceState& st, const std::shared_ptr<Served>& s,
                            const HttpRequest& req, const std::string& caller) {
  DocumentFormat format;
  if (!body_format(req.header("Content-Type"), &format) || format != DocumentFormat::kJson)
    return unsupported_media_type("a batch is a JSON array: send it as application/json");
  // One date for the whole batch, read once.
  EvaluationContext context;
  if (auto refused = request_context(st, req, &context)) return *refused;
  // Split rather than parse: each item goes to the loader, whose limits (depth, size) and
  // located errors apply per item, and no tree is built whose depth could cost stack.
  std::vector<std::string_view> items;
  std::string error;
  if (!split_json_array(req.body, &items, &error)) return error_response(400, error);
  // A 900 KB batch of `{}` once answered 145 MB of errors.
  if (items.size() > kMaxBatchItems)
    return error_response(413, fmt::format("a batch holds at most {} agreements", kMaxBatchItems));
  std::string body = "[";
  // Line and column of each item in the body, counted once over the whole body.
  uint32_t line = 1, column = 1;
  const char* scanned = req.body.data();
  for (size_t i = 0; i < items.size(); ++i) {
    for (; scanned < items[i].data(); ++scanned) {
      if (*scanned == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(*scanned) & 0xC0) != 0x80) {
        ++column;  // columns count code points, as the loader's do
      }
    }
    Outcome out = decide(st, s, std::string(items[i]), fmt::format("item[{}]", i),
                         DocumentFormat::kJson, caller, context, nullptr, {line, column});
    if (out.status == 503) {
      HttpResponse res;
      res.status = 503;
      res.set_content(std::move(out.body), "application/json");
      return res;
    }
    if (i) body += ',';
    body += out.body;
  }
  HttpResponse res;
  res.set_content(body + "]", "application/json");
  return res;
}

HttpResponse policy(const std::shared_ptr<Served>& s) {
  const CompiledPack& p = *s->pack;
  Json clauses = Json::array();
  for (const auto& c : p.clauses)
    clauses.push_back({{"id", c.id}, {"title", c.title}, {"citation", c.citation}});
  Json rules = Json::array();
  for (const auto& r : p.rules)
    rules.push_back({{"id", r.id},
                     {"clause", r.clause},
                     {"outcome", outcome_name(r.outcome)},
                     {"reviewers", r.reviewers}});
  Json params_json = Json::object();
  for (const auto& prm : p.params) params_json[prm.name] = prm.value;
  HttpResponse res;
  res.set_content(json_text(Json{{"name", p.name},
                                 {"version", p.version},
                                 {"digest", p.digest},
                                 {"parameters", params_json},
                                 {"clauses", clauses},
                                 {"rules", rules}}),
                  "application/json");
  return res;
}

HttpResponse list_decisions(ServiceState& st, const HttpRequest& req) {
  if (!st.archive) return error_response(404, "this server keeps no archive");
  ArchiveQuery q{req.param("agreement"), req.param("decision"), 100};
  if (!q.decision.empty() && q.decision != "allow" && q.decision != "deny" &&
      q.decision != "needs_review" && q.decision != "review")
    return error_response(400, "`decision` must be allow, deny, needs_review or review");
  if (req.has_param("limit")) {
    const std::string limit = req.param("limit");
    bool digits =
        !limit.empty() && limit.size() <= 4 &&
        std::all_of(limit.begin(), limit.end(), [](char c) { return c >= '0' && c <= '9'; });
    q.limit = digits ? std::stoul(limit) : 0;
    if (q.limit < 1 || q.limit > kMaxListLimit)
      return error_response(
          400, fmt::format("`limit` must be a whole number from 1 to {}", kMaxListLimit));
  }
  std::string out = "[";
  for (const auto& r : st.archive->list(q)) {
    if (out.size() > 1) out += ',';
    out += record_to_json(r, false);
  }
  HttpResponse res;
  res.set_content(out + "]", "application/json");
  return res;
}

// A decision id as the archives write it: letters, digits and dashes.
bool decision_id_like(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

// One archived decision; its agreement text only for `with_text` (a reviewer, an admin, or a
// reader when the pack says `archive_text: readers`).
HttpResponse get_decision(ServiceState& st, std::string_view id, bool with_text) {
  auto r = st.archive && decision_id_like(id) ? st.archive->get(id) : std::nullopt;
  if (!r) return error_response(404, "no such decision");
  std::string body = record_to_json(*r, with_text);
  // A decision that asked for review carries its review history.
  if (r->decision == "needs_review") {
    body.pop_back();
    body += ",\"reviews\":" + reviews_json(*st.archive, *r) + "}";
  }
  HttpResponse res;
  res.set_content(std::move(body), "application/json");
  return res;
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

bool HttpRequest::has_header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.first, name)) return true;
  return false;
}

std::string HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return "";
}

bool HttpRequest::has_param(std::string_view name) const {
  for (const auto& q : query)
    if (q.first == name) return true;
  return false;
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

void split_target(std::string_view target, std::string* path,
                  std::vector<std::pair<std::string, std::string>>* query) {
  size_t q = target.find('?');
  *path = percent_decode(target.substr(0, q), false);
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      query->emplace_back(
          percent_decode(pair.substr(0, eq), true),
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
}

HttpResponse error_response(int status, std::string_view message) {
  HttpResponse res;
  res.status = status;
  res.set_content(json_text(Json{{"error", message}}), "application/json");
  return res;
}

Service::Service(std::shared_ptr<Served> served, Archive* archive, ServiceOptions options)
    : state_(std::make_unique<ServiceState>()) {
  state_->served = std::move(served);
  state_->archive = archive;
  state_->options = std::move(options);
  ServiceState* st = state_.get();
  UiOptions ui;
  ui.tokens = st->options.tokens;
  ui.archive = archive;
  ui.current = [st] {
    std::lock_guard<std::mutex> lock(st->served_mu);
    return st->served;
  };
  ui.review = [st](const std::string& body, const std::string& name,
                   const std::vector<std::string>* roles) {
    HttpRequest req;
    req.method = "POST";
    req.path = "/ui/review";
    req.body = body;
    req.headers.emplace_back("Content-Type", "application/json");
    return record_review(*st, req, Caller{name, roles});
  };
  ui.log = st->options.log;
  ui.secure_cookies = st->options.secure_cookies;
  st->ui = std::make_unique<StaffUi>(std::move(ui));
}

Service::~Service() = default;

void Service::replace(std::shared_ptr<Served> next) {
  std::lock_guard<std::mutex> lock(state_->served_mu);
  state_->served = std::move(next);
}

void Service::record_reload(bool loaded, const std::string& reason, const std::string& digest) {
  auto now = std::chrono::system_clock::now();
  Json status{{"outcome", loaded ? "loaded" : "refused"},
              {"at", fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(now))}};
  if (!digest.empty()) status["digest"] = digest;
  if (!reason.empty()) status["reason"] = reason;
  {
    std::lock_guard<std::mutex> lock(state_->served_mu);
    state_->last_reload = std::move(status);
  }
  std::lock_guard<std::mutex> lock(state_->metrics.mu);
  ++(loaded ? state_->metrics.reloads_loaded : state_->metrics.reloads_refused);
  state_->metrics.reload_refused = !loaded;
}

std::shared_ptr<Served> Service::current() {
  std::lock_guard<std::mutex> lock(state_->served_mu);
  return state_->served;
}

std::optional<HttpResponse> Service::screen(const HttpRequest& head) {
  const ServiceState& st = *state_;
  // Bodies must say their length, so the body limit is known before any byte of it is read.
  if (head.has_header("Transfer-Encoding")) {
    HttpResponse res = error_response(411, "send the body with a Content-Length, not chunked");
    res.close = true;
    return res;
  }
  // Ranges turned a 3.9 KB document into a 12 MB answer of overlapping parts; no route needs
  // them.
  if (head.has_header("Range")) return error_response(416, "range requests are not supported");
  if (st.options.host_allowed && !st.options.host_allowed(head.header("Host")))
    return error_response(421, "this server does not answer to that Host; see --server-name");
  // The staff pages sign in with a session cookie, not a bearer token.
  if (StaffUi::owns(head.path)) return st.ui->screen(head);
  // Before the body: a client without a token, or without the route's role, cannot make the
  // server read (and hold) one.
  if (!open_route(head.path)) {
    const Caller c = caller_of(st, head);
    if (!c.known()) return unauthorized();
    const char* role = required_role(head.path);
    if (!allowed(c, role)) return forbidden(st, c, head.path, role);
  }
  return std::nullopt;
}

HttpResponse Service::handle(const HttpRequest& req) {
  ServiceState& st = *state_;
  if (auto early = screen(req)) return *early;
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  auto wrong_method = [](const char* allow) {
    HttpResponse res = error_response(405, fmt::format("this route answers {} only", allow));
    res.set_header("Allow", allow);
    return res;
  };
  try {
    const std::string& path = req.path;
    if (StaffUi::owns(path)) return st.ui->handle(req);
    const Caller who = caller_of(st, req);
    const std::string& caller = who.name;
    if (path == "/v1/evaluate" || path == "/v1/evaluate/batch" || path == "/v1/evaluate/data") {
      if (!post) return wrong_method("POST");
      auto s = current();
      if (path == "/v1/evaluate/data") return evaluate_data(st, s, req, caller);
      return path == "/v1/evaluate" ? evaluate_one(st, s, req, caller)
                                    : evaluate_batch(st, s, req, caller);
    }
    if (path == "/v1/reviews") {
      if (!post) return wrong_method("POST");
      return record_review(st, req, who);
    }
    if (path == "/v1/admin/reload" && st.options.request_reload) {
      if (!post) return wrong_method("POST");
      st.options.request_reload();
      const std::string line = json_text(Json{{"event", "reload-requested"}, {"caller", caller}});
      if (st.options.log)
        st.options.log(line);
      else
        log_line(line);
      HttpResponse res;
      res.status = 202;
      res.set_content(
          R"({"status":"reload requested","outcome":"see /readyz (reload) and /metrics"})",
          "application/json");
      return res;
    }
    const char* kGetRoutes[] = {"/v1/policy", "/v1/decisions", "/healthz",
                                "/readyz",    "/metrics",      "/openapi.json"};
    const bool get_route =
        std::find(std::begin(kGetRoutes), std::end(kGetRoutes), path) != std::end(kGetRoutes) ||
        path.rfind("/v1/decisions/", 0) == 0;
    if (!get_route) return error_response(404, "no such route; see /openapi.json");
    if (!get) return wrong_method("GET, HEAD");
    HttpResponse res;
    if (path == "/v1/policy") return policy(current());
    if (path == "/v1/decisions") return list_decisions(st, req);
    if (path.rfind("/v1/decisions/", 0) == 0)
      return get_decision(st, std::string_view(path).substr(std::strlen("/v1/decisions/")),
                          who.has("admin") || who.reviewer() ||
                              (who.has("read") && current()->pack->archive_text_to_readers));
    if (path == "/healthz") {
      res.set_content(R"({"status":"ok"})", "application/json");
    } else if (path == "/readyz") {
      // Ready means able to decide, and a decision is given only once it is archived: a
      // server whose archive cannot be read is not ready, so that a load balancer sends its
      // requests elsewhere (tools/package/haproxy.cfg).
      if (st.archive) {
        try {
          (void)st.archive->get("00000000-0000-0000-0000-000000000000");
        } catch (const std::exception& e) {
          log_line(json_text(Json{{"event", "not_ready"}, {"message", e.what()}}));
          return error_response(503, "not ready: the archive cannot be read");
        }
      }
      auto s = current();
      Json body{
          {"status", "ready"},
          {"policy",
           {{"name", s->pack->name}, {"version", s->pack->version}, {"digest", s->pack->digest}}}};
      {
        std::lock_guard<std::mutex> lock(st.served_mu);
        if (!st.last_reload.is_null()) body["reload"] = st.last_reload;
      }
      res.set_content(json_text(body), "application/json");
    } else if (path == "/metrics") {
      std::string text = st.metrics.text() + queue_metrics(st, *current()->pack);
      if (st.options.connections) {
        ConnectionStats c = st.options.connections();
        text += fmt::format(
            "# HELP steward_connections_open Client connections open.\n"
            "# TYPE steward_connections_open gauge\nsteward_connections_open {}\n"
            "# HELP steward_connections_closed_total Connections the limits closed to make room "
            "(evicted) or refused at accept (refused).\n"
            "# TYPE steward_connections_closed_total counter\n"
            "steward_connections_closed_total{{reason=\"evicted\"}} {}\n"
            "steward_connections_closed_total{{reason=\"refused\"}} {}\n"
            "# HELP steward_request_body_bytes Memory reserved for request bodies being "
            "received.\n"
            "# TYPE steward_request_body_bytes gauge\nsteward_request_body_bytes {}\n"
            "# HELP steward_request_bodies_refused_total Requests answered 503 because the "
            "memory for request bodies was taken.\n"
            "# TYPE steward_request_bodies_refused_total counter\n"
            "steward_request_bodies_refused_total {}\n",
            c.open, c.evicted, c.refused, c.body_bytes, c.bodies_refused);
      }
      res.set_content(std::move(text), "text/plain; version=0.0.4");
    } else {
      res.set_content(kOpenApi, "application/json");
    }
    return res;
  } catch (const std::exception& e) {
    // An archive that cannot be read, say: a JSON 500 without internals; the log has them.
    log_line(json_text(Json{{"event", "error"}, {"message", e.what()}}));
  } catch (...) {
    log_line(json_text(Json{{"event", "error"}, {"message", "internal error"}}));
  }
  return error_response(500, "the server could not answer; see its log");
}

namespace {

// Whether `req` (read whole) is a small single evaluation, which an I/O thread may decide: a
// large agreement takes long enough to hold up the other connections of its I/O thread. One
// whose review records must be read over the network is still declined, once that is known.
bool small_evaluation(const HttpRequest& req) {
  constexpr size_t kSmallBody = 64 * 1024;
  return req.method == "POST" && req.path == "/v1/evaluate" && req.body.size() <= kSmallBody;
}

// What an async evaluation's caller hears once its record's batch is done.
Archive::AppendDone answer_when_archived(ServiceState& st, std::function<void(HttpResponse)> done) {
  return [&st, done = std::move(done)](bool ok, ArchiveRecord rec, std::string error) {
    if (!ok) return done(answer(unarchived(st, error), ""));
    count_decision(st, rec.decision);
    // The record's document is the decision's JSON (to_json(d, -1)): it is the answer's body.
    done(answer({200, std::move(rec.document)}, rec.decision_id));
  };
}

// handle_async's second try, on the archive's own thread, when a review on the agreement was
// committed while it was decided (kReviewsChanged): this time the records are read. Rare: it
// takes a reviewer's verdict on the same agreement within a batch's time.
void decide_again(ServiceState& st, const std::shared_ptr<Served>& s, const HttpRequest& req,
                  const std::string& caller, std::function<void(HttpResponse)> done) {
  count_decided_again(st);
  std::optional<HttpResponse> early;
  Decision d;
  try {
    early = judge_one(st, s, req, &d);
  } catch (const std::exception& e) {
    log_line(json_text(Json{{"event", "error"}, {"message", e.what()}}));
    early = error_response(500, "the server could not answer; see its log");
  }
  if (early) return done(std::move(*early));
  st.archive->append_async(d, req.body, caller, answer_when_archived(st, std::move(done)));
}

}  // namespace

void Service::handle_async(const HttpRequest& req, std::function<void(HttpResponse)> done) {
  answer_async(req, done, true);
}

bool Service::try_handle_async(const HttpRequest& req, std::function<void(HttpResponse)>& done) {
  return answer_async(req, done, false);
}

bool Service::answer_async(const HttpRequest& req, std::function<void(HttpResponse)>& done,
                           bool may_wait) {
  ServiceState& st = *state_;
  if (!may_wait && !small_evaluation(req)) return false;
  if (!st.archive || req.method != "POST" || req.path != "/v1/evaluate") {
    done(handle(req));
    return true;
  }
  // Local reads (SQLite) are as quick as deciding; only reads over the network are declined.
  const bool may_read = may_wait || !st.archive->reads_wait_on_network();
  // Whatever may throw comes before the archive takes `done`: it is called once, either here
  // with the early answer or by the archive's own thread once the record is committed (the
  // deciding thread goes on to the next request instead of sleeping through the commit).
  std::optional<HttpResponse> early;
  std::string caller;
  Decision d;
  std::shared_ptr<Served> s;
  int64_t none_as_of = -1;
  bool needs_read = false;
  try {
    early = screen(req);
    if (!early) {
      caller = caller_of(st, req).name;
      s = current();
      early = judge_one(st, s, req, &d, &none_as_of, may_read ? nullptr : &needs_read);
    }
  } catch (const std::exception& e) {
    log_line(json_text(Json{{"event", "error"}, {"message", e.what()}}));
    early = error_response(500, "the server could not answer; see its log");
  }
  if (needs_read) return false;  // `done` untouched: the caller tries again where it may wait
  if (early) {
    done(std::move(*early));
    return true;
  }
  if (none_as_of < 0) {
    st.archive->append_async(d, req.body, caller, answer_when_archived(st, std::move(done)));
    return true;
  }
  // `req` lives until `done` is called (the contract), so a second try can read it again.
  st.archive->append_async(
      d, req.body, caller,
      [&st, &req, s, caller, done = std::move(done)](bool ok, ArchiveRecord rec,
                                                     std::string error) mutable {
        if (!ok && error == kReviewsChanged)
          return decide_again(st, s, req, caller, std::move(done));
        answer_when_archived(st, std::move(done))(ok, std::move(rec), std::move(error));
      },
      none_as_of);
  return true;
}

void Service::log(const HttpRequest& req, const HttpResponse& res,
                  std::chrono::steady_clock::duration took) {
  ServiceState& st = *state_;
  const double seconds = std::chrono::duration<double>(took).count();
  st.metrics.observe(metrics_route(req.path), res.status, seconds);
  if (!st.options.access_log) return;
  // Without agreement contents; the path and method are client bytes, so json_text.
  std::string line = json_text(Json{{"method", req.method},
                                    {"path", req.path},
                                    {"status", res.status},
                                    {"ms", seconds * 1000},
                                    {"bytes_in", req.body.size()},
                                    {"decision_id", res.header("Steward-Decision-Id")}});
  if (st.options.log)
    st.options.log(line);
  else
    log_line(line);
}

}  // namespace steward::cli
