// `steward serve`: the evaluator over HTTP (cpp-httplib), with the decision archive.
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "commands.h"
#include "common.h"
#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/evaluator.h"

namespace steward::cli {
namespace {

using Json = nlohmann::ordered_json;

std::atomic<bool> g_reload{false};
std::atomic<bool> g_stop{false};
httplib::Server* g_server = nullptr;

extern "C" void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_reload = true;
  } else {
    g_stop = true;
    if (g_server) g_server->stop();
  }
}

// The pack being served. Requests take a shared_ptr copy, so a reload never changes the pack
// under a request that started on the old one.
struct Served {
  std::shared_ptr<const CompiledPack> pack;
  std::unique_ptr<Evaluator> evaluator;
};

struct Metrics {
  std::mutex mu;
  std::map<std::pair<std::string, int>, uint64_t> requests;  // (route, status)
  std::map<std::string, uint64_t> decisions;
  uint64_t archive_errors = 0;
  // Request latency histogram (seconds).
  std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1};
  std::vector<uint64_t> buckets = std::vector<uint64_t>(11, 0);
  double sum = 0;
  uint64_t count = 0;

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
        "# HELP steward_archive_errors_total Archive writes that failed (the decision was "
        "withheld).\n"
        "# TYPE steward_archive_errors_total counter\n";
    out += fmt::format("steward_archive_errors_total {}\n", archive_errors);
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

// Debian's cpp-httplib is a compiled library that listens with a backlog of 5, so a burst of
// clients connecting at once loses SYNs and waits a second for the retransmit. listen() again on
// the bound socket raises the backlog; the socket is found by its port since httplib keeps it
// private.
void widen_backlog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = addr.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                    : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (bound == port) ::listen(fd, SOMAXCONN);
  }
}

}  // namespace

