// The HTTP routes of `steward serve`: evaluation, the archive, policy, health and metrics.
// Process concerns (options, listening, signals, reloading) stay in serve_command.cpp, so tests
// and the fuzzer can drive the same routes.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "steward/archive.h"
#include "steward/compiler.h"
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
};

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

 private:
  std::unique_ptr<ServiceState> state_;
};

}  // namespace steward::cli
