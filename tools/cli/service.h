// The HTTP routes of `steward serve`: evaluation, the archive, policy, health and metrics, over
// a transport-neutral request and response. Connections (http_server.h) and process concerns
// (options, signals, reloading: serve_command.cpp) stay apart, so tests and the fuzzer drive
// the same routes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_text.h"
#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/document.h"
#include "steward/evaluator.h"

namespace steward::cli {

// The pack being served. Requests take a shared_ptr copy, so a reload never changes the pack
// under a request that started on the old one.
struct Served {
  std::shared_ptr<const CompiledPack> pack;
  std::unique_ptr<Evaluator> evaluator;
};

// Compiles nothing: wraps a compiled pack for serving.
std::shared_ptr<Served> make_served(std::shared_ptr<const CompiledPack> pack);

// The connection layer's counts, shown in /metrics.
struct ConnectionStats {
  size_t open = 0;
  uint64_t evicted = 0;         // closed to make room for a newer connection
  uint64_t refused = 0;         // refused at accept: every place was taken by a request in progress
  uint64_t bodies_refused = 0;  // 503: the memory for request bodies was taken
  size_t body_bytes = 0;        // reserved now for bodies being received
};

// A bearer token, the name it gives its caller, and its roles: `propose` (evaluate), `read`
// (decisions and reasons), `admin`, `review:<body>` (a reviewer body of the pack: reads
// decisions and their agreement text).
struct Grant {
  std::string name;
  std::string token;
  std::vector<std::string> roles;
};

struct ServiceOptions {
  // Named bearer tokens with their roles; empty: no authentication, and every caller may do
  // everything (a loopback server for one user).
  std::vector<Grant> tokens;
  bool access_log = true;  // JSON lines, on stderr unless `log` is set
  std::function<void(const std::string&)> log;
  // Host header check (421 when it fails); unset: every Host is answered.
  std::function<bool(std::string_view)> host_allowed;
  // Whether `?as_of=` may name a day other than today. Off by default: a caller who could
  // backdate a decision could decide an expired agreement as if it were still running.
  bool allow_as_of = false;
  // The connection layer's counts; unset: /metrics shows none.
  std::function<ConnectionStats()> connections;
  // Asks for a reload, as SIGHUP does (`POST /v1/admin/reload`, the `admin` role); unset: the
  // route answers 404. The outcome shows in /readyz and /metrics, as for any reload.
  std::function<void()> request_reload;
  // Count the approvals agreements state. Off by default: an approval counts only when a
  // review record in the archive backs it (with no archive, none does), for packs that name
  // their approval lists (docs/reviews.md).
  bool approvals_stated = false;
  // The staff pages' session cookie is `Secure` (set when the server speaks TLS).
  bool secure_cookies = false;
};

// JSON text of a value that may hold client-supplied bytes (a request path, say): invalid
// UTF-8 is replaced rather than thrown, since a throw in the logger would end the process.
std::string json_text(const nlohmann::ordered_json& j);

// Writes one line to stderr and never fails: a log that cannot be written (a full disk,
// `2>/dev/full`, a closed pipe) must not stop decisions.
void log_line(std::string_view line);

// One request as the connection layer read it. Header names compare case-insensitively.
struct HttpRequest {
  std::string method;                                        // as sent: GET, POST, HEAD...
  std::string target;                                        // the request target as sent
  std::string path;                                          // its path, percent-decoded
  std::vector<std::pair<std::string, std::string>> query;    // decoded name=value pairs
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  std::string remote;  // the client's address, for the log

  // The first header of that name, or "" when there is none.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // The first query parameter of that name, or "".
  std::string param(std::string_view name) const;
  bool has_param(std::string_view name) const;
};

// Splits a request target into its percent-decoded path and query pairs (`+` is a space in
// the query). Never fails: undecodable escapes are kept as written.
void split_target(std::string_view target, std::string* path,
                  std::vector<std::pair<std::string, std::string>>* query);

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
  std::string content_type;
  std::string body;
  bool close = false;  // end the connection after this response

  void set_content(std::string text, std::string type) {
    body = std::move(text);
    content_type = std::move(type);
  }
  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  std::string header(std::string_view name) const;
};

// A JSON error response: {"error": message}.
HttpResponse error_response(int status, std::string_view message);

struct ServiceState;

class Service {
 public:
  // `archive` may be null (no archive); it must outlive the service.
  Service(std::shared_ptr<Served> served, Archive* archive, ServiceOptions options);
  ~Service();

  // Looks at a request before its body is read (`head.body` is empty) and returns the answer
  // that makes reading it unnecessary: 401 without a valid token on a guarded route, 411 for a
  // chunked body, 416 for a range, 421 for a Host this server does not answer to.
  std::optional<HttpResponse> screen(const HttpRequest& head);
  // Answers a whole request (screen() included); never throws: a failure inside a route is a
  // JSON 500 without internals.
  HttpResponse handle(const HttpRequest& request);
  // handle(), answered through `done`, exactly once. POST /v1/evaluate with an archive calls
  // it from the archive's own thread once the decision's record is committed (its batch
  // may hold many requests' records); every other request calls it before this returns.
  // `request` must live, unchanged, until `done` is called: a decision refused at its batch
  // (a review on its agreement came meanwhile) is taken again from it.
  void handle_async(const HttpRequest& request, std::function<void(HttpResponse)> done);
  // handle_async for a thread that must not wait (an I/O thread): false, with `done` neither
  // called nor moved from, when the answer would wait on more than the processor (a large
  // body, another route, review records read over the network); the caller then hands the
  // request to handle_async on a thread that may wait. True once `done` is taken.
  bool try_handle_async(const HttpRequest& request, std::function<void(HttpResponse)>& done);
  // Counts a finished exchange in /metrics and writes the access log line (no agreement
  // contents). The connection layer calls it for every response, its own 400s and 413s too.
  void log(const HttpRequest& request, const HttpResponse& response,
           std::chrono::steady_clock::duration took);
  // The pack requests start on from now; in-flight requests keep theirs.
  void replace(std::shared_ptr<Served> next);
  std::shared_ptr<Served> current();
  // Records a reload attempt for /readyz (`reload`) and /metrics (`steward_reloads_total`).
  void record_reload(bool loaded, const std::string& reason, const std::string& digest);

 private:
  // handle_async (may_wait) and try_handle_async (not) in one: false only when !may_wait.
  bool answer_async(const HttpRequest& request, std::function<void(HttpResponse)>& done,
                    bool may_wait);
  std::unique_ptr<ServiceState> state_;
};

}  // namespace steward::cli