int run_serve(const ServeOptions& o) {
  std::map<std::string, std::string> params;
  if (!parse_params(o.params, &params)) return kExitError;
  auto load = [&]() -> std::shared_ptr<Served> {
    CompileResult r = load_pack(o.pack, o.bundle, params, false);
    if (!r.ok()) return nullptr;
    auto s = std::make_shared<Served>();
    s->pack = r.pack;
    s->evaluator = std::make_unique<Evaluator>(r.pack);
    return s;
  };
  std::shared_ptr<Served> served = load();
  if (!served) {
    fmt::print(stderr, "serve: the policy pack has errors; not starting\n");
    return kExitError;
  }
  std::mutex served_mu;
  auto current = [&] {
    std::lock_guard<std::mutex> lock(served_mu);
    return served;
  };

  std::unique_ptr<Archive> archive;
  if (!o.no_archive) {
    std::string error;
    archive = Archive::open(o.archive, &error);
    if (!archive) {
      fmt::print(stderr, "error[archive.open]: {}\n", error);
      return kExitError;
    }
  }
  // Named bearer tokens: one `name token` pair a line.
  std::vector<std::pair<std::string, std::string>> tokens;
  if (!o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in) {
      fmt::print(stderr, "error[serve.tokens]: cannot read `{}`\n", o.token_file);
      return kExitError;
    }
    std::string name, token;
    while (in >> name >> token) tokens.emplace_back(name, token);
    if (tokens.empty()) {
      fmt::print(stderr, "error[serve.tokens]: `{}` holds no `name token` lines\n", o.token_file);
      return kExitError;
    }
  }

  Metrics metrics;
  std::unique_ptr<httplib::Server> server_ptr;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!tls->is_valid()) {
      fmt::print(stderr, "error[serve.tls]: cannot load the certificate `{}` and key `{}`\n",
                 o.tls_cert, o.tls_key);
      return kExitError;
    }
    server_ptr = std::move(tls);
  } else {
    server_ptr = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *server_ptr;
  server.set_payload_max_length(o.max_body);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  // A kept-alive connection holds one worker while it is open, so there are enough workers for
  // many clients; connections are reused for many requests rather than httplib's default 5.
  server.set_keep_alive_max_count(10000);
  // Without it, a response written in two segments waits on the client's delayed ACK (40 ms).
  server.set_tcp_nodelay(true);
  const size_t workers = o.threads;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };

  // Returns the caller's token name, or "" after answering 401.
  auto authorize = [&](const httplib::Request& req, httplib::Response& res) -> std::string {
    if (tokens.empty()) return "anonymous";
    std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) == 0) {
      std::string given = auth.substr(prefix.size());
      std::string who;
      for (const auto& [name, token] : tokens) {
        // Constant-time comparison, so response timing does not reveal a token's prefix.
        bool same = given.size() == token.size() &&
                    CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
        if (same) who = name;
      }
      if (!who.empty()) return who;
    }
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(R"({"error":"a valid bearer token is required"})", "application/json");
    return "";
  };

  struct Outcome {
    int status;
    std::string body;
  };
  // Decides on one agreement text; archives before answering.
  auto decide = [&](const std::shared_ptr<Served>& s, const std::string& text,
                    const std::string& name, const std::string& caller,
                    std::string* decision_id) -> Outcome {
    LoadResult loaded = load_document(*s->pack, text, name);
    if (!loaded.ok()) return {422, errors_to_json(name, loaded.errors, -1)};
    Decision d = s->evaluator->evaluate(*loaded.document);
    if (archive) {
      ArchiveRecord rec;
      std::string error;
      if (!archive->append(d, text, caller, &rec, &error)) {
        std::lock_guard<std::mutex> lock(metrics.mu);
        ++metrics.archive_errors;
        return {503, Json{{"error", error + "; no decision is given without its record"}}.dump()};
      }
      if (decision_id) *decision_id = rec.decision_id;
    }
    {
      std::lock_guard<std::mutex> lock(metrics.mu);
      ++metrics.decisions[outcome_name(d.outcome)];
    }
    return {200, to_json(d, -1)};
  };

  server.Post("/v1/evaluate", [&](const httplib::Request& req, httplib::Response& res) {
    std::string caller = authorize(req, res);
    if (caller.empty()) return;
    auto s = current();
    bool yaml = req.get_header_value("Content-Type").find("yaml") != std::string::npos;
    std::string id;
    Outcome out = decide(s, req.body, yaml ? "request.yaml" : "request.json", caller, &id);
    res.status = out.status;
    if (!id.empty()) res.set_header("Steward-Decision-Id", id);
    res.set_content(out.body, "application/json");
  });

  server.Post("/v1/evaluate/batch", [&](const httplib::Request& req, httplib::Response& res) {
    std::string caller = authorize(req, res);
    if (caller.empty()) return;
    Json items = Json::parse(req.body, nullptr, false);
    if (items.is_discarded() || !items.is_array()) {
      res.status = 400;
      res.set_content(R"({"error":"the body must be a JSON array of agreements"})",
                      "application/json");
      return;
    }
    auto s = current();
    std::string body = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      Outcome out = decide(s, items[i].dump(1), fmt::format("item[{}]", i), caller, nullptr);
      if (out.status == 503) {
        res.status = 503;
        res.set_content(out.body, "application/json");
        return;
      }
      body += (i ? "," : "") + out.body;
    }
    res.set_content(body + "]", "application/json");
  });

  server.Get("/v1/policy", [&](const httplib::Request& req, httplib::Response& res) {
    if (authorize(req, res).empty()) return;
    auto s = current();
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
    res.set_content(Json{{"name", p.name},
                         {"version", p.version},
                         {"digest", p.digest},
                         {"parameters", params_json},
                         {"clauses", clauses},
                         {"rules", rules}}
                        .dump(),
                    "application/json");
  });

  server.Get("/v1/decisions", [&](const httplib::Request& req, httplib::Response& res) {
    if (authorize(req, res).empty()) return;
    if (!archive) {
      res.status = 404;
      res.set_content(R"({"error":"this server keeps no archive"})", "application/json");
      return;
    }
    ArchiveQuery q{req.get_param_value("agreement"), req.get_param_value("decision"), 100};
    if (req.has_param("limit"))
      q.limit = std::strtoul(req.get_param_value("limit").c_str(), nullptr, 10);
    std::string out = "[";
    for (const auto& r : archive->list(q))
      out += (out.size() > 1 ? "," : "") + record_to_json(r, false);
    res.set_content(out + "]", "application/json");
  });

  server.Get(R"(/v1/decisions/([A-Za-z0-9\-]+))",
             [&](const httplib::Request& req, httplib::Response& res) {
               if (authorize(req, res).empty()) return;
               auto r = archive ? archive->get(req.matches[1].str()) : std::nullopt;
               if (!r) {
                 res.status = 404;
                 res.set_content(R"({"error":"no such decision"})", "application/json");
                 return;
               }
               res.set_content(record_to_json(*r, true), "application/json");
             });

  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    auto s = current();
    res.set_content(
        Json{
            {"status", "ready"},
            {"policy",
             {{"name", s->pack->name}, {"version", s->pack->version}, {"digest", s->pack->digest}}}}
            .dump(),
        "application/json");
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.text(), "text/plain; version=0.0.4");
  });
  server.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kOpenApi, "application/json");
  });

  // Latency: the pre-routing handler and the logger run on the same worker thread.
  static thread_local std::chrono::steady_clock::time_point started;
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    started = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Structured access log, without agreement contents.
  server.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string route = req.path.rfind("/v1/decisions/", 0) == 0 ? "/v1/decisions/{id}" : req.path;
    metrics.observe(route, res.status, seconds);
    if (o.quiet) return;
    fmt::print(stderr, "{}\n",
               Json{{"method", req.method},
                    {"path", req.path},
                    {"status", res.status},
                    {"ms", seconds * 1000},
                    {"bytes_in", req.body.size()},
                    {"decision_id", res.get_header_value("Steward-Decision-Id")}}
                   .dump());
  });

  // Listen.
  std::string host = o.listen.substr(0, o.listen.rfind(':'));
  int port = std::atoi(o.listen.substr(o.listen.rfind(':') + 1).c_str());
  if (port == 0) {
    port = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    fmt::print(stderr, "error[serve.listen]: cannot listen on {}\n", o.listen);
    return kExitError;
  }
  widen_backlog(port);
  fmt::print("steward serving {} {} ({}) on {}://{}:{}\n", served->pack->name,
             served->pack->version, served->pack->digest, o.tls_cert.empty() ? "http" : "https",
             host, port);
  std::fflush(stdout);

  g_server = &server;
  std::signal(SIGHUP, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  // Reload on SIGHUP: compile the pack again; a pack that does not compile is refused and the
  // old one keeps serving. In-flight requests keep the pack they started with.
  // --watch: a change in the pack's files (names, sizes, modification times) triggers a reload.
  auto fingerprint = [&] {
    namespace fs = std::filesystem;
    std::string fp;
    std::error_code ec;
    auto add = [&](const fs::path& p) {
      auto t = fs::last_write_time(p, ec).time_since_epoch().count();
      fp += fmt::format("{}:{}:{};", p.string(), ec ? 0 : fs::file_size(p, ec), t);
    };
    if (!o.bundle.empty()) {
      add(o.bundle);
    } else {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(o.pack, ec)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) add(f);
    }
    return fp;
  };
  std::string last_fingerprint = o.watch ? fingerprint() : "";
  std::thread reloader([&] {
    int ticks = 0;
    while (!g_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (o.watch && ++ticks % 5 == 0) {
        std::string fp = fingerprint();
        if (fp != last_fingerprint) {
          last_fingerprint = fp;
          g_reload = true;
        }
      }
      if (!g_reload.exchange(false)) continue;
      auto next = load();
      if (!next) {
        fmt::print(stderr, "{}\n",
                   Json{{"event", "reload"},
                        {"ok", false},
                        {"message", "the new pack does not compile; the old one keeps serving"}}
                       .dump());
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(served_mu);
        served = next;
      }
      fmt::print(stderr, "{}\n",
                 Json{{"event", "reload"}, {"ok", true}, {"digest", next->pack->digest}}.dump());
    }
  });
  server.listen_after_bind();
  g_stop = true;
  reloader.join();
  g_server = nullptr;
  return kExitAllow;
}

}  // namespace steward::cli
