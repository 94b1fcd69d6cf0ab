// The HTTP routes of `steward serve`: evaluation, the archive, policy, health and metrics.
// Process concerns (options, listening, signals, reloading) stay in serve_command.cpp, so tests
// and the fuzzer can drive the same routes.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

struct ServiceOptions {
  // Named bearer tokens (name, token); empty: no authentication.
  std::vector<std::pair<std::string, std::string>> tokens;
  bool access_log = true;  // JSON lines, on stderr unless `log` is set
  std::function<void(const std::string&)> log;
  // Host header check (421 when it fails); unset: every Host is answered.
  std::function<bool(std::string_view)> host_allowed;
};

// JSON text of a value that may hold client-supplied bytes (a request path, say): invalid
// UTF-8 is replaced rather than thrown, since a throw in the logger would end the process.
std::string json_text(const nlohmann::ordered_json& j);

// Writes one line to stderr and never fails: a log that cannot be written (a full disk,
// `2>/dev/full`, a closed pipe) must not stop decisions.
void log_line(std::string_view line);

// The format a request body's Content-Type asks for: JSON for application/json and
// application/*+json, YAML for application/yaml, application/x-yaml, text/yaml and
// text/x-yaml; false for anything else (a browser's cross-site form posts text/plain or
// form encodings, which must never reach the evaluator).
bool body_format(std::string_view content_type, DocumentFormat* format);

// Splits a JSON array's text into the text of its items without building a tree (so depth
// costs no stack). Returns false, with `error`, when `body` is not one array.
bool split_json_array(std::string_view body, std::vector<std::string_view>* items,
                      std::string* error);

struct ServiceState;

class Service {
 public:
  // `archive` may be null (no archive); it must outlive the service.
  Service(std::shared_ptr<Served> served, Archive* archive, ServiceOptions options);
  ~Service();

  // Registers every route, the latency pre-handler and the access logger on `server`.
  void install(httplib::Server& server);
  // The pack requests start on from now; in-flight requests keep theirs.
  void replace(std::shared_ptr<Served> next);
  std::shared_ptr<Served> current();
  // Records a reload attempt for /readyz (`reload`) and /metrics (`steward_reloads_total`).
  void record_reload(bool loaded, const std::string& reason, const std::string& digest);

 private:
  std::unique_ptr<ServiceState> state_;
};

}  // namespace steward::cli
